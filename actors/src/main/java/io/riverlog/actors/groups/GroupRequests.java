package io.riverlog.actors.groups;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.apache.pekko.actor.typed.ActorRef;

import io.riverlog.actors.partition.PartitionId;

/**
 * What the {@link GroupManager} is asked, and what it answers: Kafka's classic group APIs and the
 * committed offsets, one request record per API, each with its {@code replyTo}. Every request has
 * a way to be answered with nothing but an error ({@link Request#fail}), which is how requests are
 * refused while the offsets are replayed at start, or while the broker stops.
 */
public final class GroupRequests {
    private GroupRequests() {
    }

    /** A request the group manager answers. */
    public sealed interface Request extends GroupManager.Command
            permits GroupRequest, FetchOffsets, ListGroups, ConsumerGroupRequests.ConsumerRequest {
        /** Answers the request with {@code error} and nothing else. */
        void fail(GroupError error);
    }

    /**
     * A request about one group, handled by the group's actor (of either protocol: the APIs of
     * offsets and administration are common to both), or by the manager if the group has none.
     */
    public sealed interface GroupRequest extends Request, GroupActor.Command
            permits JoinGroup, SyncGroup, Heartbeat, LeaveGroup, CommitOffsets, DescribeGroup, DeleteGroup,
            DeleteOffsets {
        String groupId();
    }

    // ---------------------------------------------------------------- JoinGroup

    /** A protocol a member supports (for consumers: an assignor), with its metadata (the subscription). */
    public record Protocol(String name, byte[] metadata) {
        public Protocol {
            Objects.requireNonNull(name, "name");
            metadata = metadata == null ? new byte[0] : metadata;
        }
    }

    /**
     * Joins (or rejoins) the group. An empty {@code memberId} asks for a new member id.
     *
     * @param requireKnownMemberId a new member first gets its id with MEMBER_ID_REQUIRED, then joins
     *                             with it (JoinGroup v4 and later)
     * @param rebalanceTimeoutMs   how long a rebalance waits for this member to rejoin
     */
    public record JoinGroup(String groupId, String memberId, Optional<String> groupInstanceId, String clientId,
                            String clientHost, int sessionTimeoutMs, int rebalanceTimeoutMs, String protocolType,
                            List<Protocol> protocols, boolean requireKnownMemberId, String reason,
                            ActorRef<JoinResult> replyTo) implements GroupRequest {
        public JoinGroup {
            groupInstanceId = orEmpty(groupInstanceId);
            protocols = List.copyOf(protocols);
            memberId = memberId == null ? "" : memberId;
            reason = reason == null ? "" : reason;
        }

        @Override
        public void fail(GroupError error) {
            replyTo.tell(JoinResult.failed(error, memberId));
        }
    }

    /**
     * The answer to a JoinGroup: the new generation, the chosen protocol and the leader; the leader
     * also gets every member with its metadata for that protocol, to compute the assignment.
     */
    public record JoinResult(GroupError error, int generationId, Optional<String> protocolType,
                             Optional<String> protocolName, String leaderId, String memberId,
                             List<JoinedMember> members) {
        public static final int NO_GENERATION = -1;

        public static JoinResult failed(GroupError error, String memberId) {
            return new JoinResult(error, NO_GENERATION, Optional.empty(), Optional.empty(), "", memberId, List.of());
        }
    }

    public record JoinedMember(String memberId, Optional<String> groupInstanceId, byte[] metadata) {
    }

    // ---------------------------------------------------------------- SyncGroup

    /** Asks for this member's assignment; the leader brings everyone's (empty for the others). */
    public record SyncGroup(String groupId, int generationId, String memberId, Optional<String> groupInstanceId,
                            Optional<String> protocolType, Optional<String> protocolName,
                            Map<String, byte[]> assignments, ActorRef<SyncResult> replyTo) implements GroupRequest {
        public SyncGroup {
            groupInstanceId = orEmpty(groupInstanceId);
            protocolType = orEmpty(protocolType);
            protocolName = orEmpty(protocolName);
            assignments = Collections.unmodifiableMap(new LinkedHashMap<>(assignments));
        }

        @Override
        public void fail(GroupError error) {
            replyTo.tell(new SyncResult(error, Optional.empty(), Optional.empty(), new byte[0]));
        }
    }

    public record SyncResult(GroupError error, Optional<String> protocolType, Optional<String> protocolName,
                             byte[] assignment) {
    }

    // ---------------------------------------------------------------- Heartbeat

    public record Heartbeat(String groupId, int generationId, String memberId, Optional<String> groupInstanceId,
                            ActorRef<HeartbeatResult> replyTo) implements GroupRequest {
        public Heartbeat {
            groupInstanceId = orEmpty(groupInstanceId);
        }

        @Override
        public void fail(GroupError error) {
            replyTo.tell(new HeartbeatResult(error));
        }
    }

    public record HeartbeatResult(GroupError error) {
    }

    // ---------------------------------------------------------------- LeaveGroup

    /** A member to remove: by member id, or (static members) by group instance id with an empty member id. */
    public record LeavingMember(String memberId, Optional<String> groupInstanceId, String reason) {
        public LeavingMember {
            memberId = memberId == null ? "" : memberId;
            groupInstanceId = orEmpty(groupInstanceId);
            reason = reason == null ? "" : reason;
        }
    }

    public record LeaveGroup(String groupId, List<LeavingMember> members, ActorRef<LeaveResult> replyTo)
            implements GroupRequest {
        public LeaveGroup {
            members = List.copyOf(members);
        }

        @Override
        public void fail(GroupError error) {
            replyTo.tell(new LeaveResult(error, members.stream()
                    .map(m -> new MemberLeft(m.memberId(), m.groupInstanceId(), error)).toList()));
        }
    }

