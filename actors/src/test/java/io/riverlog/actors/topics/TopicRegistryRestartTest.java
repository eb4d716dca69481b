package io.riverlog.actors.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogFiles;

/** What survives a restart: each run is its own actor system on the same data directory, as a broker process. */
class TopicRegistryRestartTest {
    @TempDir
    Path dataDir;
    private RegistryRun run;

    @AfterEach
    void stop() {
        if (run != null) {
            run.shutdown();
        }
    }

    @Test
    void topicsIdsPartitionCountsConfigsAndRecordsSurviveARestart() {
        run = RegistryRun.startSystem(dataDir);
        TopicInfo orders = run.create("orders", 3, Map.of("retention.ms", "3600000"));
        TopicInfo audit = run.create("audit.log_v2", 1);
        run.append("orders", 0, "o0-a", "o0-b");
        run.append("orders", 0, "o0-c");
        run.append("orders", 2, "o2-a");
        run.append("audit.log_v2", 0, "a-a");
        run.shutdown();

        run = RegistryRun.startSystem(dataDir);

        assertThat(run.list()).containsExactly(audit, orders);
        assertThat(run.values("orders", 0)).containsExactly("o0-a", "o0-b", "o0-c");
        assertThat(run.values("orders", 1)).isEmpty();
        assertThat(run.values("orders", 2)).containsExactly("o2-a");
        assertThat(run.values("audit.log_v2", 0)).containsExactly("a-a");
        assertThat(run.partition("orders", 3)).isEmpty();
        assertThat(run.append("orders", 0, "o0-d").baseOffset()).isEqualTo(3);
    }

    @Test
    void deletedTopicStaysDeletedAndItsRecreationStaysEmptyAfterARestart() {
        run = RegistryRun.startSystem(dataDir);
        TopicInfo first = run.create("orders", 2);
        run.append("orders", 1, "old");
        run.delete("orders");
        run.create("gone", 1);
        run.delete("gone");
        TopicInfo second = run.create("orders", 1);
        run.shutdown();

        run = RegistryRun.startSystem(dataDir);

        assertThat(run.list()).containsExactly(second);
        assertThat(second.topicId()).isNotEqualTo(first.topicId());
        assertThat(run.values("orders", 0)).isEmpty();
        assertThat(run.partition("orders", 1)).isEmpty();
        assertThat(dataDir.resolve("topics/orders-1")).doesNotExist();
    }

    @Test
    void directoriesOfNoKnownPartitionAreRemovedAtStart() throws IOException {
        run = RegistryRun.startSystem(dataDir);
        run.create("kept", 1);
        run.append("kept", 0, "stays");
        run.shutdown();
        // As a crash in the middle of a delete leaves them: a partition of no topic, and one past a topic's count.
        Path unknown = Files.createDirectories(dataDir.resolve("topics/deleted-0"));
        Files.write(unknown.resolve(LogFiles.fileName(0, LogFiles.LOG_SUFFIX)), new byte[] {1, 2, 3});
        Path pastCount = Files.createDirectories(dataDir.resolve("topics/kept-1"));
        Path notAPartition = Files.createDirectories(dataDir.resolve("topics/lost+found"));

        run = RegistryRun.startSystem(dataDir);

        assertThat(run.list()).extracting(TopicInfo::name).containsExactly("kept");
        assertThat(unknown).doesNotExist();
        assertThat(pastCount).doesNotExist();
        assertThat(notAPartition).isDirectory();
        assertThat(run.values("kept", 0)).containsExactly("stays");
    }

    @Test
    void addedPartitionsAndAlteredConfigsSurviveARestart() {
        run = RegistryRun.startSystem(dataDir);
        run.create("orders", 1, Map.of("retention.ms", "1000", "retention.bytes", "2048"));
        run.createPartitions("orders", 4);
        run.append("orders", 3, "in-new-partition");
        TopicInfo altered = ((TopicRegistry.Changed) run.alterConfigs("orders",
                Map.of("retention.ms", Optional.of("5000"), "retention.bytes", Optional.empty()))).topic();
        run.shutdown();

        run = RegistryRun.startSystem(dataDir);

        assertThat(run.describe("orders")).contains(altered);
        assertThat(altered.partitions()).isEqualTo(4);
        assertThat(altered.configs()).containsExactly(Map.entry("retention.ms", "5000"));
        assertThat(run.values("orders", 3)).containsExactly("in-new-partition");
    }

