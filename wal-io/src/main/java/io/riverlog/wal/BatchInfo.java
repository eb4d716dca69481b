package io.riverlog.wal;

/**
 * What validation learned about one batch of a produce request, before offsets are assigned.
 *
 * @param position        where the batch starts in its {@link ValidBatches} buffer
 * @param sizeInBytes     the whole batch, header included
 * @param lastOffsetDelta offsets the batch spans, minus one
 * @param maxTimestamp    the largest record timestamp, from the header (the append time once the log stamps it)
 * @param minTimestamp    the smallest record timestamp, -1 if none has one
 * @param producerId      -1 unless the producer is idempotent or transactional
 * @param producerEpoch   the producer's epoch, -1 if none
 * @param baseSequence    the first record's sequence number, -1 if none
 * @param keyless         whether a record of the batch has no key (which a compacted topic refuses)
 */
public record BatchInfo(int position, int sizeInBytes, int lastOffsetDelta, long maxTimestamp, long minTimestamp,
                        long producerId, short producerEpoch, int baseSequence, boolean keyless) {

    public int recordCount() {
        return lastOffsetDelta + 1;
    }

    /** This batch as the log stamps it with its append time. */
    BatchInfo withMaxTimestamp(long timestamp) {
        return new BatchInfo(position, sizeInBytes, lastOffsetDelta, timestamp, minTimestamp, producerId,
                producerEpoch, baseSequence, keyless);
    }

    /** This batch's records at another place, in {@code newSizeInBytes} bytes (rebuilt in another codec, or moved). */
    BatchInfo movedTo(int newPosition, int newSizeInBytes) {
        return new BatchInfo(newPosition, newSizeInBytes, lastOffsetDelta, maxTimestamp, minTimestamp, producerId,
                producerEpoch, baseSequence, keyless);
    }

    /** The sequence number of the batch's last record. */
    public int lastSequence() {
        return Sequences.add(baseSequence, lastOffsetDelta);
    }
}
