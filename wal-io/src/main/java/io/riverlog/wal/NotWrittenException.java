package io.riverlog.wal;

import java.io.IOException;

/**
 * A write to a {@link RecordLog} failed, or was refused because the log still cannot be cut back
 * after an earlier failure: nothing of it is in the log, now or after any restart. The change it
 * carried is not in effect and never will be. Also what {@link PartitionLog#moveLogStartOffset}
 * throws when the new log start offset could not be written: the start did not move.
 */
public final class NotWrittenException extends IOException {
    private static final long serialVersionUID = 1L;

    public NotWrittenException(String message, Throwable cause) {
        super(message, cause);
    }
}
