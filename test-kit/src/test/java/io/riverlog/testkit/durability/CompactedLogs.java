package io.riverlog.testkit.durability;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.Compaction;
import io.riverlog.wal.CompactionPlan;
import io.riverlog.wal.IoBudget;
import io.riverlog.wal.KeyOffsetMap;
import io.riverlog.wal.LogRecord;
import io.riverlog.wal.LogSlice;
import io.riverlog.wal.PartitionLog;
import io.riverlog.wal.ValidBatches;

/** Keyed batches in, "key=value" records out, and a whole compaction of a log, for the compaction tests. */
final class CompactedLogs {
    /** A tombstone's value as {@link #readAll} shows it. */
    static final String TOMBSTONE = "null";
    private static final int MAP_BYTES = 64 * 1024;
    private static final int READ_BYTES = 64 * 1024;

    private CompactedLogs() {
    }

    /** One batch of records with these keys and values (a null value is a tombstone). */
    static ValidBatches batch(long timestampMs, List<Map.Entry<String, String>> records) {
        return BatchFormat.batchOf(records.stream().map(record -> new BatchFormat.NewRecord(timestampMs,
                record.getKey().getBytes(StandardCharsets.UTF_8),
                record.getValue() == null ? null : record.getValue().getBytes(StandardCharsets.UTF_8),
                List.of())).toList());
    }

    /** Plans, runs and swaps in a whole compaction; returns the groups of segments swapped in. */
    static int compact(PartitionLog log) throws IOException, InterruptedException {
        java.util.Optional<CompactionPlan> plan = log.planCompaction();
        if (plan.isEmpty()) {
            return 0;
        }
        Compaction.Prepared prepared = Compaction.run(plan.get(), new KeyOffsetMap(MAP_BYTES), new IoBudget(0),
                () -> false, ByteBuffer.allocate(READ_BYTES));
        return log.swapIn(prepared);
    }

    /** Every record from {@code from} to the log end: offset to "key=value". */
    static Map<Long, String> readAll(PartitionLog log, long from) throws IOException {
        Map<Long, String> out = new LinkedHashMap<>();
        long offset = from;
        while (offset < log.logEndOffset()) {
            LogSlice slice = log.read(offset, READ_BYTES, Long.MAX_VALUE);
            for (LogRecord record : BatchFormat.decode(slice.readFully(), offset)) {
                out.put(record.offset(), new String(record.key(), StandardCharsets.UTF_8) + "="
                        + (record.value() == null ? TOMBSTONE : new String(record.value(), StandardCharsets.UTF_8)));
            }
            offset = slice.nextOffset();
        }
        return out;
    }
}
