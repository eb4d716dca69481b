package io.riverlog.testkit.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.disk.InMemoryTempDir;
import io.riverlog.testkit.disk.SimulatedDisk;
import io.riverlog.wal.CompactionConfig;
import io.riverlog.wal.LogConfig;
import io.riverlog.wal.PartitionLog;

/**
 * The swap of a compacted segment group for the segments it replaces, with the power cut at each step
 * of it (and, at each step, several ways the disk may keep what was not durable yet): the log that
 * opens afterwards holds either the old segments' records or the compacted ones, never a mix, with
 * every offset where it was and the log end unchanged.
 */
class CompactionPowerCutTest {
    private static final LogConfig CONFIG = new LogConfig(64 * 1024, 256, -1, -1, 0, 4096)
            .withCompaction(CompactionConfig.NONE.withCompacts(true).withMinCleanableDirtyRatio(0));
    private static final int SEGMENTS = 4;
    private static final int BATCHES_PER_SEGMENT = 6;
    private static final int KEYS = 7;
    private static final int CUTS_PER_STEP = 6;

    @TempDir(factory = InMemoryTempDir.class)
    Path tmp;

    @Test
    void aPowerCutAtAnyStepOfTheSwapLeavesTheOldSegmentsOrTheCompactedOnes() throws Exception {
        Map<Long, String> before;
        Map<Long, String> after;
        SimulatedDisk reference = new SimulatedDisk(Files.createDirectory(tmp.resolve("uncut")));
        try (PartitionLog log = PartitionLog.open(reference.root().resolve("topic-0"), CONFIG, Clock.systemUTC(),
                reference)) {
            writeUpdates(log);
            before = CompactedLogs.readAll(log, 0);
            CompactedLogs.compact(log);
            after = CompactedLogs.readAll(log, 0);
        }
        assertThat(after).as("the compacted records").hasSize(KEYS);
        int steps = 0;
        for (int step = 0; ; step++) {
            boolean swapFinished = false;
            for (int cut = 0; cut < CUTS_PER_STEP; cut++) {
                Path root = Files.createDirectory(tmp.resolve("step-" + step + "-cut-" + cut));
                Path dir = root.resolve("topic-0");
                SimulatedDisk disk = new SimulatedDisk(root);
                long end;
                try (PartitionLog log = PartitionLog.open(dir, CONFIG, Clock.systemUTC(), disk)) {
                    writeUpdates(log);
                    end = log.logEndOffset();
                }
                PartitionLog log = PartitionLog.open(dir, CONFIG, Clock.systemUTC(), disk);
                disk.cutPowerAfter(step);
                try {
                    CompactedLogs.compact(log);
                    swapFinished = true;
                } catch (IOException powerLost) {
                    // the swap stopped at this step
                }
                disk = disk.restartAfterPowerCut(new Random(97L * step + cut));

                try (PartitionLog reopened = PartitionLog.open(dir, CONFIG, Clock.systemUTC(), disk)) {
                    assertThat(reopened.logEndOffset()).as("log end after a cut at step %d", step).isEqualTo(end);
                    Map<Long, String> records = CompactedLogs.readAll(reopened, 0);
                    if (!records.equals(after)) {
                        assertThat(records).as("records after a cut at step %d, cut %d", step, cut)
                                .isEqualTo(before);
                    }
                }
            }
            steps++;
            if (swapFinished) {
                break;
            }
        }
        assertThat(steps).as("steps of the compaction").isGreaterThan(5);
    }

    /** Several segments of updates over a few keys, all rolled, so that one group replaces them all. */
    private static void writeUpdates(PartitionLog log) throws IOException {
        int update = 0;
        for (int segment = 0; segment < SEGMENTS; segment++) {
            for (int batch = 0; batch < BATCHES_PER_SEGMENT; batch++) {
                List<Map.Entry<String, String>> records = new ArrayList<>();
                for (int i = 0; i < 3; i++, update++) {
                    records.add(Map.entry("key-" + update % KEYS, "value-" + update));
                }
                log.append(CompactedLogs.batch(1_000L + update, records));
            }
            log.flush();
            log.roll();
        }
    }
}
