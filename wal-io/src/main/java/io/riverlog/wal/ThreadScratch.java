package io.riverlog.wal;

import java.nio.ByteBuffer;

/**
 * One direct read buffer per thread for one kind of work, at least as large as asked. The threads
 * that open and read logs are few (the blocking-IO dispatcher's), partitions are many: a buffer per
 * partition, or per read, would be allocated and zeroed again and again, and a thousand partitions
 * opening at once would reach the JVM's direct-memory limit, which it meets with full collections.
 */
final class ThreadScratch {
    private final ThreadLocal<ByteBuffer> buffers = new ThreadLocal<>();

    /** This thread's buffer, cleared, with at least {@code capacity} bytes. */
    ByteBuffer get(int capacity) {
        ByteBuffer buffer = buffers.get();
        if (buffer == null || buffer.capacity() < capacity) {
            buffer = ByteBuffer.allocateDirect(capacity);
            buffers.set(buffer);
        }
        return buffer.clear();
    }
}
