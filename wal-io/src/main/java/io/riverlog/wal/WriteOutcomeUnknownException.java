package io.riverlog.wal;

import java.io.IOException;

/**
 * A write to a {@link RecordLog} failed, and cutting the log back to its acknowledged end failed
 * too: what was written may or may not be in the log at the next start, so the change it carried
 * may or may not come into effect then. The log tries the cut-back again before its next write.
 */
public final class WriteOutcomeUnknownException extends IOException {
    private static final long serialVersionUID = 1L;

    public WriteOutcomeUnknownException(String message, Throwable cause) {
        super(message, cause);
    }
}
