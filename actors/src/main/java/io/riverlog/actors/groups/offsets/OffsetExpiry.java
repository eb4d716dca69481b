package io.riverlog.actors.groups.offsets;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import io.riverlog.actors.groups.CommittedOffset;
import io.riverlog.actors.partition.PartitionId;

/**
 * Which committed offsets have expired, as Kafka decides it for classic groups and for offsets
 * committed outside any group: a group with members keeps all its offsets; an offset of an empty
 * group expires {@code retention} after the later of when the group became empty and when the offset
 * was committed; an offset of a group that never had members (as far as the log knows) expires
 * {@code retention} after it was committed. A group that loses all its offsets, and has been empty for
 * the retention, is deleted as a whole (its membership forgotten too).
 *
 * <p>A group the log last saw with members, but which has none now, lost them when the broker
 * stopped: it counts as empty since the broker started.
 */
final class OffsetExpiry {

    /** What expires of one group: the changes to write, and what the operator's log line says. */
    record Expired(String groupId, List<OffsetChange> changes, int offsets, boolean wholeGroup, String since) {
    }

    private OffsetExpiry() {
    }

    /**
     * The expiries due at {@code nowMs}, by group.
     *
     * @param hasMembers  whether a group has members now
     * @param startedAtMs when the broker started (loaded the offsets log)
     */
    static List<Expired> find(OffsetTable table, Predicate<String> hasMembers, long nowMs, long retentionMs,
                              long startedAtMs) {
        List<Expired> expired = new ArrayList<>();
        for (String groupId : table.groupsWithAnyState()) {
            if (!hasMembers.test(groupId)) {
                expiredOf(table, groupId, nowMs, retentionMs, startedAtMs).ifPresent(expired::add);
            }
        }
        return expired;
    }

    private static Optional<Expired> expiredOf(OffsetTable table, String groupId, long nowMs, long retentionMs,
                                               long startedAtMs) {
        Optional<OffsetChange.Membership> membership = table.membershipOf(groupId);
        long emptySinceMs = membership.map(m -> m.hasMembers() ? startedAtMs : m.sinceMs()).orElse(Long.MIN_VALUE);
        Map<PartitionId, CommittedOffset> offsets = table.offsetsOf(groupId);
        List<OffsetChange> deletions = new ArrayList<>();
        offsets.forEach((partition, offset) -> {
            if (nowMs - Math.max(offset.commitTimestampMs(), emptySinceMs) >= retentionMs) {
                deletions.add(new OffsetChange.Deleted(groupId, partition));
            }
        });
        boolean emptyLongEnough = membership.isEmpty() || nowMs - emptySinceMs >= retentionMs;
        String since = membership.isEmpty() ? "committed outside any group"
                : "no members since " + Instant.ofEpochMilli(emptySinceMs);
        if (deletions.size() == offsets.size() && emptyLongEnough) {
            return Optional.of(new Expired(groupId, List.of(new OffsetChange.GroupDeleted(groupId)), offsets.size(),
                    true, since));
        }
        if (deletions.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Expired(groupId, deletions, deletions.size(), false, since));
    }
}