    /** {@code error} concerns the whole group; each member has its own outcome too. */
    public record LeaveResult(GroupError error, List<MemberLeft> members) {
    }

    public record MemberLeft(String memberId, Optional<String> groupInstanceId, GroupError error) {
    }

    // ---------------------------------------------------------------- offsets

    /**
     * Commits offsets. A member of the group names its generation and member id; a consumer that
     * assigns its partitions itself (or an admin tool) sends generation -1 and no member id, which
     * is accepted only while the group has no members.
     */
    public record CommitOffsets(String groupId, int generationId, String memberId, Optional<String> groupInstanceId,
                                Map<PartitionId, CommittedOffset> offsets, ActorRef<CommitResult> replyTo)
            implements GroupRequest {
        public CommitOffsets {
            memberId = memberId == null ? "" : memberId;
            groupInstanceId = orEmpty(groupInstanceId);
            offsets = Collections.unmodifiableMap(new LinkedHashMap<>(offsets));
        }

        /** A commit from outside group management: no generation, no member. */
        public boolean isSimple() {
            return generationId < 0 && memberId.isEmpty() && groupInstanceId.isEmpty();
        }

        @Override
        public void fail(GroupError error) {
            replyTo.tell(CommitResult.of(error, offsets.keySet()));
        }
    }

    /** The outcome of every partition of a commit. */
    public record CommitResult(Map<PartitionId, GroupError> partitions) {
        static CommitResult of(GroupError error, Set<PartitionId> partitions) {
            Map<PartitionId, GroupError> out = new LinkedHashMap<>();
            partitions.forEach(p -> out.put(p, error));
            return new CommitResult(out);
        }
    }

    /**
     * The group's committed offsets of {@code partitions}, or of every partition if empty. A member of
     * a consumer-protocol group names itself and its epoch (OffsetFetch v9 on), which is checked first.
     */
    public record FetchOffsets(String groupId, Optional<List<PartitionId>> partitions, Optional<String> memberId,
                               int memberEpoch, ActorRef<FetchResult> replyTo) implements Request, GroupActor.Command {
        public static final int NO_MEMBER_EPOCH = -1;

        public FetchOffsets {
            memberId = orEmpty(memberId).filter(id -> !id.isEmpty());
        }

        /** A fetch from outside any group membership (admin tools, older consumers). */
        public FetchOffsets(String groupId, Optional<List<PartitionId>> partitions, ActorRef<FetchResult> replyTo) {
            this(groupId, partitions, Optional.empty(), NO_MEMBER_EPOCH, replyTo);
        }

        @Override
        public void fail(GroupError error) {
            replyTo.tell(new FetchResult(error, Map.of()));
        }
    }

    /** Offsets of partitions the group never committed (or whose offsets were deleted) are absent. */
    public record FetchResult(GroupError error, Map<PartitionId, CommittedOffset> offsets) {
    }

    /** Deletes the group's offsets of these partitions, unless its members are subscribed to their topics. */
    public record DeleteOffsets(String groupId, Set<PartitionId> partitions, ActorRef<DeleteOffsetsResult> replyTo)
            implements GroupRequest {
        public DeleteOffsets {
            partitions = Set.copyOf(partitions);
        }

        @Override
        public void fail(GroupError error) {
            replyTo.tell(new DeleteOffsetsResult(error, Map.of()));
        }
    }

    public record DeleteOffsetsResult(GroupError error, Map<PartitionId, GroupError> partitions) {
    }

    // ---------------------------------------------------------------- administration

    public record ListGroups(ActorRef<GroupListing> replyTo) implements Request {
        @Override
        public void fail(GroupError error) {
            replyTo.tell(new GroupListing(error, List.of()));
        }
    }

    public record GroupListing(GroupError error, List<GroupOverview> groups) {
    }

    /**
     * A group as ListGroups shows it; the protocol type is empty for a group that only committed
     * offsets. {@code consumerProtocol}: the group uses the consumer group protocol (KIP-848), not the
     * classic one.
     */
    public record GroupOverview(String groupId, String protocolType, GroupState state, boolean consumerProtocol) {
        /** The protocol type of consumers: of every consumer-protocol group, and of classic groups of consumers. */
        public static final String CONSUMER_PROTOCOL_TYPE = "consumer";

        public GroupOverview(String groupId, String protocolType, GroupState state) {
            this(groupId, protocolType, state, false);
        }
    }

    public record DescribeGroup(String groupId, ActorRef<GroupDescription> replyTo) implements GroupRequest {
        @Override
        public void fail(GroupError error) {
            replyTo.tell(GroupDescription.failed(groupId, error));
        }
    }

    /**
     * A group and its members. Members' metadata and assignments are given only while the group is
     * Stable, as Kafka does; the protocol name is empty unless the group has a generation with members.
     */
    public record GroupDescription(GroupError error, String groupId, GroupState state, String protocolType,
                                   String protocolName, List<DescribedMember> members) {
        public static GroupDescription failed(String groupId, GroupError error) {
            return new GroupDescription(error, groupId, GroupState.DEAD, "", "", List.of());
        }
    }

    public record DescribedMember(String memberId, Optional<String> groupInstanceId, String clientId,
                                  String clientHost, byte[] metadata, byte[] assignment) {
    }

    /** Deletes a group without members, and every offset it committed. */
    public record DeleteGroup(String groupId, ActorRef<DeleteGroupResult> replyTo) implements GroupRequest {
        @Override
        public void fail(GroupError error) {
            replyTo.tell(new DeleteGroupResult(error));
        }
    }

    public record DeleteGroupResult(GroupError error) {
    }

    private static <T> Optional<T> orEmpty(Optional<T> value) {
        return value == null ? Optional.empty() : value;
    }
}
