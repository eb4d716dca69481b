package io.riverlog.wal;

import static io.riverlog.wal.PartitionLogTest.SMALL;
import static io.riverlog.wal.PartitionLogTest.appendRandomBatches;
import static io.riverlog.wal.PartitionLogTest.readAll;
import static io.riverlog.wal.TestBatches.batch;
import static io.riverlog.wal.TestBatches.records;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.wal.TestBatches.StoredRecord;

/**
 * The log start offset moved by a deletion of records: its file (written whole, read back, ignored
 * when damaged), and the log around it: reads and timestamp lookups below it, segments below it
 * deleted, and what an open after a clean or an unclean stop makes of it.
 */
class LogStartOffsetTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    // ---------------------------------------------------------------- the file

    @Test
    void aStoredOffsetIsReadBackAndReplacedWhole() throws IOException {
        assertThat(LogStartOffset.read(dir, Storage.LOCAL)).isEmpty();
        LogStartOffset.write(dir, Storage.LOCAL, 1234);
        assertThat(LogStartOffset.read(dir, Storage.LOCAL)).hasValue(1234);
        LogStartOffset.write(dir, Storage.LOCAL, 5678);
        assertThat(LogStartOffset.read(dir, Storage.LOCAL)).hasValue(5678);
        assertThat(Files.size(dir.resolve(LogFiles.LOG_START_OFFSET))).isEqualTo(LogStartOffset.BYTES);
        assertThat(dir.resolve(LogFiles.LOG_START_OFFSET_STAGED)).doesNotExist();
    }

    @Test
    void aTornOrDamagedFileIsIgnored() throws IOException {
        LogStartOffset.write(dir, Storage.LOCAL, 1234);
        Path file = dir.resolve(LogFiles.LOG_START_OFFSET);
        byte[] whole = Files.readAllBytes(file);
        for (int bit = 0; bit < whole.length * 8; bit++) {
            byte[] flipped = whole.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            Files.write(file, flipped);
            assertThat(LogStartOffset.read(dir, Storage.LOCAL)).as("bit %d flipped", bit).isEmpty();
        }
        for (int length = 0; length < whole.length; length++) {
            Files.write(file, java.util.Arrays.copyOf(whole, length));
            assertThat(LogStartOffset.read(dir, Storage.LOCAL)).as("torn at %d bytes", length).isEmpty();
        }
    }

    // ---------------------------------------------------------------- the log

    @Test
    void readsBelowTheMovedStartAreOutOfRangeAndTheBatchHoldingItIsServedWhole() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            log.append(batch("a", 5, 10, 1000));
            log.append(batch("b", 5, 10, 2000));
            log.flush();
            assertThat(log.moveLogStartOffset(7)).isEqualTo(7);
            assertThat(log.logStartOffset()).isEqualTo(7);

            assertThatThrownBy(() -> log.read(6, Integer.MAX_VALUE, 10)).isInstanceOf(OffsetOutOfRangeException.class);
            assertThatThrownBy(() -> log.read(0, Integer.MAX_VALUE, 10)).isInstanceOf(OffsetOutOfRangeException.class);
            // As in Kafka: the batch holding the start is served whole; readers skip what lies before their offset.
            assertThat(records(log.read(7, Integer.MAX_VALUE, 10))).extracting(StoredRecord::offset)
                    .containsExactly(5L, 6L, 7L, 8L, 9L);
        }
    }

    @Test
    void theStartOnlyMovesUpAndNeverPastTheEnd() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            log.append(batch("a", 10, 10, 1000));
            log.flush();
            assertThat(log.moveLogStartOffset(4)).isEqualTo(4);
            assertThat(log.moveLogStartOffset(2)).as("a lower offset changes nothing").isEqualTo(4);
            assertThat(log.moveLogStartOffset(4)).isEqualTo(4);
            assertThatThrownBy(() -> log.moveLogStartOffset(11)).isInstanceOf(OffsetOutOfRangeException.class);
            assertThat(log.logStartOffset()).isEqualTo(4);
            assertThat(LogStartOffset.read(dir, Storage.LOCAL)).hasValue(4);
        }
    }

    @Test
    void theMovedStartSurvivesACleanCloseAndAnUncleanStop() throws IOException {
        Path crashed = dir.resolve("crashed");
        Path live = dir.resolve("live");
        long end;
        try (PartitionLog log = PartitionLog.open(live, SMALL, CLOCK)) {
            end = appendRandomBatches(log, 40, new Random(40));
            log.flush();
            log.moveLogStartOffset(end / 2);
            RecoveryTest.copyFiles(live, crashed);
        }
        for (Path opened : List.of(live, crashed)) {
            try (PartitionLog log = PartitionLog.open(opened, SMALL, CLOCK)) {
                assertThat(log.logStartOffset()).as("%s", opened.getFileName()).isEqualTo(end / 2);
                assertThat(log.logEndOffset()).isEqualTo(end);
                assertThatThrownBy(() -> log.read(end / 2 - 1, 1, end)).isInstanceOf(OffsetOutOfRangeException.class);
                List<StoredRecord> records = readAll(log);
                assertThat(records.get(records.size() - 1).offset()).isEqualTo(end - 1);
                assertThat(records).extracting(StoredRecord::offset).contains(end / 2);
            }
        }
    }

    @Test
    void wholeSegmentsBelowTheStartAreDeletedAndTheOneHoldingItIsKept() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            long end = appendRandomBatches(log, 300, new Random(300));
            log.flush();
            List<Long> bases = segmentBases(dir);
            assertThat(bases).hasSizeGreaterThan(5);
            long start = bases.get(3) + 1;
            log.moveLogStartOffset(start);
            assertThat(segmentBases(dir)).as("not deleted before they are asked to be").isEqualTo(bases);

            assertThat(log.deleteSegmentsBelowLogStart()).isEqualTo(3);
            assertThat(segmentBases(dir)).isEqualTo(bases.subList(3, bases.size()));
            assertThat(log.logStartOffset()).isEqualTo(start);
            assertThat(readAll(log).get(0).offset()).isLessThanOrEqualTo(start);
            assertThat(log.logEndOffset()).isEqualTo(end);
        }
    }

    @Test
    void aStartAtTheEndRollsTheActiveSegmentAndDeletesEveryOldOne() throws IOException {
        long end;
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            end = appendRandomBatches(log, 100, new Random(100));
            log.flush();
            log.moveLogStartOffset(end);
            log.deleteSegmentsBelowLogStart();
            assertThat(segmentBases(dir)).containsExactly(end);
            assertThat(log.logStartOffset()).isEqualTo(end);
            log.append(batch("after", 3, 10, 5000));
            log.flush();
        }
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            assertThat(log.logStartOffset()).isEqualTo(end);
            assertThat(readAll(log)).extracting(StoredRecord::offset).containsExactly(end, end + 1, end + 2);
        }
    }

    @Test
    void segmentsLeftBelowTheStoredStartAreDeletedAtOpen() throws IOException {
        long end;
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            end = appendRandomBatches(log, 200, new Random(200));
        }
        List<Long> bases = segmentBases(dir);
        // A move made durable, and a stop before its segments were deleted.
        LogStartOffset.write(dir, Storage.LOCAL, bases.get(2));
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            assertThat(log.logStartOffset()).isEqualTo(bases.get(2));
            assertThat(segmentBases(dir)).isEqualTo(bases.subList(2, bases.size()));
            assertThat(log.logEndOffset()).isEqualTo(end);
        }
    }

    @Test
    void aDamagedStoredStartFallsBackToTheFirstSegmentAndHidesNothing() throws IOException {
        long end;
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            end = appendRandomBatches(log, 30, new Random(30));
            log.flush();
            log.moveLogStartOffset(end - 5);
        }
        Path file = dir.resolve(LogFiles.LOG_START_OFFSET);
        byte[] damaged = Files.readAllBytes(file);
        damaged[3] ^= 0x10;
        Files.write(file, damaged);
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            assertThat(log.logStartOffset()).isZero();
            assertThat(readAll(log)).hasSize((int) end);
            // The next move replaces the damaged file whole.
            log.moveLogStartOffset(end - 2);
        }
        assertThat(LogStartOffset.read(dir, Storage.LOCAL)).hasValue(end - 2);
    }

    @Test
    void aStoredStartPastTheRecoveredEndMovesToTheEndSoThatNewRecordsAreServed() throws IOException {
        long end;
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            end = appendRandomBatches(log, 20, new Random(20));
        }
        // What a power cut leaves when records were acknowledged without an fsync (policy interval or os).
        LogStartOffset.write(dir, Storage.LOCAL, end + 100);
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            assertThat(log.logStartOffset()).isEqualTo(end);
            log.append(batch("new", 2, 10, 0));
            log.flush();
        }
        assertThat(LogStartOffset.read(dir, Storage.LOCAL)).hasValue(end);
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            assertThat(readAll(log)).extracting(StoredRecord::offset).containsExactly(end, end + 1);
        }
    }

    @Test
    void aFailedWriteOfTheStartLeavesItWhereItWasAndTheLogWritable() throws IOException {
        FailingStagedFile storage = new FailingStagedFile();
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK, storage)) {
            log.append(batch("a", 10, 10, 1000));
            log.flush();
            log.moveLogStartOffset(3);
            storage.failing = true;
            assertThatThrownBy(() -> log.moveLogStartOffset(6)).isInstanceOf(NotWrittenException.class);
            assertThat(log.logStartOffset()).isEqualTo(3);
            assertThat(dir.resolve(LogFiles.LOG_START_OFFSET_STAGED)).doesNotExist();
            storage.failing = false;
            log.append(batch("b", 1, 10, 2000));
            log.flush();
        }
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            assertThat(log.logStartOffset()).isEqualTo(3);
            assertThat(log.logEndOffset()).isEqualTo(11);
        }
    }

    @Test
    void aStagedFileACrashLeftIsRemovedAtOpen() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            log.append(batch("a", 10, 10, 1000));
            log.moveLogStartOffset(2);
        }
        LogStartOffset.stage(dir, Storage.LOCAL, 8);
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            assertThat(log.logStartOffset()).as("a staged move was never committed").isEqualTo(2);
        }
        assertThat(dir.resolve(LogFiles.LOG_START_OFFSET_STAGED)).doesNotExist();
    }

    @Test
    void timestampLookupsSeeOnlyRecordsFromTheStart() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            // Offsets 0-4 at 1000-1004, 5-9 at 900-904: the largest timestamp lies below the start.
            log.append(batch("a", 5, 10, 1000));
            log.append(batch("b", 5, 10, 900));
            log.flush();
            log.moveLogStartOffset(2);
            assertThat(log.offsetForTimestamp(0)).contains(new TimestampOffset(1002, 2));
            assertThat(log.offsetOfLargestTimestamp(10)).contains(new TimestampOffset(1004, 4));
            log.moveLogStartOffset(7);
            assertThat(log.offsetForTimestamp(0)).contains(new TimestampOffset(902, 7));
            assertThat(log.offsetForTimestamp(1000)).isEmpty();
            assertThat(log.offsetOfLargestTimestamp(10)).contains(new TimestampOffset(904, 9));
        }
    }

    private static List<Long> segmentBases(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(file -> LogFiles.baseOffsetOf(file.getFileName().toString(), LogFiles.LOG_SUFFIX))
                    .filter(base -> base >= 0).sorted().toList();
        }
    }

    /** The local disk, on which writing the staged log start offset fails while {@link #failing}. */
    private static final class FailingStagedFile implements Storage {
        volatile boolean failing;

        @Override
        public FileChannel open(Path file, OpenOption... options) throws IOException {
            FileChannel channel = Storage.LOCAL.open(file, options);
            if (failing && file.getFileName().toString().equals(LogFiles.LOG_START_OFFSET_STAGED)) {
                channel.close();
                throw new IOException("No space left on device (simulated) writing " + file);
            }
            return channel;
        }

        @Override
        public void createDirectory(Path dir) throws IOException {
            Storage.LOCAL.createDirectory(dir);
        }

        @Override
        public List<Path> list(Path dir) throws IOException {
            return Storage.LOCAL.list(dir);
        }

        @Override
        public boolean exists(Path path) {
            return Storage.LOCAL.exists(path);
        }

        @Override
        public boolean isDirectory(Path path) {
            return Storage.LOCAL.isDirectory(path);
        }

        @Override
        public void delete(Path path) throws IOException {
            Storage.LOCAL.delete(path);
        }

        @Override
        public void rename(Path source, Path target) throws IOException {
            Storage.LOCAL.rename(source, target);
        }

        @Override
        public void fsyncDirectory(Path dir) throws IOException {
            Storage.LOCAL.fsyncDirectory(dir);
        }
    }
}
