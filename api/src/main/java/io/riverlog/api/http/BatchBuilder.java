package io.riverlog.api.http;

import java.util.ArrayList;
import java.util.List;

import io.riverlog.actors.partition.StoredCompression;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.ValidBatches;

/**
 * Builds the Kafka v2 record batches (create time, no producer id) that records produced over HTTP
 * are stored as, byte for byte what a Kafka client without idempotence and compression would send,
 * then put in the topic's codec as a Kafka client's would be (compression.type). One partition's
 * records become as few batches as fit {@code maxBatchBytes} each uncompressed (Kafka's
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

    List<Built> build(List<ProducedRecord> produced, StoredCompression compression) {
        List<BatchFormat.NewRecord> records = new ArrayList<>(produced.size());
        for (ProducedRecord record : produced) {
            records.add(new BatchFormat.NewRecord(record.timestampMs(), record.key(), record.value(),
                    record.headers()));
        }
        List<Built> out = new ArrayList<>();
        int first = 0;
        while (first < records.size()) {
            int end = first;
            int bytes = BatchFormat.HEADER_BYTES;
            long baseTimestamp = records.get(first).timestampMs();
            while (end < records.size()) {
                int size = BatchFormat.sizeInBatch(end - first, baseTimestamp, records.get(end));
                if (bytes + size > maxBatchBytes) {
                    break;
                }
                bytes += size;
                end++;
            }
            if (end == first) {
                throw ApiException.tooLarge("a record of " + (length(records.get(first).key())
                        + length(records.get(first).value())) + " bytes does not fit in a record batch of at most "
                        + maxBatchBytes + " bytes (riverlog.partition.max-message-bytes)");
            }
            out.add(new Built(compression.apply(BatchFormat.batchOf(records.subList(first, end))), end - first));
            first = end;
        }
        return out;
    }

    private static int length(byte[] bytes) {
        return bytes == null ? -1 : bytes.length;
    }
}
