package io.riverlog.testkit.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.disk.InMemoryTempDir;
import io.riverlog.testkit.disk.SimulatedDisk;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.BatchSummary;
import io.riverlog.wal.DerivedState;
import io.riverlog.wal.LogConfig;
import io.riverlog.wal.LogRecord;
import io.riverlog.wal.LogSlice;
import io.riverlog.wal.PartitionLog;
import io.riverlog.wal.ValidBatches;

/**
 * The partition log on a disk that loses power at random moments: while appending, fsyncing,
 * rolling, deleting old segments, closing, and while recovering from the previous cut. After every
 * cut the log must open, hold every record it acknowledged (a flush returned past it) unchanged, at
 * contiguous offsets, and nothing that was never written.
 *
 * <p>The log keeps a derived state too (every batch's offsets), snapshotted at rolls and closes and
 * restored at each open. Whatever a cut leaves of its snapshots, the restored state must be exactly
 * the batches the log holds, preceded by nothing or by batches that end where the log now starts
 * (those of deleted segments, carried by a snapshot).
 */
class PartitionLogPowerCutTest {
    private static final String SEED = "riverlog.power-cuts.log.seed";
    private static final Clock CLOCK = Clock.systemUTC();
    /** Operations of the disk (writes, fsyncs, directory changes) a run may do before its power is cut. */
    private static final int MAX_OPERATIONS_BEFORE_CUT = 120;

    @TempDir(factory = InMemoryTempDir.class)
    Path tmp;

    @Test
    void acknowledgedRecordsSurvivePowerCuts() throws Exception {
        assertThat(PowerCutRuns.repeat(SEED, 500, this::cutThreeTimes)).isGreaterThanOrEqualTo(1800);
    }

    @Tag("volume")
    @Test
    void acknowledgedRecordsSurviveManyPowerCuts() throws Exception {
        // About four cuts a run; 10,000 runs take about 45 s on two cores with the files in memory.
        assertThat(PowerCutRuns.repeat(SEED, 10_000, this::cutThreeTimes)).isGreaterThanOrEqualTo(37_000);
    }

    private int cutThreeTimes(Random random, int index) throws Exception {
        Path root = Files.createDirectory(tmp.resolve("run-" + index));
        Path dir = root.resolve("t-0");
        LogConfig config = new LogConfig(600 + random.nextInt(3000), 128 + random.nextInt(512), -1, -1, 0, 4096);
        OffsetLedger ledger = new OffsetLedger();
        SimulatedDisk disk = new SimulatedDisk(root);
        Writer writer = new Writer(random, ledger, "run" + index);
        int cuts = 0;
        for (int cut = 0; cut < 3; cut++) {
            cuts++;
            disk.cutPowerAfter(random.nextInt(MAX_OPERATIONS_BEFORE_CUT));
            try (PartitionLog log = PartitionLog.open(dir, config, CLOCK, disk)) {
                log.restoreState(BatchRanges.CODEC);
                writer.workUntilPowerIsLost(log);
            } catch (IOException expected) {
                // the power was cut
            }
            disk = disk.restartAfterPowerCut(random);
            if (random.nextInt(3) == 0) {
                // A cut during recovery itself: the next open must still find everything acknowledged.
                cuts++;
                disk.cutPowerAfter(random.nextInt(20));
                try (PartitionLog log = PartitionLog.open(dir, config, CLOCK, disk)) {
                    log.restoreState(BatchRanges.CODEC);
                    log.flush();
                } catch (IOException expected) {
                    // the power was cut
                }
                disk = disk.restartAfterPowerCut(random);
            }
            try (PartitionLog log = PartitionLog.open(dir, config, CLOCK, disk)) {
                BatchRanges state = log.restoreState(BatchRanges.CODEC);
                List<Map.Entry<Long, String>> records = readAll(log);
                ledger.check(log.logStartOffset(), log.logEndOffset(), records);
                state.check(log.logStartOffset(), log.logEndOffset(), batchesOf(log));
                // Recovery made what it kept durable: from now on it counts as acknowledged.
                Map<Long, String> values = new HashMap<>();
                records.forEach(record -> values.put(record.getKey(), record.getValue()));
                ledger.acknowledgedUpTo(log.logEndOffset(), values);
                writer.reopened(values);
            }
        }
        deleteTree(root);
        return cuts;
    }

    /** Random work on a log: appends, flushes, rolls, deletions of old segments and clean closes. */
    private static final class Writer {
        private final Random random;
        private final OffsetLedger ledger;
        private final String tag;
        private final Map<Long, String> lastWritten = new HashMap<>();
        private long counter;

        Writer(Random random, OffsetLedger ledger, String tag) {
            this.random = random;
            this.ledger = ledger;
            this.tag = tag;
        }

        void reopened(Map<Long, String> values) {
            lastWritten.putAll(values);
        }

