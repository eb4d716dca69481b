package io.riverlog.wal;

import java.util.List;

/**
 * One record decoded from a stored batch, for consumers that want records rather than batches
 * (HTTP, WebSocket, tests). Key and value are null when the record has none.
 */
public record LogRecord(long offset, long timestampMs, byte[] key, byte[] value, List<Header> headers) {

    /** A record header: a name and an optional value. */
    public record Header(String key, byte[] value) {
    }
}
