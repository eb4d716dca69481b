package io.riverlog.actors.partition;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.partition.PartitionActor.AppendReply;
import io.riverlog.actors.partition.PartitionActor.Appended;
import io.riverlog.actors.partition.PartitionActor.DeleteRecords;
import io.riverlog.actors.partition.PartitionActor.DeleteRecordsError;
import io.riverlog.actors.partition.PartitionActor.DeleteRecordsFailed;
import io.riverlog.actors.partition.PartitionActor.DeleteRecordsReply;
import io.riverlog.actors.partition.PartitionActor.LogStartMoved;
import io.riverlog.actors.partition.PartitionActor.OutOfRange;
import io.riverlog.actors.partition.PartitionActor.PartitionState;
import io.riverlog.actors.partition.PartitionActor.ReadReply;
import io.riverlog.actors.partition.PartitionActor.Records;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.Storage;
import io.riverlog.wal.ValidBatches;

/**
 * Deleting records of a partition: the log start moves up to the offset (the high watermark for
 * -1), reads below it are out of range, also where the tail buffer still held them, and a restart
 * keeps it; offsets past the high watermark are refused.
 */
class RecordDeletionTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final PartitionSettings settings = PartitionSettings.fromConfig(ConfigFactory.load());
    private final ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());
    private final PartitionId id = new PartitionId("t", 0);

    @TempDir
    Path dir;

    @AfterEach
    void shutdown() {
        kit.shutdownTestKit();
    }

    @Test
    void readsBelowTheNewStartAreOutOfRangeThoughTheBufferHeldThem() {
        ActorRef<PartitionActor.Command> partition = spawn();
        append(partition, batch(5));
        append(partition, batch(5));
        assertThat(state(partition).bufferMinOffset()).as("the buffer holds every batch").isZero();

        assertThat(delete(partition, 7)).isEqualTo(new LogStartMoved(7));

        assertThat(read(partition, 6)).isEqualTo(new OutOfRange(6, 7, 10));
        assertThat(read(partition, 0)).isEqualTo(new OutOfRange(0, 7, 10));
        Records atStart = (Records) read(partition, 7);
        assertThat(BatchFormat.decode(atStart.batches(), 7)).extracting(r -> r.offset()).containsExactly(7L, 8L, 9L);
        assertThat(atStart.logStartOffset()).isEqualTo(7);
        PartitionState state = state(partition);
        assertThat(state.logStartOffset()).isEqualTo(7);
        assertThat(state.bufferMinOffset()).as("the batch wholly below the start left the buffer").isEqualTo(5);
        assertThat(append(partition, batch(1)).logStartOffset()).isEqualTo(7);
    }

    @Test
    void minusOneDeletesUpToTheHighWatermarkAndOffsetsPastItAreRefused() {
        ActorRef<PartitionActor.Command> partition = spawn();
        append(partition, batch(4));
        assertThat(delete(partition, 5)).isInstanceOf(DeleteRecordsFailed.class)
                .extracting(reply -> ((DeleteRecordsFailed) reply).error())
                .isEqualTo(DeleteRecordsError.OFFSET_OUT_OF_RANGE);
        assertThat(delete(partition, -2)).isInstanceOf(DeleteRecordsFailed.class);
        assertThat(state(partition).logStartOffset()).isZero();

        assertThat(delete(partition, DeleteRecords.HIGH_WATERMARK)).isEqualTo(new LogStartMoved(4));
        assertThat(delete(partition, 2)).as("a lower offset changes nothing").isEqualTo(new LogStartMoved(4));
        assertThat(read(partition, 3)).isEqualTo(new OutOfRange(3, 4, 4));
        assertThat(append(partition, batch(2)).baseOffset()).isEqualTo(4);
        assertThat(BatchFormat.decode(((Records) read(partition, 4)).batches(), 4)).hasSize(2);
    }

    @Test
    void aRestartedPartitionKeepsItsMovedStart() {
        ActorRef<PartitionActor.Command> partition = spawn();
        append(partition, batch(6));
        assertThat(delete(partition, 3)).isEqualTo(new LogStartMoved(3));
        TestProbe<Done> stopped = kit.createTestProbe();
        partition.tell(new PartitionActor.Stop(stopped.getRef()));
        stopped.receiveMessage(WAIT);
        stopped.expectTerminated(partition, WAIT);

        ActorRef<PartitionActor.Command> restarted = spawn();
        assertThat(delete(restarted, 1)).isEqualTo(new LogStartMoved(3));
        assertThat(state(restarted).logStartOffset()).isEqualTo(3);
        assertThat(read(restarted, 2)).isEqualTo(new OutOfRange(2, 3, 6));
    }

    private ActorRef<PartitionActor.Command> spawn() {
        return kit.spawn(PartitionActor.create(id, dir.resolve(id.directoryName()), settings, Storage.LOCAL,
                PartitionMetrics.NONE));
    }

    private DeleteRecordsReply delete(ActorRef<PartitionActor.Command> partition, long offset) {
        TestProbe<DeleteRecordsReply> probe = kit.createTestProbe();
        partition.tell(new DeleteRecords(offset, probe.getRef()));
        return probe.receiveMessage(WAIT);
    }

    private ReadReply read(ActorRef<PartitionActor.Command> partition, long offset) {
        TestProbe<ReadReply> reader = kit.createTestProbe();
        partition.tell(new PartitionActor.Read(offset, 1 << 20, Duration.ZERO, reader.getRef()));
        return reader.receiveMessage(WAIT);
    }

    private PartitionState state(ActorRef<PartitionActor.Command> partition) {
        TestProbe<PartitionState> probe = kit.createTestProbe();
        partition.tell(new PartitionActor.GetState(probe.getRef()));
        return probe.receiveMessage(WAIT);
    }

    private Appended append(ActorRef<PartitionActor.Command> partition, ValidBatches batches) {
        TestProbe<AppendReply> probe = kit.createTestProbe();
        partition.tell(new PartitionActor.Append(batches, probe.getRef()));
        return (Appended) probe.receiveMessage(WAIT);
    }

    private static ValidBatches batch(int count) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024), Compression.NONE,
                TimestampType.CREATE_TIME, 0L);
        for (int i = 0; i < count; i++) {
            builder.append(1000 + i, null, ("v" + i).getBytes());
        }
        return BatchFormat.validate(builder.build().buffer());
    }
}
