package io.riverlog.actors.partition;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.partition.PartitionActor.AppendError;
import io.riverlog.actors.partition.PartitionActor.AppendFailed;
import io.riverlog.actors.partition.PartitionActor.AppendReply;
import io.riverlog.actors.partition.PartitionActor.Appended;
import io.riverlog.actors.partition.PartitionActor.Availability;
import io.riverlog.actors.partition.PartitionActor.PartitionState;
import io.riverlog.actors.partition.PartitionActor.ReadReply;
import io.riverlog.actors.partition.PartitionActor.Records;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.FaultInjectingChannels;
import io.riverlog.wal.LogFiles;
import io.riverlog.wal.Storage;
import io.riverlog.wal.ValidBatches;

/**
 * A failure answer means "not appended". An append whose write reached the file but whose fsync
 * failed is in the page cache, and a crash would bring it back: it is answered with a storage error
 * only once the reopened log was cut back below it; if the disk still fails at that reopen, or the
 * partition stops first, it is answered that its outcome is unknown. Time is manual: the reopen
 * happens when the test lets the retry interval pass.
 */
class AppendsCaughtByAStorageFailureTest {
    private static final Duration RETRY = Duration.ofSeconds(5);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final PartitionSettings SETTINGS =
            PartitionSettings.fromConfig(ConfigFactory.load()).withStorageRetryInterval(RETRY);
    private static final String FIRST_SEGMENT = LogFiles.fileName(0, LogFiles.LOG_SUFFIX);

    private final ActorTestKit kit = ActorTestKit.create(ManualTime.config().withFallback(ConfigFactory.load()));
    private final ManualTime time = ManualTime.get(kit.system());
    private final PartitionId id = new PartitionId("t", 0);
    private final FaultInjectingChannels disk = new FaultInjectingChannels();

    @TempDir
    Path dir;

    @AfterEach
    void shutdown() {
        kit.shutdownTestKit();
    }

    @Test
    void anAppendCaughtByAFailedFsyncIsAnsweredStorageErrorOnlyOnceTheLogIsCutBackWithoutIt() throws Exception {
        ActorRef<PartitionActor.Command> partition = spawn(disk);
        Caught caught = appendCaughtByAFailedFsync(partition);
        long committedBytes = caught.committedBytes();
        assertThat(Files.size(segment())).as("the write reached the file before its fsync failed")
                .isGreaterThan(committedBytes);
        caught.answer().expectNoMessage(Duration.ofMillis(200));

        disk.heal();
        time.timePasses(RETRY);
        assertThat(caught.answer().receiveMessage(WAIT)).isInstanceOfSatisfying(AppendFailed.class, failed -> {
            assertThat(failed.error()).isEqualTo(AppendError.STORAGE_ERROR);
            assertThat(failed.message()).contains("not appended").contains("Input/output error");
        });
        assertThat(Files.size(segment())).as("cut back before the answer").isEqualTo(committedBytes);

        assertThat(append(partition, batch(1))).isEqualTo(new Appended(3, 3, 0, -1));
        stop(partition);
        assertThat(recordsAfterRestart()).isEqualTo(4);
    }

    @Test
    void withTheDiskStillFailingAtTheFirstReopenTheCaughtAppendIsAnsweredThatItsOutcomeIsUnknown() throws Exception {
        ActorRef<PartitionActor.Command> partition = spawn(disk);
        TestProbe<AppendReply> caught = appendCaughtByAFailedFsync(partition).answer();
        TestProbe<AppendReply> whileOffline = kit.createTestProbe();
        partition.tell(new PartitionActor.Append(batch(1), whileOffline.getRef()));
        assertThat(whileOffline.receiveMessage(WAIT)).as("never written: not appended, at once")
                .isInstanceOfSatisfying(AppendFailed.class,
                        failed -> assertThat(failed.error()).isEqualTo(AppendError.STORAGE_ERROR));
        caught.expectNoMessage(Duration.ofMillis(200));

        time.timePasses(RETRY);
        assertThat(caught.receiveMessage(WAIT)).isInstanceOfSatisfying(AppendFailed.class, failed -> {
            assertThat(failed.error()).isEqualTo(AppendError.OUTCOME_UNKNOWN);
            assertThat(failed.message()).contains("may or may not be appended");
        });

        disk.heal();
        time.timePasses(RETRY);
        awaitOnline(partition);
        assertThat(append(partition, batch(1))).as("the later reopen cut the caught batch away")
                .isEqualTo(new Appended(3, 3, 0, -1));
    }

