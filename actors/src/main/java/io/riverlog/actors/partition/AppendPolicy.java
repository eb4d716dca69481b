package io.riverlog.actors.partition;

import java.util.Optional;

import com.typesafe.config.Config;

import io.riverlog.settings.ConfigValues;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.BatchInfo;
import io.riverlog.wal.ValidBatches;

/**
 * The rules a partition applies to each append, from its topic's configs (Kafka's names):
 * {@code max.message.bytes}, {@code message.timestamp.type} and the
 * {@code message.timestamp.before.max.ms} / {@code after.max.ms} bounds, which Kafka checks only for
 * CreateTime topics; for a compacted topic, that every record has a key (compaction keeps the
 * latest record per key, so a record without one would be acknowledged and then dropped); and
 * {@code compression.type} with its levels. The broker's defaults are in {@code riverlog.partition}
 * (this module's reference.conf), except compression's, which is Kafka's ({@code producer}).
 *
 * @param maxMessageBytes      the largest batch (all batches of one append) the partition takes
 * @param logAppendTime        stamp batches with the time of their append (LogAppendTime)
 * @param timestampBeforeMaxMs a record may be at most this much older than the broker's clock
 * @param timestampAfterMaxMs  a record may be at most this much newer than the broker's clock
 * @param keysRequired         refuse records without a key (the topic is compacted)
 * @param compression          the codec batches are stored in
 */
public record AppendPolicy(int maxMessageBytes, boolean logAppendTime, long timestampBeforeMaxMs,
                           long timestampAfterMaxMs, boolean keysRequired, StoredCompression compression) {
    private static final String PATH = "riverlog.partition.";
    public static final String CREATE_TIME = "CreateTime";
    public static final String LOG_APPEND_TIME = "LogAppendTime";
    /** No limit on size or timestamps, and the producer's timestamps kept. */
    public static final AppendPolicy UNRESTRICTED = new AppendPolicy(Integer.MAX_VALUE, false, Long.MAX_VALUE,
            Long.MAX_VALUE, false, StoredCompression.PRODUCER);

    public static AppendPolicy fromConfig(Config config) {
        String type = config.getString(PATH + "message-timestamp-type");
        if (!type.equals(CREATE_TIME) && !type.equals(LOG_APPEND_TIME)) {
            throw new com.typesafe.config.ConfigException.BadValue(PATH + "message-timestamp-type",
                    "must be " + CREATE_TIME + " or " + LOG_APPEND_TIME + ", not '" + type + "'");
        }
        return new AppendPolicy(
                ConfigValues.intBytes(config, PATH + "max-message-bytes", BatchFormat.HEADER_BYTES, Integer.MAX_VALUE),
                type.equals(LOG_APPEND_TIME),
                ConfigValues.longValue(config, PATH + "message-timestamp-before-max-ms", 0, Long.MAX_VALUE),
                ConfigValues.longValue(config, PATH + "message-timestamp-after-max-ms", 0, Long.MAX_VALUE), false,
                StoredCompression.PRODUCER);
    }

    /**
     * Why the batches (as stored: in the topic's codec) break a rule at {@code nowMs}, or empty if they
     * may be appended. As Kafka does, the size limit holds for the batches as stored and as received.
     */
    Optional<Refused> check(ValidBatches batches, long nowMs) {
        if (batches.sizeInBytes() > maxMessageBytes || batches.receivedSizeInBytes() > maxMessageBytes) {
            String size = batches.sizeInBytes() == batches.receivedSizeInBytes() ? batches.sizeInBytes() + " bytes"
                    : batches.sizeInBytes() + " bytes as stored (" + batches.receivedSizeInBytes() + " as received)";
            return Optional.of(new Refused(PartitionActor.AppendError.MESSAGE_TOO_LARGE, "the batches are "
                    + size + "; the topic's max.message.bytes is " + maxMessageBytes));
        }
        if (keysRequired) {
            for (BatchInfo batch : batches.batches()) {
                if (batch.keyless()) {
                    return Optional.of(new Refused(PartitionActor.AppendError.INVALID_RECORD,
                            "a compacted topic cannot take a record without a key"));
                }
            }
        }
        if (logAppendTime) {
            return Optional.empty();
        }
        for (BatchInfo batch : batches.batches()) {
            if (batch.minTimestamp() >= 0 && nowMs - batch.minTimestamp() > timestampBeforeMaxMs) {
                return Optional.of(new Refused(PartitionActor.AppendError.INVALID_TIMESTAMP, "timestamp "
                        + batch.minTimestamp() + " is more than message.timestamp.before.max.ms="
                        + timestampBeforeMaxMs + " before the broker's time " + nowMs));
            }
            if (batch.maxTimestamp() >= 0 && batch.maxTimestamp() - nowMs > timestampAfterMaxMs) {
                return Optional.of(new Refused(PartitionActor.AppendError.INVALID_TIMESTAMP, "timestamp "
                        + batch.maxTimestamp() + " is more than message.timestamp.after.max.ms="
                        + timestampAfterMaxMs + " after the broker's time " + nowMs));
            }
        }
        return Optional.empty();
    }

    record Refused(PartitionActor.AppendError error, String message) {
    }
}
