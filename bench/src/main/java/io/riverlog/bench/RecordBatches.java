package io.riverlog.bench;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;

/**
 * Kafka v2 record batches as a producer would send them: uncompressed, no key, random values, one
 * timestamp for the whole batch. Either of an exact size ({@link #ofSize}, values of about
 * {@value #VALUE_BYTES} bytes) or filled the way a producer fills one ({@link #filledAsProducer}).
 */
final class RecordBatches {
    static final int VALUE_BYTES = 100;

    private RecordBatches() {
    }

    /** A batch of exactly {@code sizeInBytes} bytes (position 0, limit the size, heap buffer). */
    static ByteBuffer ofSize(int sizeInBytes, long timestampMs, SplittableRandom random) {
        // Every record but the last has VALUE_BYTES; the last one's value is sized to hit the target.
        // Its size can jump by one where a varint grows a byte, so a few lengths are tried.
        // A record takes up to 12 bytes besides its value (lengths, deltas, attributes, header count).
        int fullRecords = Math.max(0, (sizeInBytes - 200) / (VALUE_BYTES + 12));
        byte[][] values = new byte[fullRecords + 1][];
        for (int i = 0; i < fullRecords; i++) {
            values[i] = randomBytes(VALUE_BYTES, random);
        }
        int lastValueBytes = 0;
        for (int attempt = 0; attempt < 8; attempt++) {
            values[fullRecords] = randomBytes(lastValueBytes, random);
            ByteBuffer batch = build(values, timestampMs, sizeInBytes);
            int missing = sizeInBytes - batch.remaining();
            if (missing == 0) {
                return batch;
            }
            lastValueBytes += missing;
            if (lastValueBytes < 0) {
                break;
            }
        }
        throw new IllegalArgumentException("cannot build a v2 batch of exactly " + sizeInBytes + " bytes");
    }

    /**
     * The batch a producer with {@code batch.size = batchBytes} sends when records of
     * {@code valueBytes} arrive faster than it sends: it appends records while the builder says the
     * next one still fits in {@code batchBytes}, so the batch is a little smaller than that
     * (position 0, limit its size, heap buffer).
     */
    static ByteBuffer filledAsProducer(int batchBytes, int valueBytes, long timestampMs, SplittableRandom random) {
        return filledAsProducer(batchBytes, valueBytes, timestampMs, random, Compression.NONE);
    }

    /** As {@link #filledAsProducer(int, int, long, SplittableRandom)}, with the records compressed. */
    static ByteBuffer filledAsProducer(int batchBytes, int valueBytes, long timestampMs, SplittableRandom random,
                                       Compression compression) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(batchBytes), compression,
                TimestampType.CREATE_TIME, 0L);
        Header[] noHeaders = new Header[0];
        byte[] value = randomBytes(valueBytes, random);
        while (builder.hasRoomFor(timestampMs, null, value, noHeaders)) {
            builder.append(timestampMs, null, value);
            value = randomBytes(valueBytes, random);
        }
        ByteBuffer built = builder.build().buffer();
        if (built.remaining() > batchBytes) {
            throw new IllegalArgumentException("a record of " + valueBytes + " bytes does not fit a batch of "
                    + batchBytes + " bytes");
        }
        ByteBuffer exact = ByteBuffer.allocate(built.remaining());
        exact.put(built.duplicate()).flip();
        return exact;
    }

    private static ByteBuffer build(byte[][] values, long timestampMs, int expectedBytes) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(expectedBytes + 1024),
                Compression.NONE, TimestampType.CREATE_TIME, 0L);
        for (byte[] value : values) {
            builder.append(timestampMs, null, value);
        }
        ByteBuffer built = builder.build().buffer();
        ByteBuffer exact = ByteBuffer.allocate(built.remaining());
        exact.put(built.duplicate()).flip();
        return exact;
    }

    private static byte[] randomBytes(int length, SplittableRandom random) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i += Long.BYTES) {
            long bits = random.nextLong();
            for (int j = i; j < Math.min(length, i + Long.BYTES); j++) {
                bytes[j] = (byte) bits;
                bits >>>= 8;
            }
        }
        return bytes;
    }
}
