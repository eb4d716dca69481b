package io.riverlog.actors.groups.consumer;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import io.riverlog.actors.groups.consumer.assign.AssignmentSpec;
import io.riverlog.actors.groups.consumer.assign.PartitionAssignor;
import io.riverlog.actors.partition.PartitionId;

/**
 * The assignment side of one consumer-protocol group: its group epoch, the target assignment and the
 * epoch it was computed for, which member holds each partition, and the topics the members' subscriptions
 * resolve to. Members move towards their targets through {@link #reconcile}, which keeps the holders
 * up to date so that no partition is ever given to a member while another still holds it. Plain data
 * with rules; only its {@link ConsumerGroup} touches it.
 */
final class TargetAssignment {
    /** Which member holds each partition (assigned to it, or not yet revoked by it). */
    private final Map<PartitionId, String> holders = new HashMap<>();
    private Map<String, Set<PartitionId>> target = Map.of();
    /** The partition count of every existing topic some member subscribes to. */
    private Map<String, Integer> subscribedTopics = Map.of();
    /** The broker's topics as the latest heartbeat brought them. */
    private Map<String, Integer> topics = Map.of();
    private int groupEpoch;
    private int assignmentEpoch;
    private String assignorName = "";

    int groupEpoch() {
        return groupEpoch;
    }

    int assignmentEpoch() {
        return assignmentEpoch;
    }

    String assignorName() {
        return assignorName;
    }

    Set<PartitionId> targetOf(String memberId) {
        return target.getOrDefault(memberId, Set.of());
    }

    /** The topics the member subscribes to, its regex resolved against the latest topics. */
    Set<String> topicsOf(ConsumerGroupMember member) {
        return member.resolveTopics(topics);
    }

    /** Takes the broker's topics a heartbeat brought. */
    void seeTopics(Map<String, Integer> latest) {
        topics = latest;
    }

    /** True if the members' subscriptions now resolve to other topics or partition counts than the target's. */
    boolean subscribedTopicsChanged(Collection<ConsumerGroupMember> members) {
        return !subscribedTopicCounts(members).equals(subscribedTopics);
    }

    /** Bumps the group epoch and computes the target assignment of the new epoch; returns a line for the log. */
    String recompute(Collection<ConsumerGroupMember> members, PartitionAssignor assignor) {
        groupEpoch++;
        subscribedTopics = subscribedTopicCounts(members);
        Map<String, Set<String>> subscriptions = new TreeMap<>();
        members.forEach(m -> subscriptions.put(m.memberId(), topicsOf(m)));
        target = assignor.assign(new AssignmentSpec(subscriptions, subscribedTopics, target));
        assignmentEpoch = groupEpoch;
        assignorName = assignor.name();
        return "epoch " + groupEpoch + ": " + assignorName + " assigned "
                + subscribedTopics.values().stream().mapToInt(Integer::intValue).sum() + " partitions of "
                + subscribedTopics.size() + " topics to " + members.size() + " members";
    }

    /** One reconciliation step of the member ({@link MemberAssignment#reconcile}); returns where it was before. */
    MemberAssignment reconcile(ConsumerGroupMember member, Optional<Set<PartitionId>> owned) {
        MemberAssignment before = member.assignment();
        String id = member.memberId();
        MemberAssignment after = before.reconcile(assignmentEpoch, targetOf(id), owned, partition -> {
            String holder = holders.get(partition);
            return holder != null && !holder.equals(id);
        });
        before.held().forEach(p -> holders.remove(p, id));
        after.held().forEach(p -> holders.put(p, id));
        member.setAssignment(after);
        return before;
    }

    /** The member's assignment becomes {@code next}; partitions it no longer holds are free. */
    void setAssignment(ConsumerGroupMember member, MemberAssignment next) {
        member.assignment().held().forEach(p -> holders.remove(p, member.memberId()));
        next.held().forEach(p -> holders.put(p, member.memberId()));
        member.setAssignment(next);
    }

    /** A static member came back under a new member id: the new id takes over its target and partitions. */
    void transfer(String fromMemberId, String toMemberId) {
        holders.replaceAll((partition, id) -> id.equals(fromMemberId) ? toMemberId : id);
        Map<String, Set<PartitionId>> moved = new HashMap<>(target);
        moved.put(toMemberId, moved.getOrDefault(fromMemberId, Set.of()));
        moved.remove(fromMemberId);
        target = moved;
    }

    /** The member left: its partitions are free and it has no target. */
    void remove(String memberId) {
        holders.values().removeIf(memberId::equals);
        Map<String, Set<PartitionId>> without = new HashMap<>(target);
        without.remove(memberId);
        target = without;
    }

    private Map<String, Integer> subscribedTopicCounts(Collection<ConsumerGroupMember> members) {
        Map<String, Integer> out = new TreeMap<>();
        for (ConsumerGroupMember member : members) {
            for (String topic : topicsOf(member)) {
                Integer partitions = topics.get(topic);
                if (partitions != null) {
                    out.put(topic, partitions);
                }
            }
        }
        return out;
    }
}
