package io.riverlog.actors.groups.offsets;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

import io.riverlog.actors.groups.CommittedOffset;
import io.riverlog.actors.partition.PartitionId;

/**
 * The committed offsets of every group, and when each group last gained or lost its members, in
 * memory: what the offsets log says once its changes are applied in order. Each (group, partition)
 * and each group's membership is a register the last change overwrites, and a group deletion clears
 * both; so applying a {@link #image()} of the table again changes nothing, which is what lets a
 * snapshot be plain records in the log (see {@link OffsetsLog}). Only the {@link OffsetStore} touches
 * it, on its manager's thread.
 */
final class OffsetTable {
    private final Map<String, Map<PartitionId, CommittedOffset>> byGroup = new HashMap<>();
    private final Map<String, OffsetChange.Membership> memberships = new HashMap<>();

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
        } else if (change instanceof OffsetChange.Membership membership) {
            memberships.put(membership.groupId(), membership);
        } else {
            byGroup.remove(change.groupId());
            memberships.remove(change.groupId());
        }
    }

    /** True if the group has committed offsets. */
    boolean hasGroup(String groupId) {
        return byGroup.containsKey(groupId);
    }

    /** The groups that have committed offsets. */
    Set<String> groups() {
        return Collections.unmodifiableSet(byGroup.keySet());
    }

    /** The groups that have committed offsets or a known membership, sorted. */
    Set<String> groupsWithAnyState() {
        Set<String> all = new TreeSet<>(byGroup.keySet());
        all.addAll(memberships.keySet());
        return all;
    }

    /** The group's offsets, sorted by topic and partition; empty if it committed none. */
    Map<PartitionId, CommittedOffset> offsetsOf(String groupId) {
        return Collections.unmodifiableMap(byGroup.getOrDefault(groupId, Map.of()));
    }

    Optional<CommittedOffset> get(String groupId, PartitionId partition) {
        return Optional.ofNullable(byGroup.getOrDefault(groupId, Map.of()).get(partition));
    }

    /** When the group last gained or lost its members; empty if it never had any (or they were forgotten). */
    Optional<OffsetChange.Membership> membershipOf(String groupId) {
        return Optional.ofNullable(memberships.get(groupId));
    }

    /** The number of committed offsets. */
    int size() {
        return byGroup.values().stream().mapToInt(Map::size).sum();
    }

    /** The changes that rebuild this table from nothing: every offset, then every membership. */
    List<OffsetChange> image() {
        List<OffsetChange> changes = new ArrayList<>(size() + memberships.size());
        byGroup.forEach((groupId, offsets) -> offsets.forEach((partition, offset) ->
                changes.add(new OffsetChange.Committed(groupId, partition, offset))));
        changes.addAll(memberships.values());
        return changes;
    }

    /**
     * The changes that rebuild the state of the groups {@code included} accepts: group by group in
     * order of their ids, each group's offsets (by topic and partition), then its membership.
     */
    List<OffsetChange> imageOf(Predicate<String> included) {
        List<OffsetChange> changes = new ArrayList<>();
        for (String groupId : groupsWithAnyState()) {
            if (included.test(groupId)) {
                offsetsOf(groupId).forEach((partition, offset) ->
                        changes.add(new OffsetChange.Committed(groupId, partition, offset)));
                membershipOf(groupId).ifPresent(changes::add);
            }
        }
        return changes;
    }

    private static int compare(PartitionId a, PartitionId b) {
        int byTopic = a.topic().compareTo(b.topic());
        return byTopic != 0 ? byTopic : Integer.compare(a.partition(), b.partition());
    }
}
