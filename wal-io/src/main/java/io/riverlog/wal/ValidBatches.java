package io.riverlog.wal;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * One or more whole v2 record batches that {@link BatchFormat#validate} checked (framing, CRC32C,
 * header and records); only it makes one from received bytes, so whatever a log appends went through
 * the same checks. {@link BatchRecompression} rebuilds checked batches in another codec, into bytes
 * that pass the same checks. The buffer is owned by the log once appended: it is patched in place
 * with assigned offsets and must not be written by anyone else.
 */
public final class ValidBatches {
    private final ByteBuffer buffer;
    private final List<BatchInfo> batches;
    private final int receivedSizeInBytes;

    ValidBatches(ByteBuffer buffer, List<BatchInfo> batches, int receivedSizeInBytes) {
        this.buffer = buffer;
        this.batches = batches;
        this.receivedSizeInBytes = receivedSizeInBytes;
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    public List<BatchInfo> batches() {
        return batches;
    }

    public int sizeInBytes() {
        return buffer.limit();
    }

    /** The size of the batches as they were validated, before the broker recompressed any of them. */
    public int receivedSizeInBytes() {
        return receivedSizeInBytes;
    }

    public int recordCount() {
        int count = 0;
        for (BatchInfo batch : batches) {
            count += batch.recordCount();
        }
        return count;
    }

    public long maxTimestamp() {
        long max = -1;
        for (BatchInfo batch : batches) {
            max = Math.max(max, batch.maxTimestamp());
        }
        return max;
    }
}
