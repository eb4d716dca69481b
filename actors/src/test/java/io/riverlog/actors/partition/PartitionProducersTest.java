package io.riverlog.actors.partition;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
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
import io.riverlog.actors.partition.PartitionActor.Availability;
import io.riverlog.actors.partition.PartitionActor.GetProducers;
import io.riverlog.actors.partition.PartitionActor.Producers;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.Storage;
import io.riverlog.wal.ValidBatches;

/**
 * {@link GetProducers}: a partition answers the idempotent producers it remembers (epoch, last
 * sequence, last timestamp), the same after a clean stop and after a crash, and refuses with the
 * reason when it has no producer state.
 */
class PartitionProducersTest {
    private static final PartitionSettings SETTINGS = PartitionSettings.fromConfig(ConfigFactory.load());
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long AT = 1_700_000_000_000L;
    /** What the batches below leave: producer 7 in epoch 1 up to sequence 7, producer 3 in epoch 0 at 0. */
    private static final List<ActiveProducer> EXPECTED = List.of(
            new ActiveProducer(3, (short) 0, 0, AT + 300),
            new ActiveProducer(7, (short) 1, 7, AT + 204));

    private final ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());
    private final PartitionId id = new PartitionId("t", 0);

    @TempDir
    Path dir;

    @AfterEach
    void shutdown() {
        kit.shutdownTestKit();
    }

    @Test
    void theProducersAreEachIdempotentProducersEpochLastSequenceAndLastTimestamp() {
        ActorRef<PartitionActor.Command> partition = spawn(kit, Storage.LOCAL);
        assertThat(producersOf(kit, partition).active()).isEmpty();

        appendTheBatches(kit, partition);

        Producers producers = producersOf(kit, partition);
        assertThat(producers.refused()).isEmpty();
        assertThat(producers.active()).isEqualTo(EXPECTED);
    }

    @Test
    void theProducersAreTheSameAfterACleanStopAndAfterACrash() {
        ActorRef<PartitionActor.Command> partition = spawn(kit, Storage.LOCAL);
        appendTheBatches(kit, partition);
        TestProbe<Done> stopped = kit.createTestProbe();
        partition.tell(new PartitionActor.Stop(stopped.getRef()));
        stopped.receiveMessage(WAIT);
        stopped.expectTerminated(partition, WAIT);

        ActorTestKit crashed = ActorTestKit.create(ConfigFactory.load());
        try {
            ActorRef<PartitionActor.Command> restarted = spawn(crashed, Storage.LOCAL);
            assertThat(producersOf(crashed, restarted).active()).as("restored from the snapshot of the clean stop")
                    .isEqualTo(EXPECTED);
            append(crashed, restarted, idempotent(7, (short) 1, 8, AT + 400, AT + 401));
        } finally {
            // A crash: the log is not closed, so the next start reads the headers after the last snapshot.
            crashed.shutdownTestKit();
        }

        ActorRef<PartitionActor.Command> afterCrash = spawn(kit, Storage.LOCAL);
        assertThat(producersOf(kit, afterCrash).active()).containsExactly(EXPECTED.get(0),
                new ActiveProducer(7, (short) 1, 9, AT + 401));
    }

    @Test
    void aPartitionWithoutItsLogRefusesWithTheReason() {
        Storage diskGone = Storage.local((path, options) -> {
            throw new IOException("disk gone");
        });
        ActorRef<PartitionActor.Command> partition = spawn(kit, diskGone);

        Producers producers = producersOf(kit, partition);

        assertThat(producers.active()).isEmpty();
        assertThat(producers.refused()).hasValueSatisfying(refusal -> {
            assertThat(refusal.availability()).isEqualTo(Availability.NO_LOG);
            assertThat(refusal.message()).contains("disk gone");
        });
    }

    /** Producer 7 in epoch 0, then in epoch 1 twice; producer 3 once; and a batch of no producer. */
    private static void appendTheBatches(ActorTestKit in, ActorRef<PartitionActor.Command> partition) {
        append(in, partition, idempotent(7, (short) 0, 0, AT + 100, AT + 101, AT + 102));
        append(in, partition, idempotent(7, (short) 1, 0, AT + 200, AT + 201, AT + 202));
        append(in, partition, idempotent(7, (short) 1, 3, AT + 204, AT + 203, AT + 200, AT + 201, AT + 202));
        append(in, partition, idempotent(3, (short) 0, 0, AT + 300));
        append(in, partition, BatchFormat.validate(MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(AT + 500, null, "plain".getBytes())).buffer()));
    }

    private ActorRef<PartitionActor.Command> spawn(ActorTestKit in, Storage storage) {
        return in.spawn(PartitionActor.create(id, dir.resolve(id.directoryName()), SETTINGS, storage,
                PartitionMetrics.NONE));
    }

    private static Producers producersOf(ActorTestKit in, ActorRef<PartitionActor.Command> partition) {
        TestProbe<Producers> probe = in.createTestProbe();
        partition.tell(new GetProducers(probe.getRef()));
        return probe.receiveMessage(WAIT);
    }

    private static void append(ActorTestKit in, ActorRef<PartitionActor.Command> partition, ValidBatches batches) {
        TestProbe<AppendReply> probe = in.createTestProbe();
        partition.tell(new PartitionActor.Append(batches, probe.getRef()));
        assertThat(probe.receiveMessage(WAIT)).isInstanceOf(Appended.class);
    }

    /** One batch of an idempotent producer from {@code baseSequence}, a record per timestamp. */
    private static ValidBatches idempotent(long producerId, short epoch, int baseSequence, long... timestampsMs) {
        SimpleRecord[] records = new SimpleRecord[timestampsMs.length];
        for (int i = 0; i < records.length; i++) {
            records[i] = new SimpleRecord(timestampsMs[i], null, ("s" + (baseSequence + i)).getBytes());
        }
        return BatchFormat.validate(MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, epoch,
                baseSequence, records).buffer());
    }
}
