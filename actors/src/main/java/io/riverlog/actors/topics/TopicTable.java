package io.riverlog.actors.topics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;

import org.apache.kafka.common.Uuid;

import io.riverlog.actors.partition.PartitionId;

/**
 * The topics as the metadata log says they are: its changes of topics applied in order. It also decides which
 * requested changes are valid against the current topics, before any of them is written. Owned by
 * the registry (or by the loader, before the registry exists); not thread-safe.
 */
final class TopicTable {

    /** Why a requested change is refused. */
    record Rejection(TopicError error, String message) {
    }

    private final Map<String, TopicInfo> topics = new TreeMap<>();
    /** Every id ever given to a topic, deleted ones too, so that none is given twice. */
    private final Set<UUID> usedIds = new HashSet<>();

    /**
     * Applies one event.
     *
     * @throws IllegalStateException if the event does not fit the table (the log is not one the registry wrote)
     */
    void apply(TopicEvent.OfTopic event) {
        if (event instanceof TopicEvent.Created created) {
            if (topics.containsKey(created.name()) || usedIds.contains(created.topicId())) {
                throw new IllegalStateException("topic " + created.name() + " (id " + created.topicId()
                        + ") is created again");
            }
            usedIds.add(created.topicId());
            topics.put(created.name(), new TopicInfo(created.name(), created.topicId(), created.partitions(),
                    created.configs()));
            return;
        }
        TopicInfo topic = topics.get(event.name());
        if (topic == null || !topic.topicId().equals(event.topicId())) {
            throw new IllegalStateException(event + " refers to a topic that does not exist");
        }
        if (event instanceof TopicEvent.Deleted) {
            topics.remove(event.name());
        } else if (event instanceof TopicEvent.PartitionsAdded added) {
            topics.put(event.name(), topic.withPartitions(added.partitions()));
        } else if (event instanceof TopicEvent.ConfigsReplaced replaced) {
            topics.put(event.name(), topic.withConfigs(replaced.configs()));
        }
    }

    Optional<TopicInfo> get(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    /** Every topic, sorted by name. */
    List<TopicInfo> all() {
        return List.copyOf(topics.values());
    }

    boolean contains(PartitionId id) {
        TopicInfo topic = id.topic() == null ? null : topics.get(id.topic());
        return topic != null && id.partition() >= 0 && id.partition() < topic.partitions();
    }

    /** Every partition of every topic. */
    List<PartitionId> partitions() {
        List<PartitionId> ids = new ArrayList<>();
        for (TopicInfo topic : topics.values()) {
            ids.addAll(partitionsOf(topic.name(), 0, topic.partitions()));
        }
        return ids;
    }

    /**
     * A random id as Kafka makes them: never zero or another reserved id, and never one whose
     * base64 form starts with '-' (command-line tools would take it for an option).
     */
    static UUID randomKafkaId() {
        Uuid id = Uuid.randomUuid();
        return new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    /** A random id that no topic ever had. */
    UUID newTopicId(Supplier<UUID> random) {
        UUID id = random.get();
        while (usedIds.contains(id)) {
            id = random.get();
        }
        return id;
    }

    // ---------------------------------------------------------------- validation of requests

    Optional<Rejection> checkCreate(String name, int partitions, int maxPartitions, Map<String, String> configs) {
        Optional<String> badName = TopicNames.problemWith(name);
        if (badName.isPresent()) {
            return reject(TopicError.INVALID_TOPIC, badName.get());
        }
        if (topics.containsKey(name)) {
            return reject(TopicError.TOPIC_ALREADY_EXISTS, "topic " + name + " already exists");
        }
        for (String existing : topics.keySet()) {
            if (TopicNames.collide(name, existing)) {
                return reject(TopicError.INVALID_TOPIC, "topic " + name + " collides with the existing topic "
                        + existing + ": names that differ only by '.' and '_' cannot both exist");
            }
        }
        if (partitions < 1) {
            return reject(TopicError.INVALID_PARTITIONS, "a topic needs at least 1 partition, not " + partitions);
        }
        if (partitions > maxPartitions) {
            return tooManyPartitions(partitions, maxPartitions);
        }
        return TopicConfigs.problemWith(configs).flatMap(problem -> reject(TopicError.INVALID_CONFIG, problem));
    }

    Optional<Rejection> checkCreatePartitions(String name, int newTotal, int maxPartitions) {
        TopicInfo topic = topics.get(name);
        if (topic == null) {
            return unknown(name);
        }
        if (newTotal <= topic.partitions()) {
            return reject(TopicError.INVALID_PARTITIONS, "topic " + name + " has " + topic.partitions()
                    + " partitions; the new count must be larger, not " + newTotal);
        }
        if (newTotal > maxPartitions) {
            return tooManyPartitions(newTotal, maxPartitions);
        }
        return Optional.empty();
    }

    private static Optional<Rejection> tooManyPartitions(int partitions, int maxPartitions) {
        return reject(TopicError.INVALID_PARTITIONS, "a topic may have at most " + maxPartitions
                + " partitions (riverlog.topics.max-partitions-per-topic), not " + partitions);
    }

    Optional<Rejection> checkAlterConfigs(String name, Map<String, Optional<String>> changes) {
        if (!topics.containsKey(name)) {
            return unknown(name);
        }
        return TopicConfigs.problemWithChanges(topics.get(name).configs(), changes)
                .flatMap(problem -> reject(TopicError.INVALID_CONFIG, problem));
    }

    Optional<Rejection> checkDelete(String name) {
        return topics.containsKey(name) ? Optional.empty() : unknown(name);
    }

    static List<PartitionId> partitionsOf(String topic, int from, int to) {
        List<PartitionId> ids = new ArrayList<>(to - from);
        for (int partition = from; partition < to; partition++) {
            ids.add(new PartitionId(topic, partition));
        }
        return ids;
    }

    private static Optional<Rejection> unknown(String name) {
        return reject(TopicError.UNKNOWN_TOPIC, "no topic is named " + name);
    }

    private static Optional<Rejection> reject(TopicError error, String message) {
        return Optional.of(new Rejection(error, message));
    }
}
