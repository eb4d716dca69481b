package io.riverlog.wal;

import static io.riverlog.wal.PartitionLogTest.SMALL;
import static io.riverlog.wal.PartitionLogTest.appendRandomBatches;
import static io.riverlog.wal.PartitionLogTest.readAll;
import static io.riverlog.wal.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.riverlog.wal.TestBatches.StoredRecord;

/**
 * A log that a failed write or fsync took offline is opened again, in the same process, while the
 * failed instance still has its files open: the torn tail and every batch past the acknowledged end
 * are gone, everything before it is there byte for byte, and the log takes appends again.
 */
class ReopenAfterStorageFailureTest {
    private static final Clock CLOCK = Clock.systemUTC();

    @TempDir
    Path dir;

    @ParameterizedTest(name = "unacknowledged batches fill {0} segment(s)")
    @ValueSource(ints = {1, 3})
    void batchesWrittenButNeverFsyncedAreDroppedWhenAnFsyncFailed(int segmentsWritten) throws IOException {
        FaultInjectingChannels channels = new FaultInjectingChannels();
        try (PartitionLog failed = PartitionLog.open(dir, SMALL, CLOCK, channels)) {
            appendRandomBatches(failed, 20, new Random(segmentsWritten));
            long acknowledged = failed.flush();
            List<StoredRecord> durable = readAll(failed);
            int segmentsBefore = failed.segmentCount();
            // Rolls on the way fsync the segments they close: those batches reached the disk, unacknowledged.
            do {
                failed.append(batch("never-acknowledged", 10, 200, 0));
            } while (failed.segmentCount() < segmentsBefore + segmentsWritten - 1);
            failAnFsync(failed, channels);

            try (PartitionLog reopened = reopenedHolding(dir, channels, acknowledged, durable)) {
                assertThat(segmentBases(dir)).allMatch(base -> base <= acknowledged);
                assertThat(reopened.durableEndOffset()).isEqualTo(acknowledged);
                assertThat(reopened.append(batch("after", 2, 10, 0)).firstOffset()).isEqualTo(acknowledged);
                reopened.flush();
            }
        }
        try (PartitionLog restarted = PartitionLog.open(dir, SMALL, CLOCK)) {
            List<StoredRecord> all = readAll(restarted);
            assertThat(all).extracting(StoredRecord::value).noneMatch(v -> v.startsWith("never-acknowledged"));
            assertThat(all.get(all.size() - 1).value()).startsWith("after-1");
        }
    }

    @Test
    void aBatchTornByAFullDiskIsCutAtEveryBytePosition() throws IOException {
        int batchBytes = batch("torn", 5, 60, 0).sizeInBytes();
        for (int written = 0; written < batchBytes; written += 7) {
            Path logDir = dir.resolve("torn-" + written);
            FaultInjectingChannels channels = new FaultInjectingChannels();
            try (PartitionLog failed = PartitionLog.open(logDir, SMALL, CLOCK, channels)) {
                appendRandomBatches(failed, 10, new Random(written));
                long acknowledged = failed.flush();
                List<StoredRecord> durable = readAll(failed);
                long bytesBefore = segmentBytes(logDir);
                channels.fillAfter(written);
                assertThatThrownBy(() -> failed.append(batch("torn", 5, 60, 0)))
                        .isInstanceOf(LogOfflineException.class);
                assertThat(segmentBytes(logDir)).as("the torn part on disk").isEqualTo(bytesBefore + written);
                channels.heal();

                reopenedHolding(logDir, channels, acknowledged, durable).close();
            }
        }
    }

    private static void failAnFsync(PartitionLog log, FaultInjectingChannels channels) {
        channels.failFsyncs();
        assertThatThrownBy(log::flush).isInstanceOf(LogOfflineException.class);
        channels.heal();
    }

    /** Reopens the failed log and checks that it holds exactly the acknowledged records. */
    private static PartitionLog reopenedHolding(Path logDir, Storage channels, long acknowledged,
                                                List<StoredRecord> durable) throws IOException {
        PartitionLog reopened = PartitionLog.openAfterStorageFailure(logDir, SMALL, CLOCK, channels, acknowledged);
        assertThat(reopened.logEndOffset()).isEqualTo(acknowledged);
        assertThat(readAll(reopened)).isEqualTo(durable);
        return reopened;
    }

    private static List<Long> segmentBases(Path logDir) throws IOException {
        try (var files = Files.list(logDir)) {
            return files.map(f -> LogFiles.baseOffsetOf(f.getFileName().toString(), LogFiles.LOG_SUFFIX))
                    .filter(base -> base >= 0).toList();
        }
    }

    private static long segmentBytes(Path logDir) throws IOException {
        try (var files = Files.list(logDir)) {
            long total = 0;
            for (Path file : files.filter(f -> f.toString().endsWith(LogFiles.LOG_SUFFIX)).toList()) {
                total += Files.size(file);
            }
            return total;
        }
    }

    @Test
    void aLogThatEndsBeforeTheAcknowledgedEndIsReportedAsCorrupt() throws IOException {
        long end;
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            end = appendRandomBatches(log, 5, new Random(4));
            log.flush();
        }
        assertThatThrownBy(() -> PartitionLog.openAfterStorageFailure(dir, SMALL, CLOCK, Storage.LOCAL, end + 1))
                .isInstanceOf(CorruptLogException.class)
                .hasMessageContaining("were acknowledged")
                .hasMessageContaining(dir.toString());
    }
}
