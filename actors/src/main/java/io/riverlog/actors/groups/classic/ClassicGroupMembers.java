package io.riverlog.actors.groups.classic;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.GroupRequests;
import io.riverlog.actors.groups.GroupRequests.Protocol;

/**
 * The members of one classic group, in the order they joined: the leader, the protocol type, the member
 * ids handed out but not yet used to join (pending members), and static members by group instance
 * id. Plain data with the rules Kafka applies to it: who may join, which protocol the group uses,
 * who leads. Only its {@link ClassicGroup} touches it.
 */
final class ClassicGroupMembers {
    private final Map<String, ClassicGroupMember> members = new LinkedHashMap<>();
    private final Map<String, String> memberIdByInstanceId = new HashMap<>();
    private final Set<String> pending = new LinkedHashSet<>();
    private String leaderId;
    private String protocolType;

    boolean isEmpty() {
        return members.isEmpty();
    }

    int size() {
        return members.size();
    }

    Collection<ClassicGroupMember> all() {
        return Collections.unmodifiableCollection(members.values());
    }

    Optional<ClassicGroupMember> get(String memberId) {
        return Optional.ofNullable(members.get(memberId));
    }

    /** The member that holds the group instance id, if any. */
    Optional<String> memberIdOf(String groupInstanceId) {
        return Optional.ofNullable(memberIdByInstanceId.get(groupInstanceId));
    }

    /** The leader's member id; null while the group has no members. */
    String leaderId() {
        return leaderId;
    }

    boolean isLeader(String memberId) {
        return memberId.equals(leaderId);
    }

    /** The protocol type of the group's members; empty before the first member joined. */
    Optional<String> protocolType() {
        return Optional.ofNullable(protocolType);
    }

    /** Adds a member; the first member of an empty group leads it and sets its protocol type. */
    void add(ClassicGroupMember member, String memberProtocolType) {
        if (members.isEmpty()) {
            protocolType = memberProtocolType;
        }
        members.put(member.memberId(), member);
        member.groupInstanceId().ifPresent(instance -> memberIdByInstanceId.put(instance, member.memberId()));
        if (leaderId == null) {
            leaderId = member.memberId();
        }
    }

    /** Removes a member; if it led the group, the next member (one waiting to join, if any) leads. */
    Optional<ClassicGroupMember> remove(String memberId) {
        ClassicGroupMember removed = members.remove(memberId);
        if (removed == null) {
            return Optional.empty();
        }
        removed.groupInstanceId().ifPresent(instance -> memberIdByInstanceId.remove(instance, memberId));
        if (memberId.equals(leaderId)) {
            leaderId = members.values().stream().filter(m -> m.awaitingJoin() != null).findFirst()
                    .or(() -> members.values().stream().findFirst()).map(ClassicGroupMember::memberId).orElse(null);
        }
        return Optional.of(removed);
    }

    /** Puts {@code replacement} in the place of a static member that rejoined under a new member id. */
    void replace(String oldMemberId, ClassicGroupMember replacement) {
        boolean led = oldMemberId.equals(leaderId);
        remove(oldMemberId);
        members.put(replacement.memberId(), replacement);
        replacement.groupInstanceId().ifPresent(instance -> memberIdByInstanceId.put(instance, replacement.memberId()));
        if (led || leaderId == null) {
            leaderId = replacement.memberId();
        }
    }

    /** The members as DescribeGroups shows them; with metadata and assignments only if a protocol is given. */
    List<GroupRequests.DescribedMember> describe(Optional<String> protocolName) {
        return members.values().stream().map(m -> new GroupRequests.DescribedMember(m.memberId(), m.groupInstanceId(),
                m.clientId(), m.clientHost(), protocolName.map(m::metadata).orElse(new byte[0]),
                protocolName.isPresent() ? m.assignment() : new byte[0])).toList();
    }

    // ---------------------------------------------------------------- pending members

    void addPending(String memberId) {
        pending.add(memberId);
    }

    boolean removePending(String memberId) {
        return pending.remove(memberId);
    }

    // ---------------------------------------------------------------- rules

    /**
     * Whether the member is who it says: NONE, UNKNOWN_MEMBER_ID, or FENCED_INSTANCE_ID when another
     * member took over its group instance id.
     */
    GroupError validate(String memberId, Optional<String> groupInstanceId) {
        if (groupInstanceId.isPresent()) {
            String holder = memberIdByInstanceId.get(groupInstanceId.get());
            if (holder == null) {
                return GroupError.UNKNOWN_MEMBER_ID;
            }
            return holder.equals(memberId) ? GroupError.NONE : GroupError.FENCED_INSTANCE_ID;
        }
        return members.containsKey(memberId) ? GroupError.NONE : GroupError.UNKNOWN_MEMBER_ID;
    }

    /**
     * Whether a member with this protocol type and these protocols may be in the group: the type
     * must be the group's, and one of the protocols must be supported by every member.
     */
    boolean accepts(String memberProtocolType, List<Protocol> protocols) {
        if (memberProtocolType == null || memberProtocolType.isEmpty() || protocols.isEmpty()) {
            return false;
        }
        if (members.isEmpty()) {
            return true;
        }
        return memberProtocolType.equals(protocolType)
                && protocols.stream().anyMatch(p -> members.values().stream().allMatch(m -> m.supports(p.name())));
    }

    /** True when every member waits on its JoinGroup and no member id handed out is still unused. */
    boolean allJoined() {
        return pending.isEmpty() && members.values().stream().allMatch(m -> m.awaitingJoin() != null);
    }

    /** Members that did not send a JoinGroup in this rebalance. */
    List<ClassicGroupMember> notRejoined() {
        return members.values().stream().filter(m -> m.awaitingJoin() == null).toList();
    }

    /** Makes sure the leader is a member that rejoined, as the leader must compute the assignment. */
    void electJoinedLeader() {
        ClassicGroupMember leader = members.get(leaderId);
        if (leader == null || leader.awaitingJoin() == null) {
            members.values().stream().filter(m -> m.awaitingJoin() != null).findFirst()
                    .ifPresent(m -> leaderId = m.memberId());
        }
    }

    /** The longest rebalance timeout of the members: how long a rebalance waits for them. */
    int rebalanceTimeoutMs() {
        return members.values().stream().mapToInt(ClassicGroupMember::rebalanceTimeoutMs).max().orElse(0);
    }

    /**
     * The protocol the group will use, as Kafka chooses it: among the protocols every member
     * supports, each member votes for the one it prefers most; most votes wins, and a tie goes to
     * the protocol the leader prefers.
     */
    String selectProtocol() {
        ClassicGroupMember leader = members.get(leaderId);
        List<String> candidates = new ArrayList<>();
        for (Protocol protocol : leader.protocols()) {
            if (members.values().stream().allMatch(m -> m.supports(protocol.name()))) {
                candidates.add(protocol.name());
            }
        }
        if (candidates.isEmpty()) {
            throw new IllegalStateException("no protocol is supported by every member");
        }
        Map<String, Integer> votes = new LinkedHashMap<>();
        candidates.forEach(name -> votes.put(name, 0));
        members.values().forEach(m -> votes.merge(m.vote(candidates), 1, Integer::sum));
        String chosen = candidates.get(0);
        for (String name : candidates) {
            if (votes.get(name) > votes.get(chosen)) {
                chosen = name;
            }
        }
        return chosen;
    }
}
