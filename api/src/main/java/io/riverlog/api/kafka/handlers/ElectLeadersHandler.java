package io.riverlog.api.kafka.handlers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ElectLeadersRequest;

import io.riverlog.actors.cluster.Placement;
import io.riverlog.actors.topics.TopicInfo;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.api.topics.ClusterView;

/**
 * ElectLeaders, as Kafka's admin tools send it (kafka-leader-election, Admin.electLeaders), served by
 * any node. A preferred election moves the partition's group's leadership to the group's first member
 * (its preferred leader): Raft moves it only to a member that has every committed entry, and since a
 * group carries several partitions, they all move together. The answer is ELECTION_NOT_NEEDED where
 * the preferred leader already leads (left out when every partition was asked for, as Kafka does),
 * PREFERRED_LEADER_NOT_AVAILABLE where the move did not happen in time. There is no unclean election
 * in Raft: an unclean one is ELECTION_NOT_NEEDED where a leader exists and ELIGIBLE_LEADERS_NOT_AVAILABLE
 * where none does. On a single node the only replica always leads.
 */
final class ElectLeadersHandler implements KafkaRequestHandler {
    private static final short FIRST_VERSION_WITH_TYPE = 1;

    private final BrokerTopics topics;

    ElectLeadersHandler(BrokerTopics topics) {
        this.topics = topics;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        ElectLeadersRequestData data = request.bodyAs(ElectLeadersRequest.class).data();
        ElectionType type = request.apiVersion() >= FIRST_VERSION_WITH_TYPE
                ? ElectionType.valueOf(data.electionType()) : ElectionType.PREFERRED;
        Duration timeout = Duration.ofMillis(Math.max(1, data.timeoutMs()));
        boolean all = data.topicPartitions() == null;
        return topics.list().thenCompose(known -> {
            Map<String, TopicInfo> byName = new HashMap<>();
            known.forEach(topic -> byName.put(topic.name(), topic));
            Map<String, List<Integer>> asked = new java.util.LinkedHashMap<>();
            if (all) {
                known.forEach(topic -> asked.put(topic.name(),
                        java.util.stream.IntStream.range(0, topic.partitions()).boxed().toList()));
            } else {
                data.topicPartitions().forEach(topic -> asked.computeIfAbsent(topic.topic(), t -> new ArrayList<>())
                        .addAll(topic.partitions()));
            }
            Election election = new Election(type, timeout);
            List<CompletableFuture<ReplicaElectionResult>> results = new ArrayList<>();
            asked.forEach((name, partitions) -> {
                List<CompletableFuture<PartitionResult>> answers = new ArrayList<>();
                for (int partition : partitions) {
                    answers.add(election.elect(byName.get(name), partition));
                }
                results.add(CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(done -> {
                    List<PartitionResult> kept = answers.stream().map(CompletableFuture::join)
                            .filter(r -> !all || r.errorCode() != Errors.ELECTION_NOT_NEEDED.code()).toList();
                    return new ReplicaElectionResult().setTopic(name).setPartitionResult(kept);
                }));
            });
            return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
                ElectLeadersResponseData out = new ElectLeadersResponseData().setThrottleTimeMs(0)
                        .setErrorCode(Errors.NONE.code());
                results.stream().map(CompletableFuture::join).filter(r -> !r.partitionResult().isEmpty())
                        .forEach(out.replicaElectionResults()::add);
                return Optional.<ApiMessage>of(out);
            });
        });
    }

    /** One request's elections: one leadership move per group, shared by the group's partitions. */
    private final class Election {
        private final ElectionType type;
        private final Duration timeout;
        private final Map<Integer, CompletableFuture<Void>> moves = new HashMap<>();

        Election(ElectionType type, Duration timeout) {
            this.type = type;
            this.timeout = timeout;
        }

        CompletableFuture<PartitionResult> elect(TopicInfo topic, int partition) {
            PartitionResult result = new PartitionResult().setPartitionId(partition);
            if (topic == null || partition < 0 || partition >= topic.partitions()) {
                return done(result, Errors.UNKNOWN_TOPIC_OR_PARTITION, "no such partition");
            }
            ClusterView cluster = topics.cluster();
            if (!cluster.isCluster() || cluster.transfers().isEmpty()) {
                return done(result, Errors.ELECTION_NOT_NEEDED, "the only replica leads");
            }
            Placement placement = cluster.placement();
            OptionalInt leader = placement.leaderOf(topic.topicId(), partition);
            if (type == ElectionType.UNCLEAN) {
                return leader.isPresent() ? done(result, Errors.ELECTION_NOT_NEEDED, "a replica leads")
                        : done(result, Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE, "a leader is being elected among the"
                                + " replicas that hold every committed record; there is no unclean election");
            }
            int group = placement.groupOf(topic.topicId(), partition);
            int preferred = placement.replicasOfGroup(group).get(0);
            if (leader.isPresent() && leader.getAsInt() == preferred) {
                return done(result, Errors.ELECTION_NOT_NEEDED, "the preferred leader leads");
            }
            return moves.computeIfAbsent(group, g -> cluster.transfers().get().transfer(g, preferred, timeout)
                    .toCompletableFuture()).handle((moved, failure) -> failure == null
                    ? result.setErrorCode(Errors.NONE.code())
                    : result.setErrorCode(Errors.PREFERRED_LEADER_NOT_AVAILABLE.code()).setErrorMessage(
                            "node " + preferred + " did not take the leadership within " + timeout + ": "
                                    + rootCause(failure)));
        }
    }

    private static String rootCause(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause != cause.getCause()) {
            cause = cause.getCause();
        }
        return cause.toString();
    }

    private static CompletableFuture<PartitionResult> done(PartitionResult result, Errors error, String message) {
        return CompletableFuture.completedFuture(result.setErrorCode(error.code()).setErrorMessage(message));
    }
}