        void workUntilPowerIsLost(PartitionLog log) throws IOException {
            while (true) {
                int action = random.nextInt(20);
                if (action < 12) {
                    append(log);
                } else if (action < 17) {
                    ledger.acknowledgedUpTo(log.flush(), lastWritten);
                } else if (action < 18) {
                    log.roll();
                } else if (action < 19) {
                    long before = ledger.acknowledgedEnd() == 0 ? 0 : random.nextLong(ledger.acknowledgedEnd());
                    ledger.mayBeDeletedBelow(before);
                    log.deleteSegmentsBefore(before);
                } else {
                    log.close();
                    return;
                }
            }
        }

        private void append(PartitionLog log) throws IOException {
            int batches = 1 + random.nextInt(3);
            ByteBuffer all = ByteBuffer.allocate(64 * 1024);
            long offset = log.logEndOffset();
            for (int b = 0; b < batches; b++) {
                int records = 1 + random.nextInt(4);
                MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(8 * 1024), Compression.NONE,
                        TimestampType.CREATE_TIME, 0L);
                for (int r = 0; r < records; r++) {
                    String value = tag + "-" + counter++ + "-" + "x".repeat(random.nextInt(400));
                    builder.append(CLOCK.millis(), null, value.getBytes(StandardCharsets.UTF_8));
                    ledger.written(offset, value);
                    lastWritten.put(offset, value);
                    offset++;
                }
                all.put(builder.build().buffer());
            }
            ValidBatches valid = BatchFormat.validate(all.flip());
            log.append(valid);
        }
    }

    /** A derived state: the offsets of every batch applied, in order. */
    private static final class BatchRanges implements DerivedState {
        static final DerivedState.Codec<BatchRanges> CODEC = new DerivedState.Codec<>() {
            @Override
            public BatchRanges empty() {
                return new BatchRanges();
            }

            @Override
            public BatchRanges restore(ByteBuffer snapshot) {
                ByteBuffer in = snapshot.duplicate();
                if (in.remaining() % (2 * Long.BYTES) != 0) {
                    throw new IllegalArgumentException("not a list of offset pairs");
                }
                BatchRanges ranges = new BatchRanges();
                while (in.hasRemaining()) {
                    ranges.batches.add(new long[] {in.getLong(), in.getLong()});
                }
                return ranges;
            }
        };

        final List<long[]> batches = new ArrayList<>();

        @Override
        public void apply(BatchSummary batch) {
            batches.add(new long[] {batch.baseOffset(), batch.lastOffset()});
        }

        @Override
        public ByteBuffer snapshot() {
            ByteBuffer out = ByteBuffer.allocate(batches.size() * 2 * Long.BYTES);
            batches.forEach(batch -> out.putLong(batch[0]).putLong(batch[1]));
            return out.flip();
        }

        /** The batches at or after the log start are {@code held}; those before it are contiguous and end there. */
        void check(long logStartOffset, long logEndOffset, List<long[]> held) {
            int first = 0;
            while (first < batches.size() && batches.get(first)[0] < logStartOffset) {
                first++;
            }
            List<long[]> inLog = batches.subList(first, batches.size());
            assertThat(inLog).as("the state's batches in [%d, %d)", logStartOffset, logEndOffset)
                    .usingElementComparator(java.util.Arrays::compare).containsExactlyElementsOf(held);
            long expectedNext = logStartOffset;
            for (int i = first - 1; i >= 0; i--) {
                assertThat(batches.get(i)[1] + 1).as("a batch of a deleted segment").isEqualTo(expectedNext);
                expectedNext = batches.get(i)[0];
            }
        }
    }

    /** The offsets of every batch the log holds, from its start. */
    private static List<long[]> batchesOf(PartitionLog log) throws IOException {
        List<long[]> batches = new ArrayList<>();
        long offset = log.logStartOffset();
        long end = log.logEndOffset();
        while (offset < end) {
            LogSlice slice = log.read(offset, 64 * 1024, end);
            ByteBuffer bytes = slice.readFully();
            for (var batch : MemoryRecords.readableRecords(bytes).batches()) {
                batches.add(new long[] {batch.baseOffset(), batch.lastOffset()});
            }
            offset = slice.nextOffset();
        }
        return batches;
    }

    private static List<Map.Entry<Long, String>> readAll(PartitionLog log) throws IOException {
        List<Map.Entry<Long, String>> records = new ArrayList<>();
        long offset = log.logStartOffset();
        long end = log.logEndOffset();
        while (offset < end) {
            LogSlice slice = log.read(offset, 64 * 1024, end);
            if (slice.isEmpty()) {
                throw new AssertionError("nothing read at offset " + offset + " before the log end " + end);
            }
            for (LogRecord record : BatchFormat.decode(slice.readFully(), offset)) {
                records.add(new AbstractMap.SimpleEntry<>(record.offset(),
                        new String(record.value(), StandardCharsets.UTF_8)));
            }
            offset = slice.nextOffset();
        }
        return records;
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
