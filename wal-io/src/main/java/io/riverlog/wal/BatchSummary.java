package io.riverlog.wal;

/**
 * The header facts of a stored batch that producer bookkeeping needs, read without touching its
 * records.
 *
 * @param maxTimestamp the largest record timestamp, as the header states it
 */
public record BatchSummary(long baseOffset, long lastOffset, long producerId, short producerEpoch, int baseSequence,
                           long maxTimestamp) {

    /** The sequence number of the batch's last record (sequences wrap at {@link Integer#MAX_VALUE}). */
    public int lastSequence() {
        return Sequences.add(baseSequence, (int) (lastOffset - baseOffset));
    }

    public boolean hasProducerId() {
        return producerId >= 0;
    }
}
