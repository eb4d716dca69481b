package io.riverlog.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;

import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogRecord;
import io.riverlog.wal.ValidBatches;

/**
 * Record batches as a producer builds them, where every record says which offset it expects to
 * get: the record at offset n has the key {@code key-n}, a value starting {@code value-n}, the
 * timestamp {@code FIRST_TIMESTAMP_MS + n} and one header {@code offset: n}. What a stream returns
 * is then checked against its offsets alone.
 */
final class ProducedRecords {
    static final long FIRST_TIMESTAMP_MS = 1_700_000_000_000L;
    /** Values are padded to this size so that batches have a realistic weight. */
    static final int VALUE_BYTES = 100;
    private static final int RECORD_OVERHEAD_BYTES = 128;

    private ProducedRecords() {
    }

    /** One batch of {@code count} records meant for offsets {@code firstOffset} on. */
    static ValidBatches batch(long firstOffset, int count, Compression compression) {
        ByteBuffer buffer = ByteBuffer.allocate(count * (VALUE_BYTES + RECORD_OVERHEAD_BYTES) + RECORD_OVERHEAD_BYTES);
        MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, compression, TimestampType.CREATE_TIME, 0L);
        for (long offset = firstOffset; offset < firstOffset + count; offset++) {
            builder.append(FIRST_TIMESTAMP_MS + offset, key(offset), value(offset),
                    new Header[] {new RecordHeader("offset", text(Long.toString(offset)))});
        }
        return BatchFormat.validate(builder.build().buffer());
    }

    static byte[] key(long offset) {
        return text("key-" + offset);
    }

    static byte[] value(long offset) {
        byte[] value = new byte[VALUE_BYTES];
        byte[] prefix = text("value-" + offset + "-");
        System.arraycopy(prefix, 0, value, 0, prefix.length);
        for (int i = prefix.length; i < value.length; i++) {
            value[i] = (byte) ('a' + (offset + i) % 26);
        }
        return value;
    }

    /** Checks that {@code records} are exactly the produced records {@code [fromOffset, toOffset)}, in order. */
    static void assertExactly(List<LogRecord> records, long fromOffset, long toOffset) {
        assertThat(records).as("records from %d to %d", fromOffset, toOffset).hasSize((int) (toOffset - fromOffset));
        for (int i = 0; i < records.size(); i++) {
            LogRecord record = records.get(i);
            long offset = fromOffset + i;
            assertThat(record.offset()).as("offset of element %d", i).isEqualTo(offset);
            assertThat(record.key()).as("key at %d", offset).isEqualTo(key(offset));
            assertThat(record.value()).as("value at %d", offset).isEqualTo(value(offset));
            assertThat(record.timestampMs()).as("timestamp at %d", offset).isEqualTo(FIRST_TIMESTAMP_MS + offset);
            assertThat(record.headers()).as("headers at %d", offset).singleElement().satisfies(header -> {
                assertThat(header.key()).isEqualTo("offset");
                assertThat(header.value()).isEqualTo(text(Long.toString(offset)));
            });
        }
    }

    private static byte[] text(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
