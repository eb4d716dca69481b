package io.riverlog.actors.topics;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * One change of topic metadata, as written to the metadata log ({@link TopicEvents} is the
 * format). Replaying the events in order rebuilds the registry's {@link TopicTable}.
 */
sealed interface TopicEvent {
    String name();

    UUID topicId();

    record Created(String name, UUID topicId, int partitions, Map<String, String> configs) implements TopicEvent {
        public Created {
            configs = Collections.unmodifiableMap(new TreeMap<>(configs));
        }
    }

    record Deleted(String name, UUID topicId) implements TopicEvent {
    }

    /** The topic now has {@code partitions} partitions; the new ones are empty. */
    record PartitionsAdded(String name, UUID topicId, int partitions) implements TopicEvent {
    }

    /** The topic's whole config set after the change, so replay never depends on the set before it. */
    record ConfigsReplaced(String name, UUID topicId, Map<String, String> configs) implements TopicEvent {
        public ConfigsReplaced {
            configs = Collections.unmodifiableMap(new TreeMap<>(configs));
        }
    }
}
