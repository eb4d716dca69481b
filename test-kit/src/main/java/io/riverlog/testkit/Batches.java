package io.riverlog.testkit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;

import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogRecord;
import io.riverlog.wal.ValidBatches;

/**
 * Record batches as a producer builds them, with values that say where they came from, so a test
 * can check every byte it reads back.
 */
public final class Batches {
    private Batches() {
    }

    /** The value of record {@code index} of producer {@code tag}: "tag:index" padded to {@code valueBytes}. */
    public static byte[] value(String tag, long index, int valueBytes) {
        byte[] text = (tag + ":" + index).getBytes(StandardCharsets.UTF_8);
        byte[] value = new byte[Math.max(valueBytes, text.length)];
        System.arraycopy(text, 0, value, 0, text.length);
        for (int i = text.length; i < value.length; i++) {
            value[i] = (byte) ('a' + (index + i) % 26);
        }
        return value;
    }

    /** A validated batch of records {@code firstIndex .. firstIndex+count-1} of producer {@code tag}. */
    public static ValidBatches of(String tag, long firstIndex, int count, int valueBytes) {
        return BatchFormat.validate(raw(tag, firstIndex, count, valueBytes, Compression.NONE));
    }

    public static ByteBuffer raw(String tag, long firstIndex, int count, int valueBytes, Compression compression) {
        ByteBuffer buffer = ByteBuffer.allocate(count * (valueBytes + 64) + 256);
        MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, compression, TimestampType.CREATE_TIME, 0L);
        for (int i = 0; i < count; i++) {
            builder.append(System.currentTimeMillis(), null, value(tag, firstIndex + i, valueBytes));
        }
        return builder.build().buffer();
    }

    /** The records in whole batches, from {@code fromOffset} on. */
    public static List<LogRecord> records(ByteBuffer batches, long fromOffset) {
        return BatchFormat.decode(batches, fromOffset);
    }

    /** The "tag:index" prefix of each record's value. */
    public static List<String> labels(List<LogRecord> records) {
        List<String> out = new ArrayList<>(records.size());
        for (LogRecord record : records) {
            String text = new String(record.value(), StandardCharsets.UTF_8);
            int end = text.indexOf(':');
            int stop = end;
            while (stop + 1 < text.length() && Character.isDigit(text.charAt(stop + 1))) {
                stop++;
            }
            out.add(text.substring(0, stop + 1));
        }
        return out;
    }
}
