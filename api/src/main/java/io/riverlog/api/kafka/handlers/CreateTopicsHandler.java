package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.CreateTopicsRequest;

import io.riverlog.actors.cluster.Placement;
import io.riverlog.actors.topics.TopicConfigs;
import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.api.topics.TopicIds;

/**
 * CreateTopics. Each partition has the node's replication factor (1 on a single node, min(3, nodes) in
 * a cluster, where its replicas are its partition group's members): another factor is refused.
 * Explicit replica assignments are taken where they follow the partition groups
 * ({@link ReplicaAssignments}): the topic's partition 0 goes to the group they start at, and each
 * next partition to the next group. {@code validateOnly} is answered without
 * creating anything, after the checks that do not need the registry (the configs among them). The
 * answer carries the new topic's configs.
 */
final class CreateTopicsHandler implements KafkaRequestHandler {
    private final BrokerTopics topics;
    private final TopicConfigView view;

    CreateTopicsHandler(BrokerTopics topics, TopicConfigView view) {
        this.topics = topics;
        this.view = view;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        CreateTopicsRequestData data = request.bodyAs(CreateTopicsRequest.class).data();
        List<CompletableFuture<CreatableTopicResult>> results = new ArrayList<>();
        for (CreateTopicsRequestData.CreatableTopic topic : data.topics()) {
            results.add(create(topic, data.validateOnly()));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
            CreateTopicsResponseData out = new CreateTopicsResponseData().setThrottleTimeMs(0);
            results.forEach(result -> out.topics().add(result.join()));
            return Optional.of(out);
        });
    }

    private CompletableFuture<CreatableTopicResult> create(CreateTopicsRequestData.CreatableTopic topic,
                                                          boolean validateOnly) {
        CreatableTopicResult result = new CreatableTopicResult().setName(topic.name()).setTopicId(Uuid.ZERO_UUID)
                .setNumPartitions(-1).setReplicationFactor((short) -1);
        short replication = (short) topics.cluster().placement().replicationFactor();
        if (topic.replicationFactor() != -1 && topic.replicationFactor() != replication) {
            return done(result, Errors.INVALID_REPLICATION_FACTOR, "replication factor "
                    + topic.replicationFactor() + " is not possible: " + (topics.cluster().isCluster()
                    ? "this cluster keeps " + replication + " replicas of each partition (min(3, nodes))"
                    : "a single node holds one replica"));
        }
        OptionalInt firstGroup = OptionalInt.empty();
        if (!topic.assignments().isEmpty()) {
            if (topic.numPartitions() != -1 || topic.replicationFactor() != -1) {
                return done(result, Errors.INVALID_REQUEST, "a topic with replica assignments takes its partition"
                        + " count and replication factor from them: numPartitions and replicationFactor must be -1");
            }
            List<List<Integer>> assignments = new ArrayList<>();
            for (int p = 0; p < topic.assignments().size(); p++) {
                CreateTopicsRequestData.CreatableReplicaAssignment assignment = topic.assignments().find(p);
                if (assignment == null) {
                    return done(result, Errors.INVALID_REPLICA_ASSIGNMENT, "the assignments must be of partitions"
                            + " 0 to " + (topic.assignments().size() - 1) + ", each once; partition " + p
                            + " has none");
                }
                assignments.add(assignment.brokerIds());
            }
            Placement placement = topics.cluster().placement();
            Optional<String> problem = ReplicaAssignments.problemWith(assignments, placement);
            if (problem.isPresent()) {
                return done(result, Errors.INVALID_REPLICA_ASSIGNMENT, problem.get());
            }
            firstGroup = placement.firstGroupFor(assignments);
            if (firstGroup.isEmpty()) {
                return done(result, Errors.INVALID_REPLICA_ASSIGNMENT, "the replicas " + assignments + " cannot be"
                        + " given: " + ReplicaAssignments.whatFits(placement));
            }
        }
        int count = topic.assignments().isEmpty() ? topic.numPartitions() : topic.assignments().size();
        Map<String, String> configs = new LinkedHashMap<>();
        topic.configs().forEach(config -> configs.put(config.name(), config.value()));
        if (validateOnly) {
            Optional<String> problem = TopicConfigs.problemWith(configs);
            if (problem.isPresent()) {
                return done(result, Errors.INVALID_CONFIG, problem.get());
            }
            return done(withConfigs(result.setNumPartitions(count).setReplicationFactor(replication),
                    configs), Errors.NONE, null);
        }
        int partitions = count == -1 ? TopicRegistry.CreateTopic.DEFAULT_PARTITIONS : count;
        CompletionStage<TopicRegistry.ChangeReply> reply = topics.create(topic.name(), partitions, configs, firstGroup);
        return reply.toCompletableFuture().handle((created, error) -> {
            if (error != null) {
                return result.setErrorCode(Errors.REQUEST_TIMED_OUT.code()).setErrorMessage(error.getMessage());
            }
            if (created instanceof TopicRegistry.Changed changed) {
                return withConfigs(result.setErrorCode(Errors.NONE.code()).setTopicId(TopicIds.of(changed.topic()))
                        .setNumPartitions(changed.topic().partitions()).setReplicationFactor(replication),
                        changed.topic().configs());
            }
            TopicRegistry.ChangeFailed failed = (TopicRegistry.ChangeFailed) created;
            return result.setErrorCode(KafkaErrors.of(failed.error()).code()).setErrorMessage(failed.message());
        });
    }

    /** The created topic's configs, as DescribeConfigs would show them (Admin's createTopics reports them). */
    private CreatableTopicResult withConfigs(CreatableTopicResult result, Map<String, String> configs) {
        view.of(configs).forEach((name, entry) -> result.configs().add(new CreatableTopicConfigs().setName(name)
                .setValue(entry.value()).setReadOnly(entry.readOnly()).setConfigSource(entry.source().id())
                .setIsSensitive(false)));
        return result;
    }

    private static CompletableFuture<CreatableTopicResult> done(CreatableTopicResult result, Errors error,
                                                                String message) {
        return CompletableFuture.completedFuture(result.setErrorCode(error.code()).setErrorMessage(message));
    }
}
