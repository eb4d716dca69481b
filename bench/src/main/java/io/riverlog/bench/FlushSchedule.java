package io.riverlog.bench;

import java.util.concurrent.TimeUnit;

/**
 * When {@link AppendFlushBenchmark}, which drives a {@code PartitionLog} directly, calls its
 * {@code flush()} (one fsync): a stand-in for the partition's fsync policy, without its group commit.
 */
public enum FlushSchedule {
    /** After every append: nothing is acknowledged before it is durable. */
    batch {
        @Override
        boolean flushDue(long nowNanos, long lastFlushNanos) {
            return true;
        }
    },
    /** At most every {@value #INTERVAL_MS} ms, whatever was appended meanwhile in one fsync. */
    interval {
        @Override
        boolean flushDue(long nowNanos, long lastFlushNanos) {
            return nowNanos - lastFlushNanos >= INTERVAL_NANOS;
        }
    },
    /** Never: the kernel writes the page cache back when it likes (segments are still fsynced when they roll). */
    os {
        @Override
        boolean flushDue(long nowNanos, long lastFlushNanos) {
            return false;
        }
    };

    static final long INTERVAL_MS = 10;
    private static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(INTERVAL_MS);

    abstract boolean flushDue(long nowNanos, long lastFlushNanos);
}
