package io.riverlog.actors.partition;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The newest batches of a partition, kept in memory so that readers near the tail never touch the
 * disk. Bounded by bytes, its own and those of all partitions together ({@link BufferMemory}): the
 * oldest batches are dropped first. It is only a cache of the log's
 * tail: whatever it dropped is read from the log, through the same read call. Owned by one
 * {@link PartitionActor}; not thread-safe. Readers get views that share the batches' bytes (a
 * fetch answer is sent from them without a copy), so nobody writes to a batch once it is added.
 */
final class TailBuffer {
    private record Batch(long baseOffset, long lastOffset, ByteBuffer bytes) {
    }

    /**
     * A batch that is a view of an array more than this many times its size (a produce request
     * with batches for several partitions) is copied before it is kept: otherwise the whole
     * request would stay in memory while the buffer counts only the batch.
     */
    private static final int SHARED_ARRAY_FACTOR = 2;

    private final long maxBytes;
    private final BufferMemory memory;
    private final TreeMap<Long, Batch> batches = new TreeMap<>();
    private long bytes;

    TailBuffer(long maxBytes, BufferMemory memory) {
        this.maxBytes = maxBytes;
        this.memory = memory;
    }

    /**
     * Keeps a batch (offsets assigned) and drops the oldest batches while this buffer is past its
     * own bound or all buffers together are past theirs.
     */
    void add(long baseOffset, long lastOffset, ByteBuffer batch) {
        if (batch.hasArray() && batch.array().length > (long) SHARED_ARRAY_FACTOR * batch.remaining()) {
            batch = ByteBuffer.wrap(Arrays.copyOfRange(batch.array(),
                    batch.arrayOffset() + batch.position(), batch.arrayOffset() + batch.limit()));
        }
        batches.put(baseOffset, new Batch(baseOffset, lastOffset, batch));
        bytes += batch.remaining();
        memory.add(batch.remaining());
        while ((bytes > maxBytes || memory.overBound()) && !batches.isEmpty()) {
            forget(batches.pollFirstEntry().getValue());
        }
    }

    /** Forgets every batch at or after {@code offset}: they were never committed and will not be. */
    void truncateFrom(long offset) {
        while (!batches.isEmpty() && batches.lastKey() >= offset) {
            forget(batches.pollLastEntry().getValue());
        }
    }

    /** Forgets every batch that holds only offsets below {@code offset}: they were deleted. */
    void forgetBelow(long offset) {
        while (!batches.isEmpty() && batches.firstEntry().getValue().lastOffset < offset) {
            forget(batches.pollFirstEntry().getValue());
        }
    }

    /** Forgets every batch, giving their bytes back to the shared bound (the partition stops). */
    void clear() {
        while (!batches.isEmpty()) {
            forget(batches.pollFirstEntry().getValue());
        }
    }

    private void forget(Batch batch) {
        bytes -= batch.bytes.remaining();
        memory.release(batch.bytes.remaining());
    }

    /** The smallest offset the buffer can serve; {@link Long#MAX_VALUE} when it is empty. */
    long minOffset() {
        return batches.isEmpty() ? Long.MAX_VALUE : batches.firstKey();
    }

    long sizeInBytes() {
        return bytes;
    }

    /**
     * Whole batches from the one holding {@code offset}: at least one, more while they fit in
     * {@code maxBytes}, none holding an offset at or past {@code upperBound}. Empty if the first
     * batch is not below the bound. The caller checked {@code offset >= minOffset()}.
     */
    Slice read(long offset, int maxBytes, long upperBound) {
        Map.Entry<Long, Batch> first = batches.floorEntry(offset);
        List<ByteBuffer> out = new ArrayList<>();
        long next = offset;
        if (first == null) {
            return new Slice(out, offset, next);
        }
        long total = 0;
        for (Batch batch : batches.tailMap(first.getKey(), true).values()) {
            int size = batch.bytes.remaining();
            if (batch.lastOffset >= upperBound || (!out.isEmpty() && total + size > maxBytes)) {
                break;
            }
            out.add(batch.bytes.duplicate());
            total += size;
            next = batch.lastOffset + 1;
        }
        return new Slice(out, out.isEmpty() ? offset : first.getKey(), next);
    }

    /**
     * Batches read from the buffer, the base offset of the first of them (may be below the offset
     * asked for), and the offset after the last of them.
     */
    record Slice(List<ByteBuffer> batches, long firstOffset, long nextOffset) {
    }
}
