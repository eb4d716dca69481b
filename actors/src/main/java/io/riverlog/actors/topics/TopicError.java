package io.riverlog.actors.topics;

/** Why a topic change was refused; each maps to the Kafka error of the same meaning. */
public enum TopicError {
    /** The name breaks a rule of {@link TopicNames}, or collides with an existing topic's. */
    INVALID_TOPIC,
    /** A topic of that name exists. */
    TOPIC_ALREADY_EXISTS,
    /** A partition count below 1, or a new count that does not grow the topic. */
    INVALID_PARTITIONS,
    /** An unknown config key, or a value out of range. */
    INVALID_CONFIG,
    /** No topic has that name. */
    UNKNOWN_TOPIC,
    /**
     * The metadata log could not be written or fsynced, and was cut back to its last acknowledged
     * change (or still cannot be, and the change was refused unwritten). The change is not in effect
     * and never will be.
     */
    STORAGE_ERROR,
    /**
     * Writing the change failed and cutting the metadata log back failed too: the change is not in
     * effect now, but may be after the next start. The registry tries the cut-back again before its
     * next change.
     */
    OUTCOME_UNKNOWN,
    /** The registry is loading with its queue full, or shutting down; the client may retry. */
    NOT_AVAILABLE
}
