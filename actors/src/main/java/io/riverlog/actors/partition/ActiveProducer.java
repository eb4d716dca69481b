package io.riverlog.actors.partition;

/**
 * An idempotent producer a partition remembers (see {@link PartitionActor.GetProducers}).
 *
 * @param lastSequence    the sequence number of the last record of its last batch
 * @param lastTimestampMs the largest record timestamp of its last batch, or {@link #UNKNOWN_TIMESTAMP}
 */
public record ActiveProducer(long producerId, short epoch, int lastSequence, long lastTimestampMs) {
    /**
     * The last timestamp of a producer whose state was restored from a snapshot written before
     * timestamps were kept, until it appends again; Kafka's own "no timestamp".
     */
    public static final long UNKNOWN_TIMESTAMP = -1;
}
