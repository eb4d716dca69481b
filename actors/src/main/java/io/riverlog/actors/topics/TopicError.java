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
     * The metadata log could not be written or fsynced. The change is not in effect; if its bytes
     * reached the disk anyway, recovery may bring it back at the next start, as with any unacknowledged write.
     */
    STORAGE_ERROR,
    /** The registry is loading with its queue full, or shutting down; the client may retry. */
    NOT_AVAILABLE
}
