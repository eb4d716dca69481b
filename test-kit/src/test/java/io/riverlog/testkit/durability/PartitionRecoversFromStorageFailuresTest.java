package io.riverlog.testkit.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;

import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionActor.AppendError;
import io.riverlog.actors.partition.PartitionActor.AppendFailed;
import io.riverlog.actors.partition.PartitionActor.AppendReply;
import io.riverlog.actors.partition.PartitionActor.ReadReply;
import io.riverlog.actors.partition.PartitionActor.Records;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.testkit.Await;
import io.riverlog.testkit.Batches;
import io.riverlog.testkit.PartitionClient;
import io.riverlog.testkit.PartitionFixture;
import io.riverlog.wal.FaultInjectingChannels;
import io.riverlog.wal.LogFiles;

/**
 * A write or an fsync that fails (injected: a full disk, an I/O error, a disk that fills up in the
 * middle of a batch) takes the partition offline: appends fail with a storage error, nothing is
 * acknowledged that is not durable, committed data stays readable. The append caught in the failed
 * write is answered once the partition tried to cut its log back: a storage error (not appended) if
 * that worked, "outcome unknown" if the disk still failed. The partition retries on its own
 * and is back online once the storage works again, with exactly the committed records, and a reader
 * that waited at the tail through it all sees the next committed records, never the lost ones.
 */
class PartitionRecoversFromStorageFailuresTest {
    private static final PartitionSettings RETRYING_SOON =
            PartitionFixture.DEFAULTS.withStorageRetryInterval(Duration.ofMillis(50));
    private static final Duration BACK_ONLINE = Duration.ofSeconds(20);

    @TempDir
    Path dataDir;

    @ParameterizedTest(name = "failing {0}")
    @ValueSource(strings = {"fsync", "write", "mid-batch write"})
    void aPartitionIsOfflineWhileItsStorageFailsAndOnlineWithEveryCommittedRecordOnceItWorks(String failing) {
        FaultInjectingChannels channels = new FaultInjectingChannels();
        try (PartitionFixture fixture = new PartitionFixture(dataDir, RETRYING_SOON, channels, PartitionMetrics.NONE)) {
            PartitionClient partition = fixture.partition("faulty", 0);
            for (int i = 0; i < 10; i++) {
                partition.append(Batches.of("ok", i * 10L, 10, 100));
            }
            CompletionStage<ReadReply> waitingAtTheTail = AskPattern.ask(partition.ref(),
                    replyTo -> new PartitionActor.Read(100, 1024 * 1024, Duration.ofSeconds(60), replyTo),
                    Duration.ofSeconds(90), fixture.kit.scheduler());
            switch (failing) {
                case "fsync" -> channels.failFsyncs();
                case "write" -> channels.failWrites();
                default -> channels.fillAfter(500);
            }
            // A failing fsync fails the reopen too, so the batch written before it may or may not be in the log.
            assertFailed(partition.tryAppend(Batches.of("lost", 0, 10, 100)),
                    failing.equals("fsync") ? AppendError.OUTCOME_UNKNOWN : AppendError.STORAGE_ERROR);
            assertStorageError(partition.tryAppend(Batches.of("lost", 10, 10, 100)));

            assertThat(partition.state().highWatermark()).isEqualTo(100);
            assertThat(Batches.labels(partition.readAll(0, 1024))).hasSize(100)
                    .allMatch(label -> label.startsWith("ok:"));
            assertThat(waitingAtTheTail.toCompletableFuture()).isNotDone();

            channels.heal();
            PartitionActor.Appended after = appendOnceOnline(partition, Batches.of("after", 0, 5, 100));
            assertThat(after.baseOffset()).isEqualTo(100);
            Records woken = (Records) Await.resultOf(waitingAtTheTail, Duration.ofSeconds(90));
            assertThat(Batches.labels(Batches.records(woken.batches(), 100))).first().isEqualTo("after:0");
            assertThat(partition.state().offline()).isFalse();
        }
        try (PartitionFixture restarted = new PartitionFixture(dataDir, PartitionFixture.DEFAULTS)) {
            List<String> labels = Batches.labels(restarted.partition("faulty", 0).readAll(0, 1024));
            assertThat(labels).hasSize(105);
            for (int i = 0; i < 100; i++) {
                assertThat(labels.get(i)).isEqualTo("ok:" + i);
            }
            assertThat(labels.subList(100, 105)).containsExactly("after:0", "after:1", "after:2", "after:3", "after:4");
        }
    }

