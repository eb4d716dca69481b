package io.riverlog.actors.topics;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * One event of the metadata log ({@link TopicEvents} is the format): a change of one topic, or a
 * reservation of producer ids. Replaying the events in order rebuilds the registry's
 * {@link TopicTable} and where the next block of producer ids starts.
 */
sealed interface TopicEvent {

    /** A change of one topic; these are what the {@link TopicTable} applies. */
    sealed interface OfTopic extends TopicEvent {
        String name();

        UUID topicId();
    }

    record Created(String name, UUID topicId, int partitions, Map<String, String> configs) implements OfTopic {
        public Created {
            configs = Collections.unmodifiableMap(new TreeMap<>(configs));
        }
    }

    record Deleted(String name, UUID topicId) implements OfTopic {
    }

    /** The topic now has {@code partitions} partitions; the new ones are empty. */
    record PartitionsAdded(String name, UUID topicId, int partitions) implements OfTopic {
    }

    /** The topic's whole config set after the change, so replay never depends on the set before it. */
    record ConfigsReplaced(String name, UUID topicId, Map<String, String> configs) implements OfTopic {
        public ConfigsReplaced {
            configs = Collections.unmodifiableMap(new TreeMap<>(configs));
        }
    }

    /**
     * Every producer id below {@code nextUnreserved} is reserved: it may have been handed out, and is
     * never handed out again. The next block starts at the highest such value in the log.
     */
    record ProducerIdsReserved(long nextUnreserved) implements TopicEvent {
    }
}
