package io.riverlog.wal;

import static io.riverlog.wal.TestBatches.batch;
import static io.riverlog.wal.TestBatches.records;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.wal.TestBatches.StoredRecord;

class PartitionLogTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T00:00:00Z"), ZoneOffset.UTC);
    /** Small segments and a dense index, so that a few hundred batches span many segments. */
    static final LogConfig SMALL = new LogConfig(8 * 1024, 256, -1, -1, 0, 1024);

    @TempDir
    Path dir;

    @Test
    void defaultsComeFromApplicationConf() {
        LogConfig config = LogConfig.fromConfig(ConfigFactory.load());
        assertThat(config.segmentBytes()).isEqualTo(1 << 30);
        assertThat(config.indexIntervalBytes()).isEqualTo(4096);
        assertThat(config.retentionBytes()).isEqualTo(-1);
    }

    @Test
    void appendAssignsContiguousOffsetsAndReadsThemBack() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            AppendResult first = log.append(batch("a", 3, 10, 1000));
            AppendResult second = log.append(batch("b", 2, 10, 2000));
            assertThat(first).isEqualTo(new AppendResult(0, 2, 3));
            assertThat(second).isEqualTo(new AppendResult(3, 4, 5));
            assertThat(log.logEndOffset()).isEqualTo(5);

            List<StoredRecord> read = records(log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE));
            assertThat(read).extracting(StoredRecord::offset).containsExactly(0L, 1L, 2L, 3L, 4L);
            assertThat(read.get(3).value()).isEqualTo(TestBatches.valueText("b", 0, 10));
            assertThat(read.get(3).timestampMs()).isEqualTo(2000);
        }
    }

    @Test
    void readAtEveryOffsetOfAMultiSegmentLogReturnsTheBatchContainingIt() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            long end = appendRandomBatches(log, 400, new Random(1485));
            assertThat(log.segmentCount()).isGreaterThan(5);
            for (long offset = 0; offset < end; offset++) {
                LogSlice slice = log.read(offset, 1, end);
                List<StoredRecord> read = records(slice);
                assertThat(read).as("read at %d", offset).isNotEmpty();
                assertThat(read.get(0).offset()).as("first offset of read at %d", offset).isLessThanOrEqualTo(offset);
                assertThat(read).extracting(StoredRecord::offset).as("read at %d", offset).contains(offset);
                assertThat(slice.nextOffset()).isEqualTo(read.get(read.size() - 1).offset() + 1);
            }
        }
    }

    @Test
    void readingOnFromNextOffsetSeesEveryRecordOnceInOrder() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            long end = appendRandomBatches(log, 500, new Random(5000));
            for (int maxBytes : new int[] {1, 100, 1000, 5000, Integer.MAX_VALUE}) {
                List<Long> seen = new ArrayList<>();
                long offset = 0;
                while (offset < end) {
                    LogSlice slice = log.read(offset, maxBytes, end);
                    for (StoredRecord record : records(slice)) {
                        if (record.offset() >= offset) {
                            seen.add(record.offset());
                        }
                    }
                    offset = slice.nextOffset();
                }
                assertThat(seen).as("maxBytes %d", maxBytes).hasSize((int) end);
                for (int i = 0; i < seen.size(); i++) {
                    assertThat(seen.get(i)).isEqualTo(i);
                }
            }
        }
    }

    @Test
    void aReadReturnsAtLeastOneWholeBatchAndOtherwiseStaysWithinMaxBytes() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            log.append(batch("big", 20, 100, 0));
            log.append(batch("next", 1, 10, 0));
            LogSlice tiny = log.read(0, 10, Long.MAX_VALUE);
            assertThat(TestBatches.baseOffsets(tiny)).containsExactly(0L);
            assertThat(tiny.sizeInBytes()).isGreaterThan(2000);

            LogSlice both = log.read(0, 1 << 20, Long.MAX_VALUE);
            assertThat(TestBatches.baseOffsets(both)).containsExactly(0L, 20L);
            LogSlice justUnder = log.read(0, both.sizeInBytes() - 1, Long.MAX_VALUE);
            assertThat(TestBatches.baseOffsets(justUnder)).containsExactly(0L);
        }
    }

    @Test
    void aReadNeverReturnsABatchAtOrBeyondTheUpperBound() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            long end = appendRandomBatches(log, 300, new Random(7));
            for (long b = 0; b <= end; b += 7) {
                long bound = b;
                long offset = 0;
                while (offset < bound) {
                    LogSlice slice = log.read(offset, 3000, bound);
                    if (slice.isEmpty()) {
                        break;
                    }
                    assertThat(records(slice)).allSatisfy(r -> assertThat(r.offset()).isLessThan(bound));
                    offset = slice.nextOffset();
                }
                assertThat(log.read(bound, 3000, bound).isEmpty()).isTrue();
            }
        }
    }

    @Test
    void offsetsOutsideTheLogAreOutOfRange() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            log.append(batch("a", 5, 10, 0));
            assertThat(log.read(5, 100, Long.MAX_VALUE).isEmpty()).isTrue();
            assertThatThrownBy(() -> log.read(6, 100, Long.MAX_VALUE)).isInstanceOf(OffsetOutOfRangeException.class)
                    .hasMessageContaining("offset 6");
            assertThatThrownBy(() -> log.read(-1, 100, Long.MAX_VALUE)).isInstanceOf(OffsetOutOfRangeException.class);
        }
    }

    @Test
    void segmentsRollBeforeTheyWouldPassSegmentBytes() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            appendRandomBatches(log, 300, new Random(3));
            log.flush();
        }
        try (var files = Files.list(dir)) {
            List<Path> logs = files.filter(p -> p.toString().endsWith(LogFiles.LOG_SUFFIX)).sorted().toList();
            assertThat(logs).hasSizeGreaterThan(5);
            for (Path file : logs) {
                assertThat(Files.size(file)).isLessThanOrEqualTo(SMALL.segmentBytes());
            }
            assertThat(logs.get(0).getFileName().toString()).isEqualTo("00000000000000000000.log");
        }
    }

    @Test
    void anIdleLogHoldsOneDescriptorPerSegmentAndAWrittenOneAtMostThreeMore() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            appendRandomBatches(log, 400, new Random(2026));
            log.flush();
            assertThat(log.segmentCount()).isGreaterThan(5);
            assertOpenAreEverySegmentAndAtMostTheLastOnesIndexes(dir);
        }
        assertThat(openFilesIn(dir)).isEmpty();
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            assertThat(openFilesIn(dir)).as("idle after a reopen: the segments' data, nothing else")
                    .isEqualTo(filesIn(dir, LogFiles.LOG_SUFFIX));
            // The indexes are used from memory: every offset reads back.
            assertThat(readAll(log)).hasSize((int) log.logEndOffset());
            long end = appendRandomBatches(log, 50, new Random(7));
            log.flush();
            assertThat(log.logEndOffset()).isEqualTo(end);
            assertOpenAreEverySegmentAndAtMostTheLastOnesIndexes(dir);
        }
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            assertThat(readAll(log)).hasSize((int) log.logEndOffset());
        }
    }

    /** Every segment's data file open, the recovery point and the last segment's indexes perhaps, nothing else. */
    private static void assertOpenAreEverySegmentAndAtMostTheLastOnesIndexes(Path dir) throws IOException {
        Set<String> segments = filesIn(dir, LogFiles.LOG_SUFFIX);
        String last = segments.stream().max(String::compareTo).orElseThrow();
        String lastBase = last.substring(0, last.length() - LogFiles.LOG_SUFFIX.length());
        Set<String> open = openFilesIn(dir);
        assertThat(open).containsAll(segments);
        assertThat(open).as("open besides the segments' data").filteredOn(name -> !segments.contains(name))
                .isSubsetOf(lastBase + LogFiles.INDEX_SUFFIX, lastBase + LogFiles.TIME_INDEX_SUFFIX,
                        LogFiles.RECOVERY_POINT);
    }

    private static Set<String> filesIn(Path dir, String suffix) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(suffix))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** The names of the files in {@code dir} that this process holds open. */
    private static Set<String> openFilesIn(Path dir) throws IOException {
        Set<String> names = new TreeSet<>();
        Path real = dir.toRealPath();
        try (var descriptors = Files.list(Path.of("/proc/self/fd"))) {
            for (Path descriptor : descriptors.toList()) {
                try {
                    Path target = Files.readSymbolicLink(descriptor);
                    if (target.startsWith(real)) {
                        names.add(target.getFileName().toString());
                    }
                } catch (IOException closedMeanwhile) {
                    // the descriptor of the listing itself, or one closed since
                }
            }
        }
        return names;
    }

    @Test
    void flushMovesTheDurableEnd() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            log.append(batch("a", 4, 10, 0));
            assertThat(log.durableEndOffset()).isZero();
            assertThat(log.flush()).isEqualTo(4);
            assertThat(log.durableEndOffset()).isEqualTo(4);
        }
    }

    @Test
    void aCleanReopenKeepsEveryOffsetAndByte() throws IOException {
        long end;
        List<StoredRecord> before;
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            end = appendRandomBatches(log, 300, new Random(11));
            before = readAll(log);
        }
        assertThat(dir.resolve(LogFiles.CLEAN_SHUTDOWN)).exists();
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            assertThat(dir.resolve(LogFiles.CLEAN_SHUTDOWN)).doesNotExist();
            assertThat(log.logEndOffset()).isEqualTo(end);
            assertThat(log.durableEndOffset()).isEqualTo(end);
            assertThat(readAll(log)).isEqualTo(before);
            AppendResult more = log.append(batch("after", 2, 10, 0));
            assertThat(more.firstOffset()).isEqualTo(end);
        }
    }

    @Test
    void offsetForTimestampFindsTheFirstRecordAtOrAfterIt() throws IOException {
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            // 200 batches of 5 records; record i of batch b has timestamp 10_000 + b * 100 + i * 10
            for (int b = 0; b < 200; b++) {
                log.append(batchWithTimestampStep("t" + b, 5, 10_000L + b * 100L, 10));
            }
            assertThat(log.offsetForTimestamp(0)).contains(new TimestampOffset(10_000, 0));
            assertThat(log.offsetForTimestamp(10_000)).contains(new TimestampOffset(10_000, 0));
            assertThat(log.offsetForTimestamp(10_001)).contains(new TimestampOffset(10_010, 1));
            assertThat(log.offsetForTimestamp(10_000 + 137 * 100 + 25))
                    .contains(new TimestampOffset(10_000 + 137 * 100 + 30, 137 * 5 + 3));
            assertThat(log.offsetForTimestamp(10_000 + 199 * 100 + 40))
                    .contains(new TimestampOffset(10_000 + 199 * 100 + 40, 999));
            assertThat(log.offsetForTimestamp(10_000 + 199 * 100 + 41)).isEmpty();
        }
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            assertThat(log.offsetForTimestamp(10_000 + 137 * 100 + 25))
                    .contains(new TimestampOffset(10_000 + 137 * 100 + 30, 137 * 5 + 3));
        }
    }

    @Test
    void theLargestTimestampBelowABatchBoundaryIsThatOfItsFirstRecordAsAScanOfEveryRecordFindsIt() throws IOException {
        Random random = new Random(7);
        List<Long> boundaries = new ArrayList<>();
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            // Timestamps go up and down, with ties, so that the time index has entries and the largest moves about.
            for (int b = 0; b < 300; b++) {
                long[] timestamps = new long[1 + random.nextInt(5)];
                for (int i = 0; i < timestamps.length; i++) {
                    timestamps[i] = 1000 + b * 3L + random.nextInt(400);
                }
                boundaries.add(log.append(batchWithTimestamps(timestamps)).logEndOffset());
            }
            List<StoredRecord> all = readAll(log);
            assertThat(log.segmentCount()).isGreaterThan(3);
            assertThat(log.offsetOfLargestTimestamp(log.logStartOffset())).isEmpty();
            for (long bound : boundaries) {
                StoredRecord first = all.get(0);
                for (StoredRecord record : all.subList(0, (int) bound)) {
                    if (record.timestampMs() > first.timestampMs()) {
                        first = record;
                    }
                }
                assertThat(log.offsetOfLargestTimestamp(bound)).as("below %d", bound)
                        .contains(new TimestampOffset(first.timestampMs(), first.offset()));
            }
        }
    }

    @Test
    void rollStartsASegmentAtTheLogEndAndDeletingBeforeItKeepsEverythingFromThere() throws IOException {
        long snapshotStart;
        long end;
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            appendRandomBatches(log, 100, new Random(42));
            int segments = log.segmentCount();
            snapshotStart = log.logEndOffset();
            log.roll();
            log.roll();
            assertThat(log.segmentCount()).as("a second roll of an empty segment does nothing").isEqualTo(segments + 1);
            log.append(batch("kept", 4, 10, 5000));
            end = log.flush();
            assertThat(log.deleteSegmentsBefore(snapshotStart - 1))
                    .as("segments holding offsets at or past the bound stay").isEqualTo(segments - 1);
            assertThat(log.deleteSegmentsBefore(snapshotStart)).isEqualTo(1);
            assertThat(log.deleteSegmentsBefore(end)).as("never the active segment").isZero();
            assertThat(log.logStartOffset()).isEqualTo(snapshotStart);
            assertThat(log.segmentCount()).isEqualTo(1);
        }
        try (PartitionLog log = PartitionLog.open(dir, SMALL, CLOCK)) {
            assertThat(log.logStartOffset()).isEqualTo(snapshotStart);
            assertThat(records(log.read(snapshotStart, Integer.MAX_VALUE, end))).extracting(StoredRecord::offset)
                    .containsExactly(snapshotStart, snapshotStart + 1, snapshotStart + 2, snapshotStart + 3);
        }
    }

    @Test
    void retentionBySizeDeletesTheOldestWholeSegmentsAndTheLogStartSurvivesRestart() throws IOException {
        LogConfig config = SMALL.withRetention(3 * SMALL.segmentBytes(), -1);
        long start;
        long end;
        try (PartitionLog log = PartitionLog.open(dir, config, CLOCK)) {
            end = appendRandomBatches(log, 300, new Random(17));
            int segments = log.segmentCount();
            assertThat(log.enforceRetention()).isGreaterThan(0);
            assertThat(log.segmentCount()).isLessThan(segments);
            assertThat(log.sizeInBytes()).isGreaterThanOrEqualTo(config.retentionBytes())
                    .isLessThan(config.retentionBytes() + SMALL.segmentBytes());
            start = log.logStartOffset();
            assertThat(start).isGreaterThan(0);
            assertThatThrownBy(() -> log.read(start - 1, 100, Long.MAX_VALUE))
                    .isInstanceOf(OffsetOutOfRangeException.class);
            assertThat(records(log.read(start, 1, Long.MAX_VALUE)).get(0).offset()).isEqualTo(start);
        }
        try (PartitionLog log = PartitionLog.open(dir, config, CLOCK)) {
            assertThat(log.logStartOffset()).isEqualTo(start);
            assertThat(log.logEndOffset()).isEqualTo(end);
        }
    }

    @Test
    void retentionByAgeDeletesSegmentsWhoseNewestRecordIsTooOld() throws IOException {
        long now = CLOCK.millis();
        LogConfig config = SMALL.withRetention(-1, 60_000);
        try (PartitionLog log = PartitionLog.open(dir, config, CLOCK)) {
            for (int i = 0; i < 100; i++) {
                log.append(batch("old" + i, 5, 40, now - 3_600_000));
            }
            long firstRecent = log.logEndOffset();
            for (int i = 0; i < 100; i++) {
                log.append(batch("new" + i, 5, 40, now - 1_000));
            }
            log.enforceRetention();
            assertThat(log.logStartOffset()).isGreaterThan(0).isLessThanOrEqualTo(firstRecent);
            assertThat(log.read(firstRecent, 100, Long.MAX_VALUE).isEmpty()).isFalse();
        }
    }

    @Test
    void aReadThatFoundASegmentCompletesEvenIfRetentionDeletesItMeanwhile() throws IOException {
        LogConfig config = new LogConfig(8 * 1024, 256, 0, -1, 60_000, 1024);
        try (PartitionLog log = PartitionLog.open(dir, config, CLOCK)) {
            appendRandomBatches(log, 100, new Random(23));
            LogSlice slice = log.read(0, 4096, Long.MAX_VALUE);
            assertThat(log.enforceRetention()).isGreaterThan(0);
            assertThat(records(slice).get(0).offset()).isZero();
        }
    }

    @Test
    void segmentsDeletedByRetentionAreClosedOnTheGivenExecutorNotInTheWritersCall() throws IOException {
        LogConfig config = new LogConfig(8 * 1024, 256, 0, -1, 0, 1024);
        List<Runnable> handedOver = new ArrayList<>();
        try (PartitionLog log = PartitionLog.open(dir, config, CLOCK)) {
            log.closeDeletedSegmentsOn(handedOver::add);
            appendRandomBatches(log, 100, new Random(41));
            LogSlice slice = log.read(0, 4096, Long.MAX_VALUE);
            int deleted = log.enforceRetention();
            assertThat(deleted).isGreaterThan(0);
            log.enforceRetention();
            assertThat(handedOver).hasSize(deleted);
            assertThat(records(slice).get(0).offset()).as("still open until the executor closes it").isZero();
            handedOver.forEach(Runnable::run);
            assertThat(slice.channel().isOpen()).isFalse();
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Appends batches of 1..10 records of 1..300 bytes; returns the log end offset. */
    static long appendRandomBatches(PartitionLog log, int batches, Random random) throws IOException {
        for (int i = 0; i < batches; i++) {
            log.append(batch("r" + i, 1 + random.nextInt(10), 1 + random.nextInt(300), 1_000L * i));
        }
        return log.logEndOffset();
    }

    static List<StoredRecord> readAll(PartitionLog log) throws IOException {
        List<StoredRecord> out = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            LogSlice slice = log.read(offset, 64 * 1024, Long.MAX_VALUE);
            out.addAll(records(slice));
            offset = slice.nextOffset();
        }
        return out;
    }

    private static ValidBatches batchWithTimestamps(long... timestampsMs) {
        var builder = org.apache.kafka.common.record.internal.MemoryRecords.builder(
                java.nio.ByteBuffer.allocate(timestampsMs.length * 100 + 128),
                org.apache.kafka.common.compress.Compression.NONE,
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0L);
        for (int i = 0; i < timestampsMs.length; i++) {
            builder.append(timestampsMs[i], null, TestBatches.value("ts", i, 10));
        }
        return BatchFormat.validate(builder.build().buffer());
    }

    private static ValidBatches batchWithTimestampStep(String tag, int records, long firstTimestampMs, long stepMs) {
        var buffer = java.nio.ByteBuffer.allocate(records * 100 + 128);
        var builder = org.apache.kafka.common.record.internal.MemoryRecords.builder(buffer,
                org.apache.kafka.common.compress.Compression.NONE,
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0L);
        for (int i = 0; i < records; i++) {
            builder.append(firstTimestampMs + i * stepMs, null, TestBatches.value(tag, i, 10));
        }
        return BatchFormat.validate(builder.build().buffer());
    }
}
