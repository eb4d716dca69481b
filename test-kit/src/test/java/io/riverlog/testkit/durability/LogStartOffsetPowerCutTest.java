package io.riverlog.testkit.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Comparator;
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
import io.riverlog.wal.LogConfig;
import io.riverlog.wal.LogRecord;
import io.riverlog.wal.LogSlice;
import io.riverlog.wal.OffsetOutOfRangeException;
import io.riverlog.wal.PartitionLog;
import io.riverlog.wal.ValidBatches;

/**
 * Deleting records on a disk that loses power at random moments: while the log start offset is
 * being moved (staged, renamed, its directory fsynced), while the segments below it are deleted,
 * while appending, rolling and closing, and while recovering from the previous cut. After every cut
 * the log start is the last one a move acknowledged, or the one a move under way was storing, never
 * less than an acknowledged one; reads below it are out of range; and every acknowledged record at
 * or above it is there unchanged, at contiguous offsets.
 */
class LogStartOffsetPowerCutTest {
    private static final String SEED = "riverlog.power-cuts.log-start.seed";
    private static final Clock CLOCK = Clock.systemUTC();
    /** Operations of the disk (writes, fsyncs, directory changes) a run may do before its power is cut. */
    private static final int MAX_OPERATIONS_BEFORE_CUT = 150;

    @TempDir(factory = InMemoryTempDir.class)
    Path tmp;

    @Test
    void acknowledgedMovesOfTheLogStartSurvivePowerCuts() throws Exception {
        assertThat(PowerCutRuns.repeat(SEED, 300, this::cutThreeTimes)).isGreaterThanOrEqualTo(1000);
    }

    @Tag("volume")
    @Test
    void acknowledgedMovesOfTheLogStartSurviveManyPowerCuts() throws Exception {
        assertThat(PowerCutRuns.repeat(SEED, 3_000, this::cutThreeTimes)).isGreaterThanOrEqualTo(10_800);
    }

    private int cutThreeTimes(Random random, int index) throws Exception {
        Path root = Files.createDirectory(tmp.resolve("run-" + index));
        Path dir = root.resolve("t-0");
        LogConfig config = new LogConfig(600 + random.nextInt(2000), 128 + random.nextInt(512), -1, -1, 0, 4096);
        OffsetLedger ledger = new OffsetLedger();
        Starts starts = new Starts();
        SimulatedDisk disk = new SimulatedDisk(root);
        Writer writer = new Writer(random, ledger, starts, "run" + index);
        int cuts = 0;
        for (int cut = 0; cut < 3; cut++) {
            cuts++;
            disk.cutPowerAfter(random.nextInt(MAX_OPERATIONS_BEFORE_CUT));
            try (PartitionLog log = PartitionLog.open(dir, config, CLOCK, disk)) {
                writer.workUntilPowerIsLost(log);
            } catch (IOException expected) {
                // the power was cut
            }
            disk = disk.restartAfterPowerCut(random);
            if (random.nextInt(3) == 0) {
                // A cut during recovery itself, which deletes the segments a move left below the start.
                cuts++;
                disk.cutPowerAfter(random.nextInt(20));
                try (PartitionLog log = PartitionLog.open(dir, config, CLOCK, disk)) {
                    log.flush();
                } catch (IOException expected) {
                    // the power was cut
                }
                disk = disk.restartAfterPowerCut(random);
            }
            try (PartitionLog log = PartitionLog.open(dir, config, CLOCK, disk)) {
                long start = log.logStartOffset();
                starts.check(start);
                if (start > 0) {
                    assertThatThrownBy(() -> log.read(start - 1, 1, log.logEndOffset()))
                            .as("a read below the log start %d", start).isInstanceOf(OffsetOutOfRangeException.class);
                }
                List<Map.Entry<Long, String>> records = readFromStart(log);
                ledger.check(start, log.logEndOffset(), records);
                // What the opening found is durable now: it counts as acknowledged from here on.
                starts.acknowledged(start);
                Map<Long, String> values = new HashMap<>();
                records.forEach(record -> values.put(record.getKey(), record.getValue()));
                ledger.acknowledgedUpTo(log.logEndOffset(), writer.reopened(values));
            }
        }
        deleteTree(root);
        return cuts;
    }

    /** The log starts a run acknowledged, and the one a move was storing when the power went. */
    private static final class Starts {
        private long acknowledged;
        private long inFlight = -1;

        void moving(long offset) {
            inFlight = offset;
        }

        void acknowledged(long offset) {
            acknowledged = Math.max(acknowledged, offset);
            inFlight = -1;
        }

        /** The start a reopened log has: the acknowledged one, or the one under way. */
        void check(long start) {
            if (start != acknowledged) {
                assertThat(start).as("log start after a cut, with %d acknowledged", acknowledged).isEqualTo(inFlight);
                assertThat(start).as("log start after a cut").isGreaterThan(acknowledged);
            }
        }
    }

    /** Random work on a log: appends, flushes, rolls, moves of the log start and clean closes. */
    private static final class Writer {
        private final Random random;
        private final OffsetLedger ledger;
        private final Starts starts;
        private final String tag;
        private final Map<Long, String> lastWritten = new HashMap<>();
        private long counter;

        Writer(Random random, OffsetLedger ledger, Starts starts, String tag) {
            this.random = random;
            this.ledger = ledger;
            this.starts = starts;
            this.tag = tag;
        }

        /**
         * What a reopened log holds from its start on; returns the values known at every offset (below the
         * start, the last written: those offsets are never read again).
         */
        Map<Long, String> reopened(Map<Long, String> values) {
            lastWritten.putAll(values);
            return lastWritten;
        }

        void workUntilPowerIsLost(PartitionLog log) throws IOException {
            while (true) {
                int action = random.nextInt(20);
                if (action < 11) {
                    append(log);
                } else if (action < 15) {
                    ledger.acknowledgedUpTo(log.flush(), lastWritten);
                } else if (action < 16) {
                    log.roll();
                } else if (action < 19) {
                    moveStart(log);
                } else {
                    log.close();
                    return;
                }
            }
        }

        /** As the partition does: up to the acknowledged end (the high watermark), then the segments below go. */
        private void moveStart(PartitionLog log) throws IOException {
            long start = log.logStartOffset();
            long target = start + random.nextLong(log.durableEndOffset() - start + 1);
            ledger.mayBeDeletedBelow(target);
            starts.moving(target);
            long moved = log.moveLogStartOffset(target);
            assertThat(moved).isEqualTo(target);
            starts.acknowledged(moved);
            log.deleteSegmentsBelowLogStart();
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
                    String value = tag + "-" + counter++ + "-" + "x".repeat(random.nextInt(300));
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

    /** Every record from the log start to the log end, as (offset, value); none below the start. */
    private static List<Map.Entry<Long, String>> readFromStart(PartitionLog log) throws IOException {
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
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
