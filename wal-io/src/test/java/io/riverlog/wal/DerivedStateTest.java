package io.riverlog.wal;

import static io.riverlog.wal.RecoveryTest.copyFiles;
import static io.riverlog.wal.RecoveryTest.flipBit;
import static io.riverlog.wal.RecoveryTest.truncate;
import static io.riverlog.wal.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log's derived state and its snapshots: kept with every append, snapshotted at each roll and at a
 * clean close, restored from the newest usable snapshot and the batch headers after it. The state
 * here is every batch header the log ever applied, so any header lost, applied twice or out of
 * order shows.
 */
class DerivedStateTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T00:00:00Z"), ZoneOffset.UTC);
    /** Segments of 8 KiB: the batches below roll them every 20 or so. */
    private static final LogConfig SMALL = PartitionLogTest.SMALL;
    private static final int BATCHES = 150;

    @TempDir
    Path tmp;

    /** Every batch header applied, in order; and how many were applied since it was made. */
    static final class Headers implements DerivedState {
        final List<BatchSummary> applied = new ArrayList<>();
        int appliedSinceMade;

        @Override
        public void apply(BatchSummary batch) {
            applied.add(batch);
            appliedSinceMade++;
        }

        @Override
        public ByteBuffer snapshot() {
            ByteBuffer out = ByteBuffer.allocate(Integer.BYTES + applied.size() * (4 * Long.BYTES + Short.BYTES
                    + Integer.BYTES));
            out.putInt(applied.size());
            for (BatchSummary batch : applied) {
                out.putLong(batch.baseOffset()).putLong(batch.lastOffset()).putLong(batch.producerId())
                        .putShort(batch.producerEpoch()).putInt(batch.baseSequence()).putLong(batch.maxTimestamp());
            }
            return out.flip();
        }
    }

    static final DerivedState.Codec<Headers> CODEC = new DerivedState.Codec<>() {
        @Override
        public Headers empty() {
            return new Headers();
        }

        @Override
        public Headers restore(ByteBuffer snapshot) {
            ByteBuffer in = snapshot.duplicate();
            Headers headers = new Headers();
            if (in.remaining() < Integer.BYTES) {
                throw new IllegalArgumentException("not a list of headers");
            }
            int count = in.getInt();
            if (count < 0 || in.remaining() != count * (4 * Long.BYTES + Short.BYTES + Integer.BYTES)) {
                throw new IllegalArgumentException("not a list of headers");
            }
            for (int i = 0; i < count; i++) {
                headers.applied.add(new BatchSummary(in.getLong(), in.getLong(), in.getLong(), in.getShort(),
                        in.getInt(), in.getLong()));
            }
            return headers;
        }
    };

    @Test
    void theStateAfterRollsAndACleanCloseIsThatOfEveryBatchAndTheNextOpenReadsNoHeader() throws IOException {
        Path dir = tmp.resolve("log");
        List<BatchSummary> expected;
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            Headers kept = log.restoreState(CODEC);
            expected = appendMixed(log, BATCHES, new Random(7));
            assertThat(kept.applied).isEqualTo(expected);
            assertThat(log.segmentCount()).isGreaterThan(3);
        }

        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            Headers restored = log.restoreState(CODEC);
            assertThat(restored.applied).isEqualTo(expected);
            assertThat(restored.appliedSinceMade).as("headers read at open").isZero();
            List<Long> withSnapshots = new ArrayList<>(segmentBases(dir));
            withSnapshots.remove(0L);
            withSnapshots.add(log.logEndOffset());
            assertThat(snapshotOffsets(dir)).containsExactlyElementsOf(withSnapshots);
        }
    }

    @Test
    void eachRollSnapshotsTheStateAsOfTheNewSegmentsBaseOffset() throws IOException {
        Path dir = tmp.resolve("log");
        List<BatchSummary> expected;
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            log.restoreState(CODEC);
            expected = appendMixed(log, BATCHES, new Random(11));
            for (long base : segmentBases(dir).subList(1, log.segmentCount())) {
                byte[] file = Files.readAllBytes(dir.resolve(LogFiles.fileName(base, LogFiles.SNAPSHOT_SUFFIX)));
                Headers atBase = CODEC.restore(StateSnapshots.decode(file, base));
                assertThat(atBase.applied).as("snapshot at %d", base)
                        .isEqualTo(expected.stream().filter(batch -> batch.lastOffset() < base).toList());
            }
        }
    }

    @Test
    void afterACrashOnlyTheBatchesAfterTheNewestSnapshotAreReadAndThenSnapshotted() throws IOException {
        Path live = tmp.resolve("live");
        Path crashed = tmp.resolve("crashed");
        List<BatchSummary> expected;
        long lastBase;
        try (PartitionLog log = PartitionLog.open(live, SMALL, CLOCK)) {
            log.restoreState(CODEC);
            expected = appendMixed(log, BATCHES, new Random(13));
            log.flush();
            List<Long> bases = segmentBases(live);
            lastBase = bases.get(bases.size() - 1);
            copyFiles(live, crashed);
        }

        long end;
        try (PartitionLog log = PartitionLog.open(crashed, SMALL, CLOCK)) {
            Headers restored = log.restoreState(CODEC);
            end = log.logEndOffset();
            assertThat(restored.applied).isEqualTo(expected);
            assertThat(restored.appliedSinceMade)
                    .isEqualTo(expected.stream().filter(batch -> batch.baseOffset() >= lastBase).count());
            assertThat(snapshotOffsets(crashed)).endsWith(lastBase, end);
        }
        copyFiles(crashed, tmp.resolve("crashed-again"));
        try (PartitionLog log = PartitionLog.open(tmp.resolve("crashed-again"), SMALL, CLOCK)) {
            Headers restored = log.restoreState(CODEC);
            assertThat(restored.applied).isEqualTo(expected);
            assertThat(restored.appliedSinceMade).as("read again after a second crash").isZero();
        }
    }

    @Test
    void aTornOrDamagedSnapshotIsPassedOverForAnOlderOneAndTheStateIsTheSame() throws IOException {
        Path closed = tmp.resolve("closed");
        List<BatchSummary> expected = closedLogKeepingState(closed, new Random(17));
        List<Long> offsets = snapshotOffsets(closed);
        Random random = new Random(19);
        for (int trial = 0; trial < 10; trial++) {
            Path dir = tmp.resolve("trial-" + trial);
            copyFiles(closed, dir);
            long newest = offsets.get(offsets.size() - 1);
            Path damaged = dir.resolve(LogFiles.fileName(newest, LogFiles.SNAPSHOT_SUFFIX));
            long size = Files.size(damaged);
            if (trial % 2 == 0) {
                truncate(damaged, random.nextInt((int) size));
            } else {
                flipBit(damaged, random.nextInt((int) size), random.nextInt(Byte.SIZE));
            }

            try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
                Headers restored = log.restoreState(CODEC);
                assertThat(restored.applied).as("trial %d", trial).isEqualTo(expected);
                assertThat(restored.appliedSinceMade).as("headers after the older snapshot").isPositive();
                assertThat(StateSnapshots.decode(Files.readAllBytes(damaged), newest)).as("written again, whole")
                        .isNotNull();
            }
        }
    }

    @Test
    void withEverySnapshotDamagedOrUnreadableTheStateIsReplayedFromTheLogStart() throws IOException {
        Path dir = tmp.resolve("log");
        List<BatchSummary> expected = closedLogKeepingState(dir, new Random(23));
        List<Long> offsets = snapshotOffsets(dir);
        for (int i = 0; i < offsets.size(); i++) {
            Path file = dir.resolve(LogFiles.fileName(offsets.get(i), LogFiles.SNAPSHOT_SUFFIX));
            if (i % 2 == 0) {
                flipBit(file, 0, 0);
            } else {
                // Whole and with a valid CRC, but not a state this codec can read (a newer format, say).
                ByteBuffer unreadable = StateSnapshots.encode(offsets.get(i), ByteBuffer.wrap(new byte[] {9, 9, 9}));
                Files.write(file, unreadable.array());
            }
        }

        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            Headers restored = log.restoreState(CODEC);
            assertThat(restored.applied).isEqualTo(expected);
            assertThat(restored.appliedSinceMade).isEqualTo(expected.size());
            assertThat(snapshotOffsets(dir)).containsExactly(log.logEndOffset());
        }
    }

    @Test
    void snapshotsAboveTheEndOfALogCutBackAreDeletedAndTheStateIsThatOfTheBatchesKept() throws IOException {
        Path dir = tmp.resolve("log");
        List<BatchSummary> expected = closedLogKeepingState(dir, new Random(29));
        long cutAt = expected.get(expected.size() / 2).baseOffset();
        assertThat(snapshotOffsets(dir)).anyMatch(offset -> offset > cutAt);

        try (PartitionLog log = PartitionLog.openAfterStorageFailure(dir, SMALL, CLOCK, Storage.LOCAL, cutAt)) {
            assertThat(snapshotOffsets(dir)).allMatch(offset -> offset <= cutAt).isNotEmpty();
            Headers restored = log.restoreState(CODEC);
            assertThat(restored.applied).isEqualTo(expected.stream().filter(b -> b.lastOffset() < cutAt).toList());
            List<BatchSummary> after = appendMixed(log, 30, new Random(31));
            assertThat(restored.applied.subList(restored.applied.size() - after.size(), restored.applied.size()))
                    .isEqualTo(after);
        }
    }

    @Test
    void retentionDeletesTheSnapshotsOfDeletedSegmentsWhileTheStateKeepsTheirBatches() throws IOException {
        Path dir = tmp.resolve("log");
        LogConfig retained = SMALL.withRetention(3L * SMALL.segmentBytes(), -1);
        List<BatchSummary> expected;
        try (PartitionLog log = PartitionLog.open(dir, retained, CLOCK)) {
            log.restoreState(CODEC);
            expected = appendMixed(log, BATCHES, new Random(37));
            assertThat(log.enforceRetention()).isPositive();
            long start = log.logStartOffset();
            assertThat(snapshotOffsets(dir)).isNotEmpty().allMatch(offset -> offset >= start);
        }

        try (PartitionLog log = PartitionLog.open(dir, retained, CLOCK)) {
            assertThat(expected.get(0).lastOffset()).isLessThan(log.logStartOffset());
            assertThat(log.restoreState(CODEC).applied).isEqualTo(expected);
        }
    }

    @Test
    void aLogThatKeepsNoStateWritesNoSnapshot() throws IOException {
        Path dir = tmp.resolve("log");
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            appendMixed(log, BATCHES, new Random(41));
            assertThat(log.segmentCount()).isGreaterThan(1);
        }
        assertThat(snapshotOffsets(dir)).isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    /** A cleanly closed log in {@code dir} that keeps the state, with {@link #BATCHES} mixed batches; their headers. */
    private static List<BatchSummary> closedLogKeepingState(Path dir, Random random) throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            log.restoreState(CODEC);
            return appendMixed(log, BATCHES, random);
        }
    }

    /**
     * Appends {@code count} batches, a third of them from one of three idempotent producers (in
     * sequence), the others plain; returns the headers the log should apply for them.
     */
    static List<BatchSummary> appendMixed(PartitionLog log, int count, Random random) throws IOException {
        List<BatchSummary> appended = new ArrayList<>();
        int[] sequences = new int[3];
        for (int i = 0; i < count; i++) {
            int records = 1 + random.nextInt(5);
            if (i % 3 == 0) {
                int producer = random.nextInt(sequences.length);
                SimpleRecord[] values = new SimpleRecord[records];
                for (int r = 0; r < records; r++) {
                    values[r] = new SimpleRecord(1_000L * i + r, null, new byte[1 + random.nextInt(200)]);
                }
                long producerId = 1000 + producer;
                short epoch = (short) (producer + 1);
                ValidBatches batch = BatchFormat.validate(MemoryRecords.withIdempotentRecords(Compression.NONE,
                        producerId, epoch, sequences[producer], values).buffer());
                AppendResult result = log.append(batch);
                appended.add(new BatchSummary(result.firstOffset(), result.lastOffset(), producerId, epoch,
                        sequences[producer], 1_000L * i + records - 1));
                sequences[producer] += records;
            } else {
                AppendResult result = log.append(batch("plain" + i, records, 1 + random.nextInt(200), 1_000L * i));
                appended.add(new BatchSummary(result.firstOffset(), result.lastOffset(), -1, (short) -1, -1,
                        1_000L * i + records - 1));
            }
        }
        return appended;
    }

    static List<Long> segmentBases(Path dir) throws IOException {
        return offsetsOfFiles(dir, LogFiles.LOG_SUFFIX);
    }

    static List<Long> snapshotOffsets(Path dir) throws IOException {
        return offsetsOfFiles(dir, LogFiles.SNAPSHOT_SUFFIX);
    }

    private static List<Long> offsetsOfFiles(Path dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return new ArrayList<>(new TreeSet<>(files.map(file -> LogFiles.baseOffsetOf(file.getFileName().toString(),
                    suffix)).filter(offset -> offset >= 0).toList()));
        }
    }
}