    @Test
    void aPartitionStoppedBeforeItsLogIsCutBackAnswersTheCaughtAppendThatItsOutcomeIsUnknown() throws Exception {
        ActorRef<PartitionActor.Command> partition = spawn(disk);
        TestProbe<AppendReply> caught = appendCaughtByAFailedFsync(partition).answer();
        stop(partition);
        assertThat(caught.receiveMessage(WAIT)).isInstanceOfSatisfying(AppendFailed.class,
                failed -> assertThat(failed.error()).isEqualTo(AppendError.OUTCOME_UNKNOWN));

        // Why "unknown" is the true answer: the batch reached the file, and the next start keeps it.
        disk.heal();
        assertThat(recordsAfterRestart()).isEqualTo(5);
    }

    /** Where the answer to the append caught in the failure comes, and the segment's size before it. */
    private record Caught(TestProbe<AppendReply> answer, long committedBytes) {
    }

    /** Commits three records, then appends two whose fsync fails; returns once the partition is offline. */
    private Caught appendCaughtByAFailedFsync(ActorRef<PartitionActor.Command> partition) throws IOException {
        assertThat(append(partition, batch(3))).isEqualTo(new Appended(0, 2, 0, -1));
        long committedBytes = Files.size(segment());
        disk.failFsyncs();
        TestProbe<AppendReply> answer = kit.createTestProbe();
        partition.tell(new PartitionActor.Append(batch(2), answer.getRef()));
        awaitOffline(partition);
        return new Caught(answer, committedBytes);
    }

    private ActorRef<PartitionActor.Command> spawn(Storage storage) {
        return kit.spawn(PartitionActor.create(id, dir.resolve(id.directoryName()), SETTINGS, storage,
                PartitionMetrics.NONE));
    }

    private Path segment() {
        return dir.resolve(id.directoryName()).resolve(FIRST_SEGMENT);
    }

    private void awaitOffline(ActorRef<PartitionActor.Command> partition) {
        awaitAvailability(partition, Availability.OFFLINE);
    }

    private void awaitOnline(ActorRef<PartitionActor.Command> partition) {
        awaitAvailability(partition, Availability.ONLINE);
    }

    private void awaitAvailability(ActorRef<PartitionActor.Command> partition, Availability wanted) {
        TestProbe<PartitionState> state = kit.createTestProbe();
        state.awaitAssert(WAIT, () -> {
            partition.tell(new PartitionActor.GetState(state.getRef()));
            assertThat(state.receiveMessage(WAIT).availability()).isEqualTo(wanted);
            return null;
        });
    }

    private Appended append(ActorRef<PartitionActor.Command> partition, ValidBatches batches) {
        TestProbe<AppendReply> probe = kit.createTestProbe();
        partition.tell(new PartitionActor.Append(batches, probe.getRef()));
        return (Appended) probe.receiveMessage(WAIT);
    }

    private void stop(ActorRef<PartitionActor.Command> partition) {
        TestProbe<Done> stopped = kit.createTestProbe();
        partition.tell(new PartitionActor.Stop(stopped.getRef()));
        stopped.receiveMessage(WAIT);
        stopped.expectTerminated(partition, WAIT);
    }

    /** Starts the partition again on a healthy disk and counts the records it reads back. */
    private int recordsAfterRestart() {
        ActorRef<PartitionActor.Command> restarted = spawn(Storage.LOCAL);
        TestProbe<ReadReply> reader = kit.createTestProbe();
        List<Long> offsets = new ArrayList<>();
        long next = 0;
        while (true) {
            restarted.tell(new PartitionActor.Read(next, 1 << 20, Duration.ZERO, reader.getRef()));
            Records records = (Records) reader.receiveMessage(WAIT);
            if (records.isEmpty()) {
                assertThat(next).isEqualTo(records.highWatermark());
                break;
            }
            BatchFormat.decode(records.batches(), next).forEach(record -> offsets.add(record.offset()));
            next = records.nextOffset();
        }
        stop(restarted);
        for (int i = 0; i < offsets.size(); i++) {
            assertThat(offsets.get(i)).isEqualTo(i);
        }
        return offsets.size();
    }

    private static ValidBatches batch(int count) {
        ByteBuffer buffer = ByteBuffer.allocate(1024);
        MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, Compression.NONE, TimestampType.CREATE_TIME, 0L);
        for (int i = 0; i < count; i++) {
            builder.append(i, null, ("v" + i).getBytes());
        }
        return BatchFormat.validate(builder.build().buffer());
    }
}
