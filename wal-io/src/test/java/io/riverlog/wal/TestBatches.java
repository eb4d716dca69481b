package io.riverlog.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;

/** Builds record batches as a producer would, and reads them back, for tests. */
final class TestBatches {
    private TestBatches() {
    }

    /** A batch of {@code records} records; record i has the value {@code "<tag>-<i>"} padded to {@code valueBytes}. */
    static ValidBatches batch(String tag, int records, int valueBytes, long firstTimestampMs) {
        return BatchFormat.validate(raw(tag, records, valueBytes, firstTimestampMs, Compression.NONE));
    }

    static ByteBuffer raw(String tag, int records, int valueBytes, long firstTimestampMs, Compression compression) {
        ByteBuffer buffer = ByteBuffer.allocate(records * (valueBytes + 64) + 128);
        MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, compression, TimestampType.CREATE_TIME, 0L);
        for (int i = 0; i < records; i++) {
            builder.append(firstTimestampMs + i, null, value(tag, i, valueBytes));
        }
        return builder.build().buffer();
    }

    static byte[] value(String tag, int index, int valueBytes) {
        byte[] text = (tag + "-" + index).getBytes(StandardCharsets.UTF_8);
        byte[] value = new byte[Math.max(valueBytes, text.length)];
        System.arraycopy(text, 0, value, 0, text.length);
        for (int i = text.length; i < value.length; i++) {
            value[i] = (byte) ('a' + (index + i) % 26);
        }
        return value;
    }

    /** One stored record, as read back; the value as text (test values are ASCII). */
    record StoredRecord(long offset, long timestampMs, String value) {
    }

    /** Every record in a read's batches; each batch's CRC is checked on the way. */
    static List<StoredRecord> records(LogSlice slice) throws IOException {
        List<StoredRecord> out = new ArrayList<>();
        for (MutableRecordBatch batch : MemoryRecords.readableRecords(slice.readFully()).batches()) {
            batch.ensureValid();
            for (Record record : batch) {
                byte[] value = new byte[record.valueSize()];
                record.value().get(value);
                out.add(new StoredRecord(record.offset(), record.timestamp(),
                        new String(value, StandardCharsets.UTF_8)));
            }
        }
        return out;
    }

    static String valueText(String tag, int index, int valueBytes) {
        return new String(value(tag, index, valueBytes), StandardCharsets.UTF_8);
    }

    /** Base offsets of the batches in a read. */
    static List<Long> baseOffsets(LogSlice slice) throws IOException {
        List<Long> out = new ArrayList<>();
        for (MutableRecordBatch batch : MemoryRecords.readableRecords(slice.readFully()).batches()) {
            out.add(batch.baseOffset());
        }
        return out;
    }
}
