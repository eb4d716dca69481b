package io.riverlog.streams;

import java.nio.ByteBuffer;
import java.util.List;

import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogRecord;

/**
 * What one read of a partition returned: whole Kafka v2 record batches, byte for byte as stored,
 * covering the offsets {@code [fromOffset, nextOffset)}. The first batch may start before
 * {@code fromOffset} (a read starts with the batch that holds the offset asked for); the last one
 * ends just before {@code nextOffset}, where the next read continues.
 *
 * @param batches       a read-only view of the bytes (it may share memory with the partition's
 *                      tail buffer)
 * @param fromOffset    the offset the read asked for
 * @param nextOffset    the offset after the last batch
 * @param highWatermark the partition's high watermark when it answered, for measuring lag
 */
public record FetchedBatches(ByteBuffer batches, long fromOffset, long nextOffset, long highWatermark) {

    /** The records at or after {@code fromOffset}, decompressed; control batches are skipped. */
    public List<LogRecord> records() {
        return BatchFormat.decode(batches, fromOffset);
    }

    public int sizeInBytes() {
        return batches.remaining();
    }

    /** True when the read ended its wait at the tail with nothing new. */
    boolean isEmpty() {
        return !batches.hasRemaining();
    }
}
