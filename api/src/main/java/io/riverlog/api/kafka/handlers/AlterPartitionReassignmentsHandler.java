package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignablePartition;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignableTopic;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignableTopicResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AlterPartitionReassignmentsRequest;

import io.riverlog.actors.cluster.Placement;
import io.riverlog.actors.topics.TopicInfo;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.api.topics.ClusterView;

/**
 * AlterPartitionReassignments, as Kafka's kafka-reassign-partitions and Admin.alterPartitionReassignments
 * send it, served by any node. A partition's replicas are its partition group's members, so a
 * reassignment moves the partition's group, with every partition it carries (Kafka moves one
 * partition): the answer says so, and ListPartitionReassignments lists them all while the move runs.
 * Two partitions of one group asked to go to different replicas in one request are refused
 * (INVALID_REPLICA_ASSIGNMENT) as the later one; null replicas cancel a move under way (the group goes
 * back to its members). The moves are answered once the metadata group has recorded them; each
 * group's leader then carries its move out (new members copy the group's log, then the configuration
 * changes: {@code GroupMoves}). On a single node the only replica is this node.
 */
final class AlterPartitionReassignmentsHandler implements KafkaRequestHandler {
    private static final short FIRST_VERSION_WITH_FACTOR_FLAG = 1;

    private final BrokerTopics topics;

    AlterPartitionReassignmentsHandler(BrokerTopics topics) {
        this.topics = topics;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        AlterPartitionReassignmentsRequestData data = request.bodyAs(AlterPartitionReassignmentsRequest.class).data();
        boolean factorMayChange = request.apiVersion() < FIRST_VERSION_WITH_FACTOR_FLAG
                || data.allowReplicationFactorChange();
        return topics.list().thenCompose(known -> {
            Map<String, TopicInfo> byName = new HashMap<>();
            known.forEach(topic -> byName.put(topic.name(), topic));
            Plan plan = new Plan(topics.cluster(), factorMayChange);
            Map<String, List<ReassignablePartitionResponse>> answers = new LinkedHashMap<>();
            for (ReassignableTopic topic : data.topics()) {
                List<ReassignablePartitionResponse> partitions = answers.computeIfAbsent(topic.name(),
                        name -> new ArrayList<>());
                for (ReassignablePartition partition : topic.partitions()) {
                    partitions.add(plan.add(byName.get(topic.name()), partition));
                }
            }
            CompletionStage<Optional<String>> recorded = plan.targets.isEmpty()
                    ? CompletableFuture.completedFuture(Optional.empty())
                    : topics.moveGroups(plan.targets).handle((reply, failure) -> failure != null
                            ? Optional.of("the move was not recorded in time: " + failure.getMessage())
                            : reply.error().map(error -> reply.message()));
            return recorded.thenApply(failure -> {
                AlterPartitionReassignmentsResponseData out = new AlterPartitionReassignmentsResponseData()
                        .setThrottleTimeMs(0).setErrorCode(Errors.NONE.code())
                        .setAllowReplicationFactorChange(factorMayChange);
                answers.forEach((name, partitions) -> {
                    failure.ifPresent(message -> partitions.stream()
                            .filter(partition -> partition.errorCode() == Errors.NONE.code())
                            .forEach(partition -> partition.setErrorCode(Errors.REQUEST_TIMED_OUT.code())
                                    .setErrorMessage(message)));
                    out.responses().add(new ReassignableTopicResponse().setName(name).setPartitions(partitions));
                });
                return Optional.<ApiMessage>of(out);
            });
        });
    }

    /** The groups one request moves, each to one target, and why a partition's move was refused. */
    private static final class Plan {
        private final ClusterView cluster;
        private final boolean factorMayChange;
        private final Map<Integer, List<Integer>> targets = new HashMap<>();
        /** The partition that set each group's target, to name in a refusal. */
        private final Map<Integer, String> setBy = new HashMap<>();

        Plan(ClusterView cluster, boolean factorMayChange) {
            this.cluster = cluster;
            this.factorMayChange = factorMayChange;
        }

        ReassignablePartitionResponse add(TopicInfo topic, ReassignablePartition asked) {
            ReassignablePartitionResponse answer = new ReassignablePartitionResponse()
                    .setPartitionIndex(asked.partitionIndex());
            int partition = asked.partitionIndex();
            if (topic == null || partition < 0 || partition >= topic.partitions()) {
                return refuse(answer, Errors.UNKNOWN_TOPIC_OR_PARTITION, "no such partition");
            }
            List<Integer> replicas = asked.replicas();
            Placement placement = cluster.placement();
            if (!cluster.isCluster()) {
                if (replicas == null) {
                    return refuse(answer, Errors.NO_REASSIGNMENT_IN_PROGRESS, "no reassignment is under way");
                }
                return replicas.equals(List.of(cluster.self())) ? answer.setErrorCode(Errors.NONE.code())
                        : refuse(answer, Errors.INVALID_REPLICA_ASSIGNMENT, "a single node (" + cluster.self()
                                + ") holds every partition");
            }
            int group = placement.groupOf(topic.topicId(), partition);
            List<Integer> members = placement.replicasOfGroup(group);
            List<Integer> target;
            if (replicas == null) {
                if (placement.targetOfGroup(group).isEmpty()) {
                    return refuse(answer, Errors.NO_REASSIGNMENT_IN_PROGRESS, "no reassignment is under way");
                }
                target = members;
            } else {
                Optional<String> wrong = invalid(replicas, placement.members().nodeIds(), members);
                if (wrong.isPresent()) {
                    return refuse(answer, Errors.INVALID_REPLICA_ASSIGNMENT, wrong.get());
                }
                target = List.copyOf(replicas);
            }
            String name = topic.name() + "-" + partition;
            List<Integer> earlier = targets.putIfAbsent(group, target);
            if (earlier != null && !earlier.equals(target)) {
                return refuse(answer, Errors.INVALID_REPLICA_ASSIGNMENT, "this partition shares its replicas"
                        + " (partition group " + group + ") with " + setBy.get(group) + ", which this request"
                        + " moves to " + earlier + ": the partitions of a group move together");
            }
            setBy.putIfAbsent(group, name);
            return answer.setErrorCode(Errors.NONE.code()).setErrorMessage(
                    "partition group " + group + " moves to " + target + " with every partition it carries");
        }

        private Optional<String> invalid(List<Integer> replicas, List<Integer> nodes, List<Integer> members) {
            int factor = members.size();
            if (replicas.isEmpty()) {
                return Optional.of("no replicas given");
            }
            if (new HashSet<>(replicas).size() != replicas.size()) {
                return Optional.of("a replica is named twice: " + replicas);
            }
            for (int replica : replicas) {
                if (!nodes.contains(replica)) {
                    return Optional.of("node " + replica + " is not a member of the cluster " + nodes);
                }
            }
            if (!factorMayChange && replicas.size() != factor) {
                return Optional.of("the replication factor would change from " + factor + " to " + replicas.size());
            }
            long added = replicas.stream().filter(node -> !members.contains(node)).count();
            long kept = replicas.size() - added;
            boolean fromOne = members.size() == 1 && replicas.size() == 2 && added == 1;
            if (added >= kept && !fromOne) {
                // Raft's configuration change would let the new members elect a leader without the old ones.
                return Optional.of("a move must keep more of the present replicas " + members + " than it adds ("
                        + added + " new of " + replicas + "): move in steps");
            }
            return Optional.empty();
        }

        private static ReassignablePartitionResponse refuse(ReassignablePartitionResponse answer, Errors error,
                                                            String message) {
            return answer.setErrorCode(error.code()).setErrorMessage(message);
        }
    }
}