    @Test
    void aLogThatCannotBeOpenedAtStartIsTriedAgainUntilTheStorageWorks() {
        try (PartitionFixture crashed = new PartitionFixture(dataDir, PartitionFixture.DEFAULTS)) {
            PartitionClient partition = crashed.partition("late", 0);
            for (int i = 0; i < 10; i++) {
                partition.append(Batches.of("ok", i * 10L, 10, 100));
            }
        }
        FaultInjectingChannels channels = new FaultInjectingChannels();
        // Recovery after the crash fsyncs what it keeps: with failing fsyncs the log cannot be opened.
        channels.failFsyncs();
        try (PartitionFixture fixture = new PartitionFixture(dataDir, RETRYING_SOON, channels, PartitionMetrics.NONE)) {
            PartitionClient partition = fixture.partition("late", 0);
            assertStorageError(partition.tryAppend(Batches.of("refused", 0, 1, 100)));
            channels.heal();
            assertThat(appendOnceOnline(partition, Batches.of("after", 0, 1, 100)).baseOffset()).isEqualTo(100);
            List<String> labels = Batches.labels(partition.readAll(0, 1024));
            assertThat(labels).hasSize(101).endsWith("after:0");
            assertThat(labels.subList(0, 100)).allMatch(label -> label.startsWith("ok:"));
        }
    }

    @Test
    void aLogThatLostCommittedRecordsWhileOfflineKeepsThePartitionOfflineForGood() throws IOException {
        FaultInjectingChannels channels = new FaultInjectingChannels();
        try (PartitionFixture fixture = new PartitionFixture(dataDir, RETRYING_SOON, channels, PartitionMetrics.NONE)) {
            PartitionClient partition = fixture.partition("shrunk", 0);
            for (int i = 0; i < 10; i++) {
                partition.append(Batches.of("ok", i * 10L, 10, 100));
            }
            channels.failFsyncs();
            assertFailed(partition.tryAppend(Batches.of("lost", 0, 10, 100)), AppendError.OUTCOME_UNKNOWN);
            // While it is offline, something outside the broker cuts committed records off the segment.
            Path segment = onlySegment(dataDir.resolve("shrunk-0"));
            try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
                file.setLength(file.length() / 2);
            }
            channels.heal();

            Await.until("the partition gives up on its log", BACK_ONLINE, () ->
                    partition.tryAppend(Batches.of("refused", 0, 1, 10)) instanceof AppendFailed failed
                            && failed.message().contains("offline for good")
                            && failed.message().contains(segment.toString()));
            assertThat(partition.state().offline()).isTrue();
            assertThat(partition.state().highWatermark()).isEqualTo(100);
        }
    }

    private static void assertStorageError(AppendReply reply) {
        assertFailed(reply, AppendError.STORAGE_ERROR);
    }

    private static void assertFailed(AppendReply reply, AppendError error) {
        assertThat(reply).isInstanceOfSatisfying(AppendFailed.class,
                failed -> assertThat(failed.error()).isEqualTo(error));
    }

    /** Appends as a producer that retries storage errors would, until the partition takes it. */
    private static PartitionActor.Appended appendOnceOnline(PartitionClient partition,
                                                           io.riverlog.wal.ValidBatches batches) {
        PartitionActor.Appended[] appended = new PartitionActor.Appended[1];
        Await.until("the partition takes appends again", BACK_ONLINE, () -> {
            AppendReply reply = partition.tryAppend(batches);
            if (reply instanceof PartitionActor.Appended ok) {
                appended[0] = ok;
                return true;
            }
            assertStorageError(reply);
            return false;
        });
        return appended[0];
    }

    private static Path onlySegment(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(LogFiles.LOG_SUFFIX)).findFirst().orElseThrow();
        }
    }
}
