package io.riverlog.testkit.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionActor.AppendError;
import io.riverlog.actors.partition.PartitionActor.AppendFailed;
import io.riverlog.actors.partition.PartitionActor.AppendReply;
import io.riverlog.actors.partition.PartitionActor.Appended;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.testkit.disk.InMemoryTempDir;
import io.riverlog.testkit.disk.SimulatedDisk;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogRecord;
import io.riverlog.wal.ValidBatches;

/**
 * A write round is committed by two fsyncs: its data, then the recovery point. A round whose data
 * fsync succeeded but whose recovery point's fsync failed is not acknowledged: it is answered "not
 * appended" once the reopened log was cut back below it, and after a power cut it is not there.
 */
class FailedRecoveryPointFsyncTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final PartitionId ID = new PartitionId("rp", 0);
    private static final ActorTestKit KIT = ActorTestKit.create(ConfigFactory.load());
    private static final PartitionSettings SETTINGS = PartitionSettings.fromConfig(ConfigFactory.load())
            .withStorageRetryInterval(Duration.ofMillis(50));

    @TempDir(factory = InMemoryTempDir.class)
    Path root;

    @AfterAll
    static void stopKit() {
        KIT.shutdownTestKit();
    }

    @Test
    void aRoundWhoseRecoveryPointFsyncFailedIsNotAcknowledgedAndIsGoneAfterAPowerCut() throws Exception {
        Path dir = root.resolve(ID.directoryName());
        SimulatedDisk disk = new SimulatedDisk(root);
        ActorRef<PartitionActor.Command> partition = KIT.spawn(PartitionActor.create(ID, dir, SETTINGS, disk,
                PartitionMetrics.NONE));
        assertThat(append(partition, "before")).isInstanceOfSatisfying(Appended.class,
                appended -> assertThat(appended.baseOffset()).isZero());

        disk.failNextForcesOf(path -> path.endsWith("recovery-point"), 1);
        AppendReply caught = append(partition, "caught");
        assertThat(caught).isInstanceOfSatisfying(AppendFailed.class,
                failed -> assertThat(failed.error()).isEqualTo(AppendError.STORAGE_ERROR));

        // The reopened log takes appends again, from where the acknowledged ones end.
        assertThat(append(partition, "after")).isInstanceOfSatisfying(Appended.class,
                appended -> assertThat(appended.baseOffset()).isEqualTo(1));
        disk.cutPower();
        stop(partition);

        SimulatedDisk restarted = disk.restartAfterPowerCut(new Random(7));
        ActorRef<PartitionActor.Command> reopened = KIT.spawn(PartitionActor.create(ID, dir, SETTINGS, restarted,
                PartitionMetrics.NONE));
        assertThat(values(reopened)).containsExactly("before", "after");
        stop(reopened);
    }

    private static AppendReply append(ActorRef<PartitionActor.Command> partition, String value) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(256), Compression.NONE,
                TimestampType.CREATE_TIME, 0L);
        builder.append(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8));
        ValidBatches batches = BatchFormat.validate(builder.build().buffer());
        TestProbe<AppendReply> probe = KIT.createTestProbe();
        partition.tell(new PartitionActor.Append(batches, probe.getRef()));
        return probe.receiveMessage(WAIT);
    }

    private static List<String> values(ActorRef<PartitionActor.Command> partition) {
        TestProbe<PartitionActor.PartitionState> state = KIT.createTestProbe();
        partition.tell(new PartitionActor.GetState(state.getRef()));
        long highWatermark = state.receiveMessage(WAIT).highWatermark();
        TestProbe<PartitionActor.ReadReply> reader = KIT.createTestProbe();
        List<String> values = new ArrayList<>();
        long next = 0;
        while (next < highWatermark) {
            partition.tell(new PartitionActor.Read(next, 1 << 16, Duration.ZERO, reader.getRef()));
            PartitionActor.Records records = (PartitionActor.Records) reader.receiveMessage(WAIT);
            for (LogRecord record : BatchFormat.decode(records.batches(), next)) {
                values.add(new String(record.value(), StandardCharsets.UTF_8));
            }
            next = records.nextOffset();
        }
        return values;
    }

    private static void stop(ActorRef<PartitionActor.Command> partition) {
        TestProbe<Done> stopped = KIT.createTestProbe();
        partition.tell(new PartitionActor.Stop(stopped.getRef()));
        stopped.receiveMessage(WAIT);
    }
}
