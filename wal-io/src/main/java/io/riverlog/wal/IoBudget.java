package io.riverlog.wal;

/**
 * A rate limit on the bytes a background task reads and writes, shared by its threads: a caller that
 * is ahead of the rate sleeps until it is not. Compaction uses it, so that rewriting a log leaves the
 * disk to appends and reads. A rate of 0 limits nothing.
 */
public final class IoBudget {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** The rate is kept over windows of this length, so a pause does not earn a burst later. */
    private static final long WINDOW_NANOS = NANOS_PER_SECOND;

    private final long bytesPerSecond;
    private long windowStart = System.nanoTime();
    private long bytesInWindow;

    public IoBudget(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("bytes per second must be 0 (no limit) or more");
        }
        this.bytesPerSecond = bytesPerSecond;
    }

    public long bytesPerSecond() {
        return bytesPerSecond;
    }

    /** Counts {@code bytes}, sleeping first if the rate would be exceeded. */
    public void spend(long bytes) throws InterruptedException {
        if (bytesPerSecond == 0) {
            return;
        }
        long sleepNanos;
        synchronized (this) {
            long now = System.nanoTime();
            if (now - windowStart >= WINDOW_NANOS) {
                windowStart = now;
                bytesInWindow = 0;
            }
            bytesInWindow += bytes;
            long dueNanos = (long) ((double) bytesInWindow * NANOS_PER_SECOND / bytesPerSecond);
            sleepNanos = dueNanos - (now - windowStart);
        }
        if (sleepNanos > 0) {
            Thread.sleep(sleepNanos / 1_000_000, (int) (sleepNanos % 1_000_000));
        }
    }
}
