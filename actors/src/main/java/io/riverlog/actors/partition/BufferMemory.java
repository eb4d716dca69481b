package io.riverlog.actors.partition;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes the tail buffers of all partitions hold together, against one bound
 * ({@code riverlog.partition.all-buffers-max-bytes}): without it every partition could keep its
 * own {@code buffer-max-bytes}, and enough partitions would fill the heap. Partitions add and
 * release their batches' bytes here; a partition that appends while the total is over the bound
 * drops its own oldest batches (reads of them go to the log). Thread-safe.
 */
public final class BufferMemory {
    private final long maxBytes;
    private final AtomicLong used = new AtomicLong();

    public BufferMemory(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("riverlog.partition.all-buffers-max-bytes must not be negative, not "
                    + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    public long usedBytes() {
        return used.get();
    }

    boolean overBound() {
        return used.get() > maxBytes;
    }

    void add(long bytes) {
        used.addAndGet(bytes);
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }
}
