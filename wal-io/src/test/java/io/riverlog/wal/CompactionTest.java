package io.riverlog.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compaction of a log on real files: what survives, where it is read, and what a reopen finds. */
class CompactionTest {
    private static final CompactionConfig COMPACT = CompactionConfig.NONE.withCompacts(true)
            .withMinCleanableDirtyRatio(0).withDeleteRetentionMs(0);
    private static final LogConfig CONFIG = new LogConfig(1024, 128, -1, -1, 0, 4096).withCompaction(COMPACT);
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_000_000), ZoneOffset.UTC);
    private static final int KEYS = 10;

    @TempDir
    Path dir;

    @Test
    void theLatestRecordOfEveryKeySurvivesAtItsOffset() throws Exception {
        Map<String, Long> latest = new LinkedHashMap<>();
        try (PartitionLog log = PartitionLog.open(dir, CONFIG, CLOCK)) {
            appendUpdates(log, 0, 200, latest);
            log.roll();
            long sizeBefore = log.sizeInBytes();
            assertThat(compact(log)).isPositive();

            assertThat(log.logStartOffset()).isZero();
            assertThat(log.logEndOffset()).isEqualTo(200);
            assertThat(readAll(log, 0)).containsExactlyInAnyOrderEntriesOf(expected(latest));
            assertThat(log.sizeInBytes()).as("compacted size").isLessThan(sizeBefore / 4);
        }

        try (PartitionLog reopened = PartitionLog.open(dir, CONFIG, CLOCK)) {
            assertThat(readAll(reopened, 0)).containsExactlyInAnyOrderEntriesOf(expected(latest));
            assertThat(reopened.logEndOffset()).isEqualTo(200);
            assertThat(reopened.planCompaction()).as("a compacted log after a restart").isEmpty();
        }
    }

    @Test
    void aReadFromAnyOffsetReturnsTheNextSurvivingRecord() throws Exception {
        Map<String, Long> latest = new LinkedHashMap<>();
        try (PartitionLog log = PartitionLog.open(dir, CONFIG, CLOCK)) {
            appendUpdates(log, 0, 100, latest);
            log.roll();
            compact(log);
            List<Long> survivors = latest.values().stream().sorted().toList();
            for (long from = 0; from < 100; from++) {
                long expectedNext = firstAtOrAfter(survivors, from);
                Map<Long, String> read = readAll(log, from);
                assertThat(read.keySet().stream().min(Long::compare)).as("first record read from %d", from)
                        .isEqualTo(expectedNext < 0 ? Optional.empty() : Optional.of(expectedNext));
            }
        }
    }

    @Test
    void aTombstoneRemovesItsKeyAndGoesItselfOnceItsHorizonHasPassed() throws Exception {
        Map<String, Long> latest = new LinkedHashMap<>();
        try (PartitionLog log = PartitionLog.open(dir, CONFIG, CLOCK)) {
            appendUpdates(log, 0, 50, latest);
            log.append(BatchFormat.batchOf(List.of(new BatchFormat.NewRecord(CLOCK.millis(), key("k3"), null,
                    List.of()))));
            log.roll();
            compact(log);
            Map<Long, String> afterFirst = readAll(log, 0);
            assertThat(afterFirst).containsEntry(50L, "k3=null").doesNotContainValue("k3=" + latest.get("k3"));

            appendUpdates(log, 51, 20, latest);
            log.roll();
            compact(log);
            Map<Long, String> afterSecond = readAll(log, 0);
            assertThat(afterSecond).doesNotContainKey(50L);
            assertThat(afterSecond).containsExactlyInAnyOrderEntriesOf(expected(latest));
        }
    }

    @Test
    void anOpenFinishesASwapThatAStopInterrupted() throws Exception {
        Map<String, Long> latest = new LinkedHashMap<>();
        Compaction.Prepared prepared;
        try (PartitionLog log = PartitionLog.open(dir, CONFIG, CLOCK)) {
            appendUpdates(log, 0, 200, latest);
            log.roll();
            prepared = Compaction.run(log.planCompaction().orElseThrow(), new KeyOffsetMap(64 * 1024),
                    new IoBudget(0), () -> false, java.nio.ByteBuffer.allocate(4096));
            Compaction.Group first = prepared.groups().get(0);
            // The commit of the first group's swap, and nothing after it.
            Files.move(Segment.cleanedPath(dir, first.cleaned().baseOffset, LogFiles.LOG_SUFFIX),
                    dir.resolve(LogFiles.fileName(first.cleaned().baseOffset, LogFiles.LOG_SUFFIX)
                            + LogFiles.SWAP_SUFFIX));
        }
        try (PartitionLog reopened = PartitionLog.open(dir, CONFIG, CLOCK)) {
            assertThat(reopened.logEndOffset()).isEqualTo(200);
            assertThat(readAll(reopened, 0)).containsAllEntriesOf(expected(latest));
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.map(file -> file.getFileName().toString()))
                        .noneMatch(name -> name.endsWith(LogFiles.SWAP_SUFFIX)
                                || name.endsWith(LogFiles.CLEANED_SUFFIX));
            }
        }
    }

    @Test
    void theStateSnapshotsOfTheSegmentsCompactionReplacedGoWithThem() throws Exception {
        LogConfig groupsOfFour = CONFIG.withSegmentBytes(4 * 1024);
        try (PartitionLog log = PartitionLog.open(dir, groupsOfFour, CLOCK)) {
            log.restoreState(DerivedStateTest.CODEC);
            for (int i = 0; i < 4; i++) {
                appendUpdates(log, i * 10L, 10, new LinkedHashMap<>());
                log.roll();
            }
            assertThat(names(LogFiles.SNAPSHOT_SUFFIX)).as("a snapshot per roll").hasSize(4);
            compact(log);
            assertThat(names(LogFiles.LOG_SUFFIX)).as("one compacted segment and the active one").hasSize(2);
            assertThat(names(LogFiles.SNAPSHOT_SUFFIX)).as("snapshots left").hasSize(1);
        }
    }

    private List<String> names(String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(suffix)).toList();
        }
    }

    @Test
    void aLogWhoseTopicIsNotCompactedHasNoPlan() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, CONFIG.withCompaction(CompactionConfig.NONE), CLOCK)) {
            appendUpdates(log, 0, 100, new LinkedHashMap<>());
            log.roll();
            assertThat(log.planCompaction()).isEmpty();
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Appends {@code count} updates from offset {@code first}, batches of five, keys cycling. */
    private static void appendUpdates(PartitionLog log, long first, int count, Map<String, Long> latest)
            throws IOException {
        List<BatchFormat.NewRecord> batch = new ArrayList<>();
        for (long offset = first; offset < first + count; offset++) {
            String key = "k" + offset % KEYS;
            byte[] value = ("v" + offset).getBytes(StandardCharsets.UTF_8);
            batch.add(new BatchFormat.NewRecord(CLOCK.millis(), key(key), value, List.of()));
            latest.put(key, offset);
            if (batch.size() == 5 || offset == first + count - 1) {
                log.append(BatchFormat.batchOf(batch));
                batch.clear();
            }
        }
        log.flush();
    }

    static int compact(PartitionLog log) throws Exception {
        Compaction.Prepared prepared = Compaction.run(log.planCompaction().orElseThrow(), new KeyOffsetMap(64 * 1024),
                new IoBudget(0), () -> false, java.nio.ByteBuffer.allocate(4096));
        return log.swapIn(prepared);
    }

    private static byte[] key(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<Long, String> expected(Map<String, Long> latest) {
        Map<Long, String> out = new LinkedHashMap<>();
        latest.forEach((key, offset) -> out.put(offset, key + "=v" + offset));
        return out;
    }

    private static long firstAtOrAfter(List<Long> sorted, long offset) {
        return sorted.stream().filter(survivor -> survivor >= offset).findFirst().orElse(-1L);
    }

    /** Every record from {@code from} to the log end, offset to "key=value". */
    static Map<Long, String> readAll(PartitionLog log, long from) throws IOException {
        Map<Long, String> out = new LinkedHashMap<>();
        long offset = from;
        while (offset < log.logEndOffset()) {
            LogSlice slice = log.read(offset, 4096, Long.MAX_VALUE);
            for (LogRecord record : BatchFormat.decode(slice.readFully(), offset)) {
                out.put(record.offset(), new String(record.key(), StandardCharsets.UTF_8) + "="
                        + (record.value() == null ? "null" : new String(record.value(), StandardCharsets.UTF_8)));
            }
            offset = slice.nextOffset();
        }
        return out;
    }
}
