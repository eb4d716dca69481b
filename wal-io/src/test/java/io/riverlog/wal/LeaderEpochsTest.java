package io.riverlog.wal;

import static io.riverlog.wal.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batches carry the leader epoch they were committed in (a cluster's Raft term); epochs never
 * decrease along a log. The log answers where an epoch ends (OffsetsForLeaderEpoch) as a model of
 * the batches says, across segments, and recovery after a crash keeps batches of any epoch.
 */
class LeaderEpochsTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-06T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    /** A batch as the model knows it: its offsets and epoch. */
    private record Stored(long baseOffset, long lastOffset, int epoch) {
    }

    @Test
    void theEndOfEveryEpochIsWhereTheNextLargerOneStarts() throws IOException {
        Random random = new Random(612);
        List<Stored> model = new ArrayList<>();
        try (PartitionLog log = PartitionLog.open(dir, PartitionLogTest.SMALL, CLOCK)) {
            int epoch = 0;
            for (int i = 0; i < 300; i++) {
                if (random.nextInt(20) == 0) {
                    epoch += 1 + random.nextInt(3);
                }
                model.add(append(log, epoch, 1 + random.nextInt(5)));
            }
            assertThat(log.segmentCount()).isGreaterThan(5);
            long end = log.logEndOffset();
            for (int asked = 0; asked <= epoch + 2; asked++) {
                assertThat(log.endOfEpoch(asked, end)).as("end of epoch %d", asked).isEqualTo(expected(model, asked,
                        log.logStartOffset(), end));
            }
            // Below the high watermark only committed batches count.
            long bound = model.get(150).baseOffset();
            for (int asked = 0; asked <= epoch; asked++) {
                assertThat(log.endOfEpoch(asked, bound)).as("end of epoch %d below %d", asked, bound)
                        .isEqualTo(expected(model, asked, 0, bound));
            }
            // Segments deleted from the start take their epochs with them.
            long start = model.get(200).baseOffset();
            log.deleteSegmentsBefore(start);
            for (int asked = 0; asked <= epoch; asked++) {
                assertThat(log.endOfEpoch(asked, end)).as("end of epoch %d after deleting segments", asked)
                        .isEqualTo(expected(model, asked, log.logStartOffset(), end));
            }
        }
    }

    @Test
    void aBatchOfALaterEpochThatWasNotFsyncedSurvivesTheRecoveryOfACrash() throws IOException {
        Path live = dir.resolve("live");
        Path crashed = dir.resolve("crashed");
        try (PartitionLog log = PartitionLog.open(live, PartitionLogTest.SMALL, CLOCK)) {
            append(log, 3, 2);
            log.flush();
            append(log, 7, 2);
            // A crash now: the last batch is in the file but after the recovery point, so recovery checks it.
            RecoveryTest.copyFiles(live, crashed);
        }
        try (PartitionLog log = PartitionLog.open(crashed, PartitionLogTest.SMALL, CLOCK)) {
            assertThat(log.logEndOffset()).isEqualTo(4);
            assertThat(log.endOfEpoch(3, 4)).contains(new PartitionLog.EpochEnd(3, 2));
            assertThat(log.endOfEpoch(7, 4)).contains(new PartitionLog.EpochEnd(7, 4));
        }
    }

    private static Stored append(PartitionLog log, int epoch, int records) throws IOException {
        ValidBatches batches = batch("e" + epoch, records, 20, 1000);
        long base = log.logEndOffset();
        BatchFormat.assignOffsets(batches, base, epoch);
        AppendResult result = log.append(batches, base);
        return new Stored(result.firstOffset(), result.lastOffset(), epoch);
    }

    /** What the model says: the largest epoch at or below {@code asked} and where the next one starts. */
    private static Optional<PartitionLog.EpochEnd> expected(List<Stored> model, int asked, long start, long bound) {
        Stored largest = null;
        long end = bound;
        for (Stored batch : model) {
            if (batch.lastOffset() < start || batch.baseOffset() >= bound) {
                continue;
            }
            if (batch.epoch() <= asked) {
                largest = batch;
            } else {
                end = batch.baseOffset();
                break;
            }
        }
        return largest == null ? Optional.empty() : Optional.of(new PartitionLog.EpochEnd(largest.epoch(), end));
    }
}
