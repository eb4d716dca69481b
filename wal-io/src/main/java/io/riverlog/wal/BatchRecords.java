package io.riverlog.wal;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.apache.kafka.common.utils.internals.ByteUtils;
import org.apache.kafka.common.utils.internals.CloseableIterator;

/**
 * The records inside one produced v2 batch, checked as Kafka's broker checks them before an append:
 * exactly the batch's record count of them, with offset deltas 0, 1, 2, ..., each parsing to exactly
 * its declared length, and nothing after the last. Compressed records are decompressed by
 * kafka-clients' own iterator, keys and values skipped; uncompressed ones are walked in place, varint
 * by varint, with no allocation per record, because this runs on every produce.
 *
 * <p>Record layout (lengths are zig-zag varints; a negative key, value or header-value length is null):
 * <pre>
 *   length          varint   bytes of the record after this field
 *   attributes      int8     unused
 *   timestampDelta  varlong  from the batch's base timestamp
 *   offsetDelta     varint   from the batch's base offset
 *   keyLength       varint   then the key
 *   valueLength     varint   then the value
 *   headerCount     varint   then per header: keyLength (not negative), key, valueLength, value
 * </pre>
 */
final class BatchRecords {
    /** Decompression buffers, kept per thread as Kafka's request handlers keep theirs. */
    static final ThreadLocal<BufferSupplier> DECOMPRESSION_BUFFERS =
            ThreadLocal.withInitial(BufferSupplier::create);

    private BatchRecords() {
    }

    /** What the check of a batch's records found: their timestamps, and whether any has no key. */
    record Checked(TimestampRange timestamps, boolean keyless) {
    }

    /**
     * Checks the {@code recordCount} records of {@code batch}, whose whole bytes are {@code batchBytes}
     * (position to limit); returns the smallest and largest record timestamps, and whether a record has no key.
     *
     * @throws InvalidBatchException naming the batch, the record and what is wrong
     */
    static Checked check(MutableRecordBatch batch, ByteBuffer batchBytes, int recordCount, int batchIndex) {
        if (batch.isCompressed()) {
            return checkCompressed(batch, recordCount, batchIndex);
        }
        long baseTimestamp = batchBytes.getLong(batchBytes.position() + BatchFormat.BASE_TIMESTAMP_OFFSET);
        return checkInPlace(batchBytes, baseTimestamp, recordCount, batchIndex);
    }

    private static Checked checkCompressed(MutableRecordBatch batch, int recordCount, int batchIndex) {
        TimestampRange.Builder timestamps = new TimestampRange.Builder();
        boolean keyless = false;
        int index = 0;
        // The iterator yields exactly the declared count, and fails on a stream that ends early or goes on.
        try (CloseableIterator<Record> records = batch.skipKeyValueIterator(DECOMPRESSION_BUFFERS.get())) {
            while (records.hasNext()) {
                Record record = records.next();
                checkOffsetDelta(record.offset() - batch.baseOffset(), index, recordCount, batchIndex);
                timestamps.add(record.timestamp());
                keyless |= !record.hasKey();
                index++;
            }
        } catch (KafkaException e) {
            throw invalid(batchIndex, index, recordCount,
                    "cannot be read after decompression (" + e.getMessage() + ")");
        }
        return new Checked(timestamps.build(), keyless);
    }

    private static Checked checkInPlace(ByteBuffer batchBytes, long baseTimestamp, int recordCount,
                                        int batchIndex) {
        ByteBuffer in = batchBytes.duplicate();
        int end = in.limit();
        in.position(in.position() + DefaultRecordBatch.RECORD_BATCH_OVERHEAD);
        TimestampRange.Builder timestamps = new TimestampRange.Builder();
        boolean keyless = false;
        for (int index = 0; index < recordCount; index++) {
            if (!in.hasRemaining()) {
                throw invalid(batchIndex, index, recordCount, "is missing: the batch ends before it");
            }
            try {
                int bodyBytes = ByteUtils.readVarint(in);
                if (bodyBytes < 0 || bodyBytes > in.remaining()) {
                    throw invalid(batchIndex, index, recordCount, "has length " + bodyBytes + " but "
                            + in.remaining() + " bytes of the batch are left");
                }
                int recordEnd = in.position() + bodyBytes;
                // Fields cannot run into the next record: reading past its end underflows.
                in.limit(recordEnd);
                in.get();
                long timestampDelta = ByteUtils.readVarlong(in);
                checkOffsetDelta(ByteUtils.readVarint(in), index, recordCount, batchIndex);
                keyless |= skipNullable(in) < 0;
                skipNullable(in);
                int headers = ByteUtils.readVarint(in);
                if (headers < 0) {
                    throw invalid(batchIndex, index, recordCount, "has " + headers + " headers");
                }
                for (int h = 0; h < headers; h++) {
                    int keyBytes = ByteUtils.readVarint(in);
                    if (keyBytes < 0) {
                        throw invalid(batchIndex, index, recordCount, "has a header key of length " + keyBytes);
                    }
                    skip(in, keyBytes);
                    skipNullable(in);
                }
                if (in.hasRemaining()) {
                    throw invalid(batchIndex, index, recordCount, "has length " + bodyBytes + " but its fields end "
                            + in.remaining() + " bytes before that");
                }
                in.limit(end);
                timestamps.add(baseTimestamp + timestampDelta);
            } catch (BufferUnderflowException e) {
                throw invalid(batchIndex, index, recordCount, "has fields that run past its length");
            } catch (IllegalArgumentException e) {
                // ByteUtils refuses a varint of more bytes than its type holds.
                throw invalid(batchIndex, index, recordCount, "cannot be read: " + e.getMessage());
            }
        }
        if (in.hasRemaining()) {
            throw new InvalidBatchException("batch " + batchIndex + ": " + in.remaining()
                    + " bytes follow its last record (" + recordCount + " records declared)");
        }
        return new Checked(timestamps.build(), keyless);
    }

    private static void checkOffsetDelta(long offsetDelta, int index, int recordCount, int batchIndex) {
        if (offsetDelta != index) {
            throw invalid(batchIndex, index, recordCount, "has offset delta " + offsetDelta
                    + "; a batch's records must have the deltas 0, 1, 2, ... in order");
        }
    }

    /** Skips a length-prefixed field whose negative length means null; returns that length. */
    private static int skipNullable(ByteBuffer in) {
        int length = ByteUtils.readVarint(in);
        if (length > 0) {
            skip(in, length);
        }
        return length;
    }

    private static void skip(ByteBuffer in, int length) {
        if (length > in.remaining()) {
            throw new BufferUnderflowException();
        }
        in.position(in.position() + length);
    }

    private static InvalidBatchException invalid(int batchIndex, int index, int recordCount, String problem) {
        return new InvalidBatchException("batch " + batchIndex + ": record " + index + " of " + recordCount + " "
                + problem);
    }
}
