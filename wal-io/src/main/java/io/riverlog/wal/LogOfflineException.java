package io.riverlog.wal;

import java.io.IOException;

/**
 * A write or fsync of this log failed earlier, so its files can no longer be trusted to hold what
 * was written after its last successful fsync. Appends and flushes are refused; durable data can
 * still be read. Reopening the log (after the cause is fixed) recovers it.
 */
public final class LogOfflineException extends IOException {
    public LogOfflineException(String message, Throwable cause) {
        super(message, cause);
    }
}
