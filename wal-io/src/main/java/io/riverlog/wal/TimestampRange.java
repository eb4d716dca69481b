package io.riverlog.wal;

import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * The smallest and largest timestamps of a batch's records, each {@link RecordBatch#NO_TIMESTAMP}
 * if no record has one.
 */
public record TimestampRange(long min, long max) {

    /** Collects the timestamps of records one by one, without allocating per record. */
    static final class Builder {
        private long min = Long.MAX_VALUE;
        private long max = RecordBatch.NO_TIMESTAMP;

        void add(long timestamp) {
            if (timestamp != RecordBatch.NO_TIMESTAMP) {
                min = Math.min(min, timestamp);
                max = Math.max(max, timestamp);
            }
        }

        TimestampRange build() {
            return new TimestampRange(min == Long.MAX_VALUE ? RecordBatch.NO_TIMESTAMP : min, max);
        }
    }
}
