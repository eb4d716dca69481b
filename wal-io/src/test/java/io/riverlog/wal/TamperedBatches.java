package io.riverlog.wal;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.utils.internals.ByteUtils;
import org.apache.kafka.common.utils.internals.Crc32C;

/**
 * Good v2 batches made bad in exactly one way, for tests of validation: a header field or a byte of
 * a record changed, then the CRC32C recomputed, so that only the intended rule is broken. Every
 * method works on a copy. Shared with other modules' tests through this module's test jar.
 */
public final class TamperedBatches {
    public static final int ATTRIBUTES = 21;
    public static final int LAST_OFFSET_DELTA = DefaultRecordBatch.LAST_OFFSET_DELTA_OFFSET;
    public static final int BASE_TIMESTAMP = BatchFormat.BASE_TIMESTAMP_OFFSET;
    public static final int MAX_TIMESTAMP = 35;
    public static final int PRODUCER_ID = 43;
    public static final int RECORD_COUNT = DefaultRecordBatch.RECORDS_COUNT_OFFSET;
    /** The attributes bit of a control batch (transaction markers). */
    public static final short CONTROL_FLAG = 0x20;
    /** The attributes bits of the compression codec. */
    public static final short COMPRESSION_BITS = 0x07;

    private TamperedBatches() {
    }

    /** A copy of {@code batch} (one whole batch, position to limit) at position 0. */
    public static ByteBuffer copy(ByteBuffer batch) {
        return ByteBuffer.allocate(batch.remaining()).put(batch.duplicate()).flip();
    }

    /** A copy changed by {@code change} (absolute puts at the offsets above), with its CRC32C recomputed. */
    public static ByteBuffer changed(ByteBuffer batch, Consumer<ByteBuffer> change) {
        ByteBuffer out = copy(batch);
        change.accept(out);
        return resealed(out);
    }

    /** A copy whose record count says {@code count}. */
    public static ByteBuffer withRecordCount(ByteBuffer batch, int count) {
        return changed(batch, b -> b.putInt(RECORD_COUNT, count));
    }

    /** A copy whose record count and last offset delta agree on {@code count}, whatever the records say. */
    public static ByteBuffer withConsistentCount(ByteBuffer batch, int count) {
        return changed(batch, b -> b.putInt(RECORD_COUNT, count).putInt(LAST_OFFSET_DELTA, count - 1));
    }

    /**
     * A copy whose base timestamp is {@code timestampMs}, which moves every record's timestamp with it;
     * a negative one passes validation (as in Kafka), but kafka-clients' builder refuses to write it.
     */
    public static ByteBuffer withBaseTimestamp(ByteBuffer batch, long timestampMs) {
        return changed(batch, b -> b.putLong(BASE_TIMESTAMP, timestampMs));
    }

    /** A copy with byte {@code position} set to {@code value}. */
    public static ByteBuffer withByte(ByteBuffer batch, int position, byte value) {
        return changed(batch, b -> b.put(position, value));
    }

    /** Where record {@code index} (its length varint) starts in an uncompressed batch. */
    public static int recordStart(ByteBuffer batch, int index) {
        ByteBuffer in = copy(batch).position(DefaultRecordBatch.RECORD_BATCH_OVERHEAD);
        for (int i = 0; i < index; i++) {
            int bodyBytes = ByteUtils.readVarint(in);
            in.position(in.position() + bodyBytes);
        }
        return in.position();
    }

    /**
     * Where the offset delta of record {@code index} starts in an uncompressed batch whose records'
     * lengths and timestamp deltas each take one byte (small test records).
     */
    public static int offsetDeltaAt(ByteBuffer batch, int index) {
        return recordStart(batch, index) + 3;
    }

    /** Recomputes the CRC32C of a whole batch at position 0, in place; returns it. */
    public static ByteBuffer resealed(ByteBuffer batch) {
        long crc = Crc32C.compute(batch, ATTRIBUTES, batch.limit() - ATTRIBUTES);
        batch.putInt(DefaultRecordBatch.CRC_OFFSET, (int) crc);
        return batch;
    }
}
