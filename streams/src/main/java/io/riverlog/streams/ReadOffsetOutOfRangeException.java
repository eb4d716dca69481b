package io.riverlog.streams;

/**
 * A {@link PartitionSource} asked for an offset its partition does not hold: before the log start
 * (retention deleted it) or past the high watermark. Offsets from the log start up to and
 * including the high watermark can be read; reading at the high watermark waits for new records.
 */
public final class ReadOffsetOutOfRangeException extends PartitionReadException {
    private final long offset;
    private final long logStartOffset;
    private final long highWatermark;

    public ReadOffsetOutOfRangeException(String partition, long offset, long logStartOffset, long highWatermark) {
        super("offset " + offset + " is out of range for partition " + partition + ": it can be read from "
                + logStartOffset + " (the log start) to " + highWatermark + " (the high watermark)");
        this.offset = offset;
        this.logStartOffset = logStartOffset;
        this.highWatermark = highWatermark;
    }

    public long offset() {
        return offset;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long highWatermark() {
        return highWatermark;
    }
}
