package io.riverlog.bench;

import java.io.IOException;
import java.util.SplittableRandom;

import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.PartitionLog;

/**
 * Writes a log for benchmarks that need one to exist: distinct batches with timestamps one
 * millisecond apart, ending about now, so that the time index is as full as it gets in practice
 * (an entry beside every offset-index entry).
 */
final class LogFilling {

    private LogFilling() {
    }

    /**
     * Appends {@code totalBytes} (rounded down to whole batches) of {@code batchBytes}-byte batches.
     * With {@code flushFirstBatchOnly}, the log is fsynced once, after the first batch, so that the
     * recovery point stays at the start and the rest stays in the page cache, as after a crash of a
     * log that was never flushed; otherwise it is fsynced once at the end. Returns the log end offset.
     */
    static long append(PartitionLog log, long totalBytes, int batchBytes, boolean flushFirstBatchOnly)
            throws IOException {
        long batches = totalBytes / batchBytes;
        long firstTimestamp = System.currentTimeMillis() - batches;
        SplittableRandom random = new SplittableRandom(42);
        for (long i = 0; i < batches; i++) {
            log.append(BatchFormat.validate(RecordBatches.ofSize(batchBytes, firstTimestamp + i, random)));
            if (i == 0 && flushFirstBatchOnly) {
                log.flush();
            }
        }
        if (!flushFirstBatchOnly) {
            log.flush();
        }
        return log.logEndOffset();
    }
}
