package io.riverlog.wal;

/** A record's offset with its timestamp: the answer to a look-up by time. */
public record TimestampOffset(long timestampMs, long offset) {
}
