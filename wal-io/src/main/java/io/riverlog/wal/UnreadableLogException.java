package io.riverlog.wal;

import java.io.IOException;

/**
 * A {@link RecordLog} cannot be replayed: a record its codec cannot read (a newer format, or a bug;
 * never a torn write, which recovery cuts), or a read that returns nothing before the log's end.
 * Nothing is skipped, because a state rebuilt without a change would be wrong.
 */
public final class UnreadableLogException extends IOException {
    private static final long serialVersionUID = 1L;

    public UnreadableLogException(String message) {
        super(message);
    }
}
