package io.riverlog.api.topics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.Uuid;

import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.topics.TopicInfo;

/**
 * The topics as the registry listed or published them, by name and by id: newer versions of
 * produce, fetch, metadata, offset and delete requests name topics by id, Riverlog keeps them by name.
 */
public final class KnownTopics {
    private final Map<String, TopicInfo> byName = new HashMap<>();
    private final Map<Uuid, TopicInfo> byId = new HashMap<>();
    private final List<TopicInfo> all;

    KnownTopics(List<TopicInfo> topics) {
        all = topics;
        for (TopicInfo topic : topics) {
            byName.put(topic.name(), topic);
            byId.put(TopicIds.of(topic), topic);
        }
    }

    public static CompletionStage<KnownTopics> load(BrokerTopics topics) {
        return topics.known();
    }

    /** Loads the topics only when {@code needed}; otherwise none, without asking the registry. */
    public static CompletionStage<KnownTopics> loadIf(boolean needed, BrokerTopics topics) {
        return needed ? load(topics) : CompletableFuture.completedFuture(new KnownTopics(List.of()));
    }

    public List<TopicInfo> all() {
        return all;
    }

    /** The name of the topic with this id, or null if there is none (or the id is absent or zero). */
    public String nameOf(Uuid id) {
        TopicInfo topic = id == null ? null : byId.get(id);
        return topic == null ? null : topic.name();
    }

    public Optional<TopicInfo> byName(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Optional<TopicInfo> byId(Uuid id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** The topic's id, or the zero id for a topic that no longer exists. */
    public Uuid idOf(String name) {
        return byName(name).map(TopicIds::of).orElse(Uuid.ZERO_UUID);
    }

    /**
     * The partitions grouped by topic, topics in name order and partitions in number order; partitions
     * of topics that no longer exist are left out (they have no id to be named by).
     */
    public Map<TopicInfo, List<Integer>> byTopic(Collection<PartitionId> partitions) {
        Map<String, List<Integer>> grouped = new TreeMap<>();
        partitions.forEach(p -> grouped.computeIfAbsent(p.topic(), t -> new ArrayList<>()).add(p.partition()));
        Map<TopicInfo, List<Integer>> out = new LinkedHashMap<>();
        grouped.forEach((topic, numbers) -> byName(topic).ifPresent(info -> {
            numbers.sort(Integer::compare);
            out.put(info, numbers);
        }));
        return out;
    }

    public static boolean hasPartition(TopicInfo topic, int partition) {
        return partition >= 0 && partition < topic.partitions();
    }
}
