package io.riverlog.actors.groups.consumer.assign;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import io.riverlog.actors.partition.PartitionId;

/**
 * What an assignor is given: the members with the topics each is subscribed to, the partition count
 * of every subscribed topic that exists, and the previous target assignment (for assignors that keep
 * partitions where they are). Members are kept sorted by id, so an assignment never depends on the
 * order in which members joined.
 *
 * @param subscriptions  member id to the topics it is subscribed to
 * @param partitionCounts topic to its number of partitions; a subscribed topic absent here does not exist
 * @param previous       member id to the partitions it was assigned last time; members absent here had none
 */
public record AssignmentSpec(Map<String, Set<String>> subscriptions, Map<String, Integer> partitionCounts,
                             Map<String, Set<PartitionId>> previous) {

    public AssignmentSpec {
        Map<String, Set<String>> sorted = new TreeMap<>();
        subscriptions.forEach((member, topics) ->
                sorted.put(member, Collections.unmodifiableSet(new TreeSet<>(topics))));
        subscriptions = Collections.unmodifiableMap(sorted);
        partitionCounts = Collections.unmodifiableMap(new TreeMap<>(partitionCounts));
        previous = Map.copyOf(previous);
    }

    /** Member ids in order. */
    public List<String> members() {
        return new ArrayList<>(subscriptions.keySet());
    }

    /** Every partition of a topic some member is subscribed to, sorted by topic then partition. */
    public List<PartitionId> subscribedPartitions() {
        Set<String> topics = new TreeSet<>();
        subscriptions.values().forEach(topics::addAll);
        List<PartitionId> out = new ArrayList<>();
        for (String topic : topics) {
            int count = partitionCounts.getOrDefault(topic, 0);
            for (int p = 0; p < count; p++) {
                out.add(new PartitionId(topic, p));
            }
        }
        return out;
    }

    public boolean isSubscribed(String member, String topic) {
        return subscriptions.getOrDefault(member, Set.of()).contains(topic);
    }

    /** Where every member starts: with nothing. */
    Map<String, Set<PartitionId>> emptyAssignment() {
        Map<String, Set<PartitionId>> out = new TreeMap<>();
        subscriptions.keySet().forEach(member -> out.put(member, new TreeSet<>(PartitionOrder.INSTANCE)));
        return out;
    }
}
