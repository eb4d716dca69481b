package io.riverlog.wal;

import static io.riverlog.wal.PartitionLogTest.SMALL;
import static io.riverlog.wal.PartitionLogTest.appendRandomBatches;
import static io.riverlog.wal.PartitionLogTest.readAll;
import static io.riverlog.wal.TestBatches.batch;
import static io.riverlog.wal.TestBatches.records;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.wal.TestBatches.StoredRecord;

/**
 * Fault injection: a log is written, its files are copied while it is open (what a kill -9 leaves
 * behind), the copy is damaged the way crashes and disks damage files, and then opened. Recovery
 * must keep exactly the valid prefix and never serve a byte of what was damaged.
 */
class RecoveryTest {
    private static final Clock CLOCK = Clock.systemUTC();

    @TempDir
    Path tmp;

    /** A crashed log: {@code durable} fsynced batches, then one batch written but not fsynced. */
    private record Crashed(Path dir, List<StoredRecord> durable, long lastBatchBase, int lastBatchPosition,
                           int lastBatchEnd, Path activeSegment) {
    }

    private Crashed crashWithUnflushedLastBatch(int batches) throws IOException {
        Path live = tmp.resolve("live");
        Path crashed = tmp.resolve("crashed");
        try (PartitionLog log = PartitionLog.open(live, SMALL, CLOCK)) {
            appendRandomBatches(log, batches, new Random(batches));
            log.flush();
            List<StoredRecord> durable = readAll(log);
            long lastBase = log.logEndOffset();
            Path active = activeSegment(live);
            int position = (int) Files.size(active);
            log.append(batch("unflushed", 4, 50, 0));
            int end = (int) Files.size(active);
            copyFiles(live, crashed);
            return new Crashed(crashed, durable, lastBase, position, end, crashed.resolve(active.getFileName()));
        }
    }

