package io.riverlog.actors.groups;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.pekko.actor.typed.ActorRef;

import io.riverlog.actors.partition.PartitionId;

/**
 * What the {@link GroupManager} is asked about groups of the consumer group protocol (KIP-848), and
 * what it answers; each request goes to the group's actor, a
 * {@link io.riverlog.actors.groups.consumer.ConsumerGroup}. Topics are named, never given by id:
 * the Kafka adapter translates.
 */
public final class ConsumerGroupRequests {
    /** The member epoch of a member that leaves the group. */
    public static final int LEAVE_EPOCH = -1;
    /** The member epoch of a static member that leaves for now and will come back under its instance id. */
    public static final int STATIC_LEAVE_EPOCH = -2;
    /** The member epoch of a member that joins, or rejoins after it was fenced. */
    public static final int JOIN_EPOCH = 0;

    private ConsumerGroupRequests() {
    }

    /** A request about one consumer group, handled by its actor. */
    public sealed interface ConsumerRequest extends GroupRequests.Request, GroupActor.Command
            permits Heartbeat, Describe {
        String groupId();
    }

    /**
     * One ConsumerGroupHeartbeat. Fields that are null in the request (unchanged since the last
     * heartbeat) are empty here.
     *
     * @param topics            every topic of the broker with its partition count, as the registry listed
     *                          them for this request: what subscriptions are resolved against
     * @param ownedPartitions   the partitions the member owns, if it reported them
     * @param rebalanceTimeoutMs how long the member may take to revoke partitions; -1 if unchanged
     */
    public record Heartbeat(String groupId, String memberId, int memberEpoch, Optional<String> instanceId,
                            Optional<String> rackId, int rebalanceTimeoutMs,
                            Optional<List<String>> subscribedTopicNames,
                            Optional<String> subscribedTopicRegex, Optional<String> serverAssignor,
                            Optional<Set<PartitionId>> ownedPartitions, String clientId, String clientHost,
                            Map<String, Integer> topics, ActorRef<HeartbeatResult> replyTo) implements ConsumerRequest {
        public Heartbeat {
            memberId = memberId == null ? "" : memberId;
            subscribedTopicNames = subscribedTopicNames.map(List::copyOf);
            ownedPartitions = ownedPartitions.map(Set::copyOf);
            topics = Map.copyOf(topics);
        }

        @Override
        public void fail(GroupError error) {
            replyTo.tell(HeartbeatResult.failed(error, ""));
        }
    }

    /**
     * The answer to a heartbeat. The assignment is given when the member must learn it: when it
     * joined, reported what it owns, or its assignment changed.
     */
    public record HeartbeatResult(GroupError error, String errorMessage, String memberId, int memberEpoch,
                                  int heartbeatIntervalMs, Optional<Set<PartitionId>> assignment) {
        public static HeartbeatResult failed(GroupError error, String message) {
            return new HeartbeatResult(error, message, "", 0, 0, Optional.empty());
        }
    }

    /** ConsumerGroupDescribe of one group. */
    public record Describe(String groupId, ActorRef<ConsumerGroupDescription> replyTo) implements ConsumerRequest {
        @Override
        public void fail(GroupError error) {
            replyTo.tell(ConsumerGroupDescription.failed(groupId, error, ""));
        }
    }

    public record ConsumerGroupDescription(GroupError error, String errorMessage, String groupId, GroupState state,
                                           int groupEpoch, int assignmentEpoch, String assignorName,
                                           List<DescribedMember> members) {
        static ConsumerGroupDescription failed(String groupId, GroupError error, String message) {
            return new ConsumerGroupDescription(error, message, groupId, GroupState.DEAD, 0, 0, "", List.of());
        }
    }

    public record DescribedMember(String memberId, Optional<String> instanceId, Optional<String> rackId,
                                  int memberEpoch, String clientId, String clientHost,
                                  List<String> subscribedTopicNames,
                                  Optional<String> subscribedTopicRegex, Set<PartitionId> assignment,
                                  Set<PartitionId> targetAssignment) {
    }
}
