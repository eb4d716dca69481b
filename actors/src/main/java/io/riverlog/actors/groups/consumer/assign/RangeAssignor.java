package io.riverlog.actors.groups.consumer.assign;

import java.util.List;
import java.util.Map;
import java.util.Set;

import io.riverlog.actors.partition.PartitionId;

/**
 * Kafka's range assignment, topic by topic: the members subscribed to a topic, sorted by member id,
 * each get a contiguous range of its partitions; the first {@code partitions % members} get one
 * more. Two topics with the same partition count and the same subscribers are therefore
 * co-partitioned: partition i of both goes to the same member.
 */
public final class RangeAssignor implements PartitionAssignor {
    public static final String NAME = "range";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Set<PartitionId>> assign(AssignmentSpec spec) {
        Map<String, Set<PartitionId>> out = spec.emptyAssignment();
        for (Map.Entry<String, Integer> topic : spec.partitionCounts().entrySet()) {
            List<String> subscribers = spec.members().stream()
                    .filter(m -> spec.isSubscribed(m, topic.getKey())).toList();
            if (subscribers.isEmpty()) {
                continue;
            }
            int partitions = topic.getValue();
            int each = partitions / subscribers.size();
            int withOneMore = partitions % subscribers.size();
            int next = 0;
            for (int i = 0; i < subscribers.size(); i++) {
                int count = each + (i < withOneMore ? 1 : 0);
                for (int p = next; p < next + count; p++) {
                    out.get(subscribers.get(i)).add(new PartitionId(topic.getKey(), p));
                }
                next += count;
            }
        }
        return out;
    }
}
