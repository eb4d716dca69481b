package io.riverlog.wal;

/**
 * A produce request's records break a rule of Kafka's record format (a record count that does not
 * match the offsets, records that cannot be parsed, a control batch, ...): nothing of them is
 * appended. Kafka answers such a batch INVALID_RECORD; {@link CorruptBatchException}, a subclass,
 * marks bytes that are damaged instead.
 */
public class InvalidBatchException extends RuntimeException {
    public InvalidBatchException(String message) {
        super(message);
    }
}
