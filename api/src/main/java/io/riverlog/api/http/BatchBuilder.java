package io.riverlog.api.http;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.DefaultRecord;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;

import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogRecord;
import io.riverlog.wal.ValidBatches;

/**
 * Builds the Kafka v2 record batches (uncompressed, create time, no producer id) that records
 * produced over HTTP are stored as, byte for byte what a Kafka client without idempotence would
 * send. One partition's records become as few batches as fit {@code maxBatchBytes} each (Kafka's
 * message.max.bytes), in their order; a record too large for a batch of its own is refused (413).
 */
final class BatchBuilder {
    private final int maxBatchBytes;

    BatchBuilder(int maxBatchBytes) {
        this.maxBatchBytes = maxBatchBytes;
    }

    /** One built batch and how many records it holds. */
    record Built(ValidBatches batch, int recordCount) {
    }

    List<Built> build(List<ProducedRecord> records) {
        List<Built> out = new ArrayList<>();
        int first = 0;
        while (first < records.size()) {
            int end = first;
            int bytes = DefaultRecordBatch.RECORD_BATCH_OVERHEAD;
            long baseTimestamp = records.get(first).timestampMs();
            while (end < records.size()) {
                ProducedRecord record = records.get(end);
                int size = DefaultRecord.sizeInBytes(end - first, record.timestampMs() - baseTimestamp,
                        length(record.key()), length(record.value()), headers(record));
                if (bytes + size > maxBatchBytes) {
                    break;
                }
                bytes += size;
                end++;
            }
            if (end == first) {
                throw ApiException.tooLarge("a record of " + (length(records.get(first).key())
                        + length(records.get(first).value())) + " bytes does not fit in a record batch of at most "
                        + maxBatchBytes + " bytes (riverlog.kafka.max-message-bytes)");
            }
            out.add(new Built(batchOf(records.subList(first, end), bytes), end - first));
            first = end;
        }
        return out;
    }

    private static ValidBatches batchOf(List<ProducedRecord> records, int bytes) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(bytes), Compression.NONE,
                TimestampType.CREATE_TIME, 0L);
        for (ProducedRecord record : records) {
            builder.append(record.timestampMs(), record.key(), record.value(), headers(record));
        }
        return BatchFormat.validate(builder.build().buffer());
    }

    private static Header[] headers(ProducedRecord record) {
        Header[] out = new Header[record.headers().size()];
        for (int i = 0; i < out.length; i++) {
            LogRecord.Header header = record.headers().get(i);
            out[i] = new RecordHeader(header.key(), header.value());
        }
        return out;
    }

    private static int length(byte[] bytes) {
        return bytes == null ? -1 : bytes.length;
    }
}
