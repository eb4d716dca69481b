package io.riverlog.wal;

import java.util.Map;
import java.util.OptionalLong;

import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Which records compaction keeps, as Kafka's cleaner decides: a record whose key has a later record
 * in the log ({@link KeyOffsetMap}) goes; a record without a key goes (a compacted topic refuses them
 * on append); a tombstone goes once its batch's delete horizon (set, by kafka-clients' filter, to the
 * time of the first compaction that saw it plus {@code delete.retention.ms}) has passed. A batch left
 * without records goes too, unless it is its producer's last in the part compacted: its header then
 * stays, empty, so that the producer's last sequence survives a rebuild of producer state from the log.
 */
final class LatestPerKey extends MemoryRecords.RecordFilter {
    private final KeyOffsetMap latest;
    private final Map<Long, Long> lastBatchOfProducer;

    LatestPerKey(long nowMs, long deleteRetentionMs, KeyOffsetMap latest, Map<Long, Long> lastBatchOfProducer) {
        super(nowMs, deleteRetentionMs);
        this.latest = latest;
        this.lastBatchOfProducer = lastBatchOfProducer;
    }

    @Override
    protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
        boolean producersLast = batch.hasProducerId()
                && Long.valueOf(batch.baseOffset()).equals(lastBatchOfProducer.get(batch.producerId()));
        return new BatchRetentionResult(producersLast || batch.isControlBatch() ? BatchRetention.RETAIN_EMPTY
                : BatchRetention.DELETE_EMPTY, false);
    }

    @Override
    protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
        if (batch.isControlBatch()) {
            return true;
        }
        if (!record.hasKey()) {
            return false;
        }
        if (latest.get(record.key()) > record.offset()) {
            return false;
        }
        if (record.hasValue()) {
            return true;
        }
        OptionalLong horizon = batch.deleteHorizonMs();
        return horizon.isEmpty() || currentTime < horizon.getAsLong();
    }
}
