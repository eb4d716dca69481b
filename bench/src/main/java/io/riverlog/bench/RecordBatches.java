package io.riverlog.bench;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;

/**
 * Kafka v2 record batches of an exact size, as a producer would send them: uncompressed, no key,
 * values of about {@value #VALUE_BYTES} random bytes, one timestamp for the whole batch.
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
