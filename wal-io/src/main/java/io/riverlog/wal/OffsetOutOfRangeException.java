package io.riverlog.wal;

/** A read asked for an offset the log does not hold: before its start or past its end. */
public final class OffsetOutOfRangeException extends RuntimeException {
    private final long offset;
    private final long logStartOffset;
    private final long logEndOffset;

    public OffsetOutOfRangeException(long offset, long logStartOffset, long logEndOffset) {
        super("offset " + offset + " is outside the log [" + logStartOffset + ", " + logEndOffset + "]");
        this.offset = offset;
        this.logStartOffset = logStartOffset;
        this.logEndOffset = logEndOffset;
    }

    public long offset() {
        return offset;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return logEndOffset;
    }
}
