package io.riverlog.wal;

/**
 * A produce request's bytes are damaged: batch lengths that do not add up to the request, or a
 * CRC32C that does not match. Kafka answers such a batch CORRUPT_MESSAGE.
 */
public final class CorruptBatchException extends InvalidBatchException {
    public CorruptBatchException(String message) {
        super(message);
    }
}
