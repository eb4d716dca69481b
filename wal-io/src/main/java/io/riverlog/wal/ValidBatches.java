package io.riverlog.wal;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * One or more whole v2 record batches whose sizes, magic and CRC32C were checked by
 * {@link BatchFormat#validate}. The buffer is owned by the log once appended: it is patched in
 * place with assigned offsets and must not be written by anyone else.
 */
public record ValidBatches(ByteBuffer buffer, List<BatchInfo> batches) {

    public int sizeInBytes() {
        return buffer.limit();
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
