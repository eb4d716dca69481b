package io.riverlog.testkit.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.disk.InMemoryTempDir;
import io.riverlog.testkit.disk.SimulatedDisk;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogConfig;
import io.riverlog.wal.LogRecord;
import io.riverlog.wal.LogSlice;
import io.riverlog.wal.PartitionLog;

/**
 * The cut-back after a storage failure (a reopen keeping exactly the acknowledged offsets) when the
 * unacknowledged tail spans later segments: it deletes them and cuts the segment holding the
 * acknowledged end. A power cut at each step of it, whatever the disk kept of what was not yet
 * durable, leaves a log that opens with every acknowledged record. A deleted segment that came back
 * after a segment cut short would leave a gap that the next opening takes for lost data.
 */
class CutBackPowerCutTest {
    private static final LogConfig SMALL_SEGMENTS = new LogConfig(1024, 128, -1, -1, 0, 4096);
    private static final int BATCHES = 40;
    /** Offsets acknowledged before the storage failed; the rest were written but never acknowledged. */
    private static final long ACKNOWLEDGED_END = 12;
    private static final int CUTS_PER_STEP = 8;

    @TempDir(factory = InMemoryTempDir.class)
    Path tmp;

    @Test
    void aPowerCutAtAnyStepOfTheCutBackLeavesEveryAcknowledgedRecord() throws Exception {
        int steps = 0;
        for (int step = 0; ; step++) {
            boolean cutBackFinished = false;
            for (int cut = 0; cut < CUTS_PER_STEP; cut++) {
                Path root = Files.createDirectory(tmp.resolve("step-" + step + "-cut-" + cut));
                Path dir = root.resolve("cut-0");
                SimulatedDisk disk = new SimulatedDisk(root);
                PartitionLog written = PartitionLog.open(dir, SMALL_SEGMENTS, Clock.systemUTC(), disk);
                for (int i = 0; i < BATCHES; i++) {
                    written.append(batch(i));
                }
                written.flush();
                assertThat(written.segmentCount()).as("the tail spans several segments").isGreaterThan(2);

                disk.cutPowerAfter(step);
                try {
                    PartitionLog.openAfterStorageFailure(dir, SMALL_SEGMENTS, Clock.systemUTC(), disk,
                            ACKNOWLEDGED_END);
                    cutBackFinished = true;
                } catch (IOException powerLost) {
                    // the cut-back stopped at this step
                }
                disk = disk.restartAfterPowerCut(new Random(31L * step + cut));

                try (PartitionLog reopened = PartitionLog.open(dir, SMALL_SEGMENTS, Clock.systemUTC(), disk)) {
                    assertThat(reopened.logEndOffset()).as("log end after a cut at step %d", step)
                            .isGreaterThanOrEqualTo(ACKNOWLEDGED_END);
                    assertThat(values(reopened, ACKNOWLEDGED_END)).as("records after a cut at step %d", step)
                            .containsExactlyElementsOf(expectedValues(ACKNOWLEDGED_END));
                }
            }
            steps++;
            if (cutBackFinished) {
                break;
            }
        }
        assertThat(steps).as("steps of the cut-back").isGreaterThan(3);
    }

    private static io.riverlog.wal.ValidBatches batch(int i) {
        return BatchFormat.batchOf(List.of(new BatchFormat.NewRecord(1_000L + i, null,
                ("record-" + i + "-" + "x".repeat(100)).getBytes(StandardCharsets.UTF_8), List.of())));
    }

    private static List<String> expectedValues(long end) {
        return java.util.stream.LongStream.range(0, end)
                .mapToObj(i -> "record-" + i + "-" + "x".repeat(100)).toList();
    }

    /** The values of offsets 0 to {@code end} - 1, read segment by segment. */
    private static List<String> values(PartitionLog log, long end) throws IOException {
        List<String> out = new java.util.ArrayList<>();
        long offset = 0;
        while (offset < end) {
            LogSlice slice = log.read(offset, Integer.MAX_VALUE, end);
            if (slice.isEmpty()) {
                break;
            }
            for (LogRecord record : BatchFormat.decode(slice.readFully(), offset)) {
                if (record.offset() < end) {
                    out.add(new String(record.value(), StandardCharsets.UTF_8));
                }
            }
            offset = slice.nextOffset();
        }
        return out;
    }
}
