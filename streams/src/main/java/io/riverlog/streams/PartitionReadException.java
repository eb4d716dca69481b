package io.riverlog.streams;

/**
 * A {@link PartitionSource} failed because its partition could not serve a read: the partition
 * reported a failure, stopped, or did not answer in time.
 */
public class PartitionReadException extends RuntimeException {

    public PartitionReadException(String message) {
        super(message);
    }

    public PartitionReadException(String message, Throwable cause) {
        super(message, cause);
    }
}