    @Test
    void segmentBytesAlteredOnATopicRollsItsRunningSegmentsAtOnceAndAfterARestart() throws IOException {
        run = RegistryRun.startSystem(dataDir);
        run.create("orders", 1);
        run.append("orders", 0, "before-the-change");
        assertThat(segmentFiles("orders-0")).hasSize(1);
        // Two batch headers: no two of these one-record batches fit in one segment.
        int smallSegmentBytes = BatchFormat.HEADER_BYTES * 2;
        run.alterConfigs("orders", Map.of("segment.bytes", Optional.of(Integer.toString(smallSegmentBytes))));
        for (int i = 0; i < 3; i++) {
            run.append("orders", 0, "after-the-change-" + i);
        }
        assertThat(segmentFiles("orders-0")).hasSize(4);
        run.shutdown();

        run = RegistryRun.startSystem(dataDir);
        for (int i = 0; i < 3; i++) {
            run.append("orders", 0, "after-restart-" + i);
        }

        assertThat(segmentFiles("orders-0")).hasSize(7);
        assertThat(run.values("orders", 0)).hasSize(7).startsWith("before-the-change").endsWith("after-restart-2");
    }

    @Test
    void producerIdBlocksGoOnAfterEveryReservedBlockAcrossRestartsAndCrashesWhateverTheClockSays() {
        Instant now = Instant.parse("2031-05-01T12:00:00Z");
        run = RegistryRun.startSystem(dataDir, Clock.fixed(now, ZoneOffset.UTC));
        TopicRegistry.ProducerIdBlock first = run.reserveProducerIdBlock();
        TopicInfo orders = run.create("orders", 1);
        TopicRegistry.ProducerIdBlock second = run.reserveProducerIdBlock();
        run.shutdown();

        // The clock was stepped back a year, then a day more: ids must not depend on it.
        run = RegistryRun.startSystem(dataDir, Clock.fixed(now.minus(Duration.ofDays(365)), ZoneOffset.UTC));
        TopicRegistry.ProducerIdBlock afterRestart = run.reserveProducerIdBlock();
        run.crash();
        run = RegistryRun.startSystem(dataDir, Clock.fixed(now.minus(Duration.ofDays(366)), ZoneOffset.UTC));
        TopicRegistry.ProducerIdBlock afterCrash = run.reserveProducerIdBlock();

        int blockSize = run.settings.producerIdBlockSize();
        assertThat(List.of(first, second, afterRestart, afterCrash))
                .allSatisfy(block -> assertThat(block.endId() - block.firstId()).isEqualTo(blockSize));
        assertThat(first.firstId()).isZero();
        assertThat(second.firstId()).isEqualTo(first.endId());
        assertThat(afterRestart.firstId()).isEqualTo(second.endId());
        assertThat(afterCrash.firstId()).isEqualTo(afterRestart.endId());
        assertThat(run.list()).containsExactly(orders);
    }

    @Test
    void registryRefusesToStartWhenPartitionDataExistsWithoutMetadata() throws IOException {
        Path orphaned = Files.createDirectories(dataDir.resolve("topics/orders-0"));
        ActorTestKit kit = ActorTestKit.create(RegistryRun.config(dataDir));
        try {
            RegistryRun failed = RegistryRun.start(kit, dataDir);
            TestProbe<TopicRegistry.Topics> probe = kit.createTestProbe();
            failed.registry.tell(new TopicRegistry.ListTopics(probe.getRef()));
            probe.expectTerminated(failed.registry);
            assertThat(orphaned).isDirectory();
        } finally {
            kit.shutdownTestKit();
        }
    }

    private List<Path> segmentFiles(String partitionDir) throws IOException {
        try (Stream<Path> files = Files.list(dataDir.resolve("topics").resolve(partitionDir))) {
            return files.filter(file -> file.getFileName().toString().endsWith(LogFiles.LOG_SUFFIX)).toList();
        }
    }
}
