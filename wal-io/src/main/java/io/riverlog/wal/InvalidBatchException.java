package io.riverlog.wal;

/** A produce request's records are not valid v2 batches: nothing of them is appended. */
public final class InvalidBatchException extends RuntimeException {
    public InvalidBatchException(String message) {
        super(message);
    }
}
