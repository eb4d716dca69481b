package io.riverlog.actors.partition;

/**
 * Hooks a partition calls as it works, for metrics. Calls come from the partition's actor and its
 * writer's thread; implementations must be thread-safe and cheap.
 */
public interface PartitionMetrics {
    PartitionMetrics NONE = new PartitionMetrics() {
    };

    /** Records and bytes accepted for append. */
    default void appended(PartitionId partition, int records, int bytes) {
    }

    /** One fsync of the partition's log, and how long it took. */
    default void fsynced(PartitionId partition, long nanos) {
    }

    /** Bytes now held in the partition's in-memory tail buffer. */
    default void bufferBytes(PartitionId partition, long bytes) {
    }

    /** Bytes handed to readers, from the buffer or the log. */
    default void read(PartitionId partition, int bytes, boolean fromLog) {
    }

    /**
     * Damaged ranges newly found in the partition's log (each once, whoever found it: recovery, a
     * read or the scrub). Called with 0 whenever the log is opened, so that the count exists from then on.
     */
    default void damageFound(PartitionId partition, int ranges) {
    }

    /** Bytes of the partition's log the background scrub verified. */
    default void scrubbed(PartitionId partition, long bytes) {
    }
}