    @Test
    void aTornLastBatchIsCutAtEveryBytePosition() throws IOException {
        Crashed crashed = crashWithUnflushedLastBatch(120);
        for (int cut = crashed.lastBatchPosition(); cut < crashed.lastBatchEnd(); cut++) {
            Path dir = tmp.resolve("cut-" + cut);
            copyFiles(crashed.dir(), dir);
            truncate(dir.resolve(crashed.activeSegment().getFileName()), cut);
            try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
                assertThat(log.logEndOffset()).as("cut at %d", cut).isEqualTo(crashed.lastBatchBase());
                assertThat(Files.size(dir.resolve(crashed.activeSegment().getFileName())))
                        .isEqualTo(crashed.lastBatchPosition());
                assertThat(readAll(log)).isEqualTo(crashed.durable());
            }
            deleteTree(dir);
        }
    }

    @Test
    void aWholeUnflushedBatchThatReachedThePageCacheIsKept() throws IOException {
        Crashed crashed = crashWithUnflushedLastBatch(50);
        try (PartitionLog log = PartitionLog.open(crashed.dir(), SMALL, CLOCK)) {
            assertThat(log.logEndOffset()).isEqualTo(crashed.lastBatchBase() + 4);
            assertThat(log.durableEndOffset()).isEqualTo(log.logEndOffset());
            List<StoredRecord> all = readAll(log);
            assertThat(all.subList(0, crashed.durable().size())).isEqualTo(crashed.durable());
            assertThat(all.get(all.size() - 1).value()).isEqualTo(TestBatches.valueText("unflushed", 3, 50));
        }
    }

    @Test
    void flippedBitsInTheUnflushedTailCutTheLogBeforeTheDamagedBatch() throws IOException {
        Random random = new Random(42);
        Crashed crashed = crashWithUnflushedLastBatch(80);
        for (int trial = 0; trial < 20; trial++) {
            Path dir = tmp.resolve("flip-" + trial);
            copyFiles(crashed.dir(), dir);
            int position = crashed.lastBatchPosition()
                    + random.nextInt(crashed.lastBatchEnd() - crashed.lastBatchPosition());
            flipBit(dir.resolve(crashed.activeSegment().getFileName()), position, random.nextInt(8));
            try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
                assertThat(log.logEndOffset()).as("bit flipped at %d", position).isEqualTo(crashed.lastBatchBase());
                assertThat(readAll(log)).isEqualTo(crashed.durable());
            }
            deleteTree(dir);
        }
    }

    @Test
    void aZeroFilledTailIsCut() throws IOException {
        Crashed crashed = crashWithUnflushedLastBatch(60);
        Path segment = crashed.activeSegment();
        truncate(segment, crashed.lastBatchPosition());
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.setLength(crashed.lastBatchPosition() + 4096L);
        }
        try (PartitionLog log = PartitionLog.open(crashed.dir(), SMALL, CLOCK)) {
            assertThat(log.logEndOffset()).isEqualTo(crashed.lastBatchBase());
            assertThat(Files.size(segment)).isEqualTo(crashed.lastBatchPosition());
            assertThat(readAll(log)).isEqualTo(crashed.durable());
            assertThat(log.append(batch("after", 1, 10, 0)).firstOffset()).isEqualTo(crashed.lastBatchBase());
        }
    }

    @Test
    void theRecoveredLogTakesAppendsAndSurvivesAnotherRestart() throws IOException {
        Crashed crashed = crashWithUnflushedLastBatch(70);
        truncate(crashed.activeSegment(), crashed.lastBatchEnd() - 1);
        long end;
        try (PartitionLog log = PartitionLog.open(crashed.dir(), SMALL, CLOCK)) {
            end = appendRandomBatches(log, 100, new Random(9));
        }
        try (PartitionLog log = PartitionLog.open(crashed.dir(), SMALL, CLOCK)) {
            assertThat(log.logEndOffset()).isEqualTo(end);
            List<StoredRecord> all = readAll(log);
            assertThat(all).hasSize((int) end);
            assertThat(all.subList(0, crashed.durable().size())).isEqualTo(crashed.durable());
        }
    }

    @Test
    void withoutARecoveryPointEverySegmentIsValidated() throws IOException {
        Crashed crashed = crashWithUnflushedLastBatch(150);
        Files.delete(crashed.dir().resolve(LogFiles.RECOVERY_POINT));
        truncate(crashed.activeSegment(), crashed.lastBatchPosition() + 30);
        try (PartitionLog log = PartitionLog.open(crashed.dir(), SMALL, CLOCK)) {
            assertThat(log.logEndOffset()).isEqualTo(crashed.lastBatchBase());
            assertThat(readAll(log)).isEqualTo(crashed.durable());
        }
    }

    @Test
    void aTornRecoveryPointFileMeansEverySegmentIsValidated() throws IOException {
        Crashed crashed = crashWithUnflushedLastBatch(90);
        flipBit(crashed.dir().resolve(LogFiles.RECOVERY_POINT), 3, 1);
        truncate(crashed.activeSegment(), crashed.lastBatchPosition() + 70);
        try (PartitionLog log = PartitionLog.open(crashed.dir(), SMALL, CLOCK)) {
            assertThat(log.logEndOffset()).isEqualTo(crashed.lastBatchBase());
            assertThat(readAll(log)).isEqualTo(crashed.durable());
        }
    }

    @Test
    void damageInFsyncedDataIsKeptAndRefusedWhileEveryOtherOffsetIsServed() throws IOException {
        Crashed crashed = crashWithUnflushedLastBatch(100);
        // Without an index, recovery must validate the active segment from its start, through data that was fsynced.
        Files.delete(crashed.dir().resolve(crashed.activeSegment().getFileName().toString()
                .replace(LogFiles.LOG_SUFFIX, LogFiles.INDEX_SUFFIX)));
        int flipped = crashed.lastBatchPosition() / 2;
        flipBit(crashed.activeSegment(), flipped, 4);
        try (PartitionLog log = PartitionLog.open(crashed.dir(), SMALL, CLOCK)) {
            assertThat(Files.size(crashed.activeSegment())).as("nothing cut").isEqualTo(crashed.lastBatchEnd());
            assertThat(log.damage()).hasSize(1);
            Damage damage = log.damage().get(0);
            assertThat(damage.file()).isEqualTo(crashed.activeSegment());
            assertThat(damage.position()).isLessThanOrEqualTo(flipped);
            assertThat(damage.endPosition()).isGreaterThan(flipped).isLessThanOrEqualTo(crashed.lastBatchPosition());
            assertThat(log.logEndOffset()).as("the unflushed whole batch after it is kept")
                    .isEqualTo(crashed.lastBatchBase() + 4);
            assertOnlyDamagedOffsetsRefused(log, crashed.durable(), damage);
        }
    }

    @Test
    void aStaleRecoveryPointNeverCutsOrDeletesASealedSegment() throws IOException {
        Path live = tmp.resolve("live");
        Path crashed = tmp.resolve("crashed");
        byte[] staleRecoveryPoint;
        Path damagedSegment;
        int damagedPosition;
        List<StoredRecord> written;
        try (PartitionLog log = PartitionLog.open(live, SMALL, CLOCK)) {
            appendRandomBatches(log, 40, new Random(1));
            log.flush();
            staleRecoveryPoint = Files.readAllBytes(live.resolve(LogFiles.RECOVERY_POINT));
            damagedSegment = activeSegment(live);
            damagedPosition = (int) Files.size(damagedSegment) + 100;
            appendRandomBatches(log, 200, new Random(2));
            log.flush();
            written = readAll(log);
            assertThat(log.segmentCount()).isGreaterThan(3);
            copyFiles(live, crashed);
        }
        // As if the recovery points written after the later flushes never reached the disk, and a bit
        // rotted in a segment that was sealed when the next one began.
        Files.write(crashed.resolve(LogFiles.RECOVERY_POINT), staleRecoveryPoint);
        flipBit(crashed.resolve(damagedSegment.getFileName()), damagedPosition, 0);
        try (PartitionLog log = PartitionLog.open(crashed, SMALL, CLOCK)) {
            assertThat(log.logEndOffset()).isEqualTo(written.get(written.size() - 1).offset() + 1);
            assertThat(log.segmentCount()).isEqualTo(countSegments(live));
            List<Damage> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
            log.onDamage(heard::add);
            assertOnlyDamagedOffsetsRefused(log, written, null);
            assertThat(log.damage()).hasSize(1);
            assertThat(heard).containsExactlyElementsOf(log.damage());
            assertThat(log.damage().get(0).file().getFileName()).isEqualTo(damagedSegment.getFileName());
        }
    }

    @Test
    void theScrubberFindsDamageBeforeAnyReadDoes() throws IOException {
        Path dir = tmp.resolve("scrubbed");
        List<StoredRecord> written;
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            appendRandomBatches(log, 150, new Random(3));
            written = readAll(log);
        }
        Path first = dir.resolve(LogFiles.fileName(0, LogFiles.LOG_SUFFIX));
        flipBit(first, Files.size(first) / 3, 2);
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            List<Damage> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
            log.onDamage(heard::add);
            long checked = 0;
            for (int step = log.scrub(1000); step > 0; step = log.scrub(1000)) {
                checked += step;
            }
            assertThat(checked).isGreaterThanOrEqualTo(log.sizeInBytes() - heard.get(0).endPosition()
                    + heard.get(0).position());
            assertThat(heard).hasSize(1);
            assertThat(log.scrub(1000)).as("nothing left to check").isZero();
            assertOnlyDamagedOffsetsRefused(log, written, heard.get(0));
        }
    }

    @Test
    void aMissingIndexIsRebuiltAndEveryOffsetIsFoundAgain() throws IOException {
        Path dir = tmp.resolve("log");
        long end;
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            end = appendRandomBatches(log, 200, new Random(5));
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> indexes = files
                    .filter(p -> p.toString().endsWith(".index") || p.toString().endsWith(".timeindex")).toList();
            for (Path file : indexes) {
                Files.delete(file);
            }
        }
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            assertEveryOffsetReadable(log, end);
        }
        assertThat(Files.size(dir.resolve(LogFiles.fileName(0, LogFiles.INDEX_SUFFIX)))).isGreaterThan(0);
    }

    @Test
    void aCorruptIndexIsNeverTrustedToServeTheWrongBatch() throws IOException {
        Random random = new Random(77);
        Path dir = tmp.resolve("log");
        long end;
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            end = appendRandomBatches(log, 200, new Random(6));
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path index : files.filter(p -> p.toString().endsWith(LogFiles.INDEX_SUFFIX)).toList()) {
                long size = Files.size(index);
                for (int i = 0; i < 3 && size > 0; i++) {
                    flipBit(index, random.nextInt((int) size), random.nextInt(8));
                }
            }
        }
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            assertEveryOffsetReadable(log, end);
        }
    }

    @Test
    void aCorruptIndexAfterAnUncleanStopIsRebuilt() throws IOException {
        Crashed crashed = crashWithUnflushedLastBatch(200);
        Path index = crashed.dir().resolve(crashed.activeSegment().getFileName().toString()
                .replace(LogFiles.LOG_SUFFIX, LogFiles.INDEX_SUFFIX));
        Files.write(index, new byte[] {0, 0, 0, 9, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 2});
        try (PartitionLog log = PartitionLog.open(crashed.dir(), SMALL, CLOCK)) {
            assertEveryOffsetReadable(log, log.logEndOffset());
            assertThat(log.logEndOffset()).isEqualTo(crashed.lastBatchBase() + 4);
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Reads every offset on its own: each is either served exactly as written, or refused as damaged
     * (then it lies in the damage the log reports, or in {@code expected} if given).
     */
    static void assertOnlyDamagedOffsetsRefused(PartitionLog log, List<StoredRecord> written, Damage expected)
            throws IOException {
        int refused = 0;
        for (StoredRecord record : written) {
            try {
                List<StoredRecord> read = records(log.read(record.offset(), 1, Long.MAX_VALUE));
                assertThat(read).as("read at %d", record.offset()).contains(record);
            } catch (DamagedDataException e) {
                refused++;
                assertThat(e.damage().holds(record.offset())).isTrue();
                assertThat(log.damage()).contains(e.damage());
                if (expected != null) {
                    assertThat(e.damage()).isEqualTo(expected);
                }
            }
        }
        assertThat(refused).as("offsets refused as damaged").isPositive();
    }

    private static void assertEveryOffsetReadable(PartitionLog log, long end) throws IOException {
        for (long offset = 0; offset < end; offset++) {
            List<StoredRecord> read = records(log.read(offset, 1, end));
            assertThat(read).extracting(StoredRecord::offset).as("read at %d", offset).contains(offset);
        }
    }

    static Path activeSegment(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(LogFiles.LOG_SUFFIX)).sorted().reduce((a, b) -> b)
                    .orElseThrow();
        }
    }

    static long countSegments(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(LogFiles.LOG_SUFFIX)).count();
        }
    }

    /** Copies a log directory as a crash would leave it: every file as it is now, no clean-shutdown marker. */
    static void copyFiles(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                if (!file.getFileName().toString().equals(LogFiles.CLEAN_SHUTDOWN)) {
                    Files.copy(file, to.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static void truncate(Path file, long size) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
    }

    static void flipBit(Path file, long position, int bit) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            int b = raf.read();
            raf.seek(position);
            raf.write(b ^ (1 << bit));
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }
}
