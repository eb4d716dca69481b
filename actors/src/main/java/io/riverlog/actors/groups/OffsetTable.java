package io.riverlog.actors.groups;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import io.riverlog.actors.partition.PartitionId;

/**
 * The committed offsets of every group, in memory: what the offsets log says once its changes are
 * applied in order. Only the group manager touches it, on its own thread.
 */
final class OffsetTable {
    private final Map<String, Map<PartitionId, CommittedOffset>> byGroup = new HashMap<>();

    void apply(OffsetChange change) {
        if (change instanceof OffsetChange.Committed committed) {
            byGroup.computeIfAbsent(committed.groupId(), group -> new TreeMap<>(OffsetTable::compare))
                    .put(committed.partition(), committed.offset());
        } else if (change instanceof OffsetChange.Deleted deleted) {
            Map<PartitionId, CommittedOffset> offsets = byGroup.get(deleted.groupId());
            if (offsets != null) {
                offsets.remove(deleted.partition());
                if (offsets.isEmpty()) {
                    byGroup.remove(deleted.groupId());
                }
            }
        } else {
            byGroup.remove(change.groupId());
        }
    }

    boolean hasGroup(String groupId) {
        return byGroup.containsKey(groupId);
    }

    Set<String> groups() {
        return Collections.unmodifiableSet(byGroup.keySet());
    }

    /** The group's offsets, sorted by topic and partition; empty if it committed none. */
    Map<PartitionId, CommittedOffset> offsetsOf(String groupId) {
        return Collections.unmodifiableMap(byGroup.getOrDefault(groupId, Map.of()));
    }

    Optional<CommittedOffset> get(String groupId, PartitionId partition) {
        return Optional.ofNullable(byGroup.getOrDefault(groupId, Map.of()).get(partition));
    }

    int size() {
        return byGroup.values().stream().mapToInt(Map::size).sum();
    }

    private static int compare(PartitionId a, PartitionId b) {
        int byTopic = a.topic().compareTo(b.topic());
        return byTopic != 0 ? byTopic : Integer.compare(a.partition(), b.partition());
    }
}
