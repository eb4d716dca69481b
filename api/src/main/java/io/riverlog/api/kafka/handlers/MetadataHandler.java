package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.MetadataRequest;

import io.riverlog.actors.topics.TopicInfo;
import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.api.kafka.KafkaSettings;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.api.topics.ClusterView;
import io.riverlog.api.topics.KnownTopics;
import io.riverlog.api.topics.TopicIds;

/**
 * Metadata: the brokers ({@link Brokers}), and for each topic asked for its id and partitions, each
 * with the node that leads it (all this one, on a single node).
 * An unknown topic is created when the client allows it and {@code auto-create-topics} is on, and
 * is answered in the same response.
 */
final class MetadataHandler implements KafkaRequestHandler {
    private final BrokerTopics topics;
    private final KafkaSettings settings;
    private final boolean autoCreate;

    MetadataHandler(BrokerTopics topics, KafkaSettings settings, boolean autoCreate) {
        this.topics = topics;
        this.settings = settings;
        this.autoCreate = autoCreate;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        MetadataRequest body = request.bodyAs(MetadataRequest.class);
        MetadataRequestData data = body.data();
        return KnownTopics.load(topics).thenCompose(known -> {
            if (body.isAllTopics()) {
                return CompletableFuture.completedFuture(known.all().stream().map(t -> describe(t.name(), t)).toList());
            }
            List<CompletableFuture<MetadataResponseTopic>> answers = new ArrayList<>();
            for (MetadataRequestData.MetadataRequestTopic wanted : data.topics()) {
                String name = wanted.name();
                // A topic asked for by id has no name (null, or empty from some clients).
                if ((name == null || name.isEmpty()) && wanted.topicId() != null
                        && !Uuid.ZERO_UUID.equals(wanted.topicId())) {
                    name = known.nameOf(wanted.topicId());
                    if (name == null) {
                        answers.add(CompletableFuture.completedFuture(new MetadataResponseTopic()
                                .setTopicId(wanted.topicId()).setErrorCode(Errors.UNKNOWN_TOPIC_ID.code())));
                        continue;
                    }
                }
                TopicInfo topic = known.byName(name).orElse(null);
                if (topic != null) {
                    answers.add(CompletableFuture.completedFuture(describe(name, topic)));
                } else if (autoCreate && data.allowAutoTopicCreation()) {
                    answers.add(create(name));
                } else {
                    answers.add(CompletableFuture.completedFuture(error(name, Errors.UNKNOWN_TOPIC_OR_PARTITION)));
                }
            }
            return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                    .thenApply(done -> answers.stream().map(CompletableFuture::join).toList());
        }).thenApply(topicAnswers -> {
            MetadataResponseData response = new MetadataResponseData()
                    .setThrottleTimeMs(0)
                    .setClusterId(settings.clusterId())
                    .setControllerId(settings.nodeId());
            for (Brokers.Broker broker : Brokers.all(topics.cluster(), settings, request.listenerPort())) {
                response.brokers().add(new MetadataResponseBroker().setNodeId(broker.id()).setHost(broker.host())
                        .setPort(broker.port()));
            }
            response.topics().addAll(topicAnswers);
            return Optional.of(response);
        });
    }

    private CompletableFuture<MetadataResponseTopic> create(String name) {
        return topics.create(name, TopicRegistry.CreateTopic.DEFAULT_PARTITIONS, Map.of()).toCompletableFuture()
                .thenCompose(reply -> {
                    if (reply instanceof TopicRegistry.Changed created) {
                        return CompletableFuture.completedFuture(describe(name, created.topic()));
                    }
                    TopicRegistry.ChangeFailed failed = (TopicRegistry.ChangeFailed) reply;
                    if (failed.error() == io.riverlog.actors.topics.TopicError.TOPIC_ALREADY_EXISTS) {
                        // Another client created it meanwhile.
                        return topics.describe(name).toCompletableFuture().thenApply(found -> found
                                .map(topic -> describe(name, topic))
                                .orElse(error(name, Errors.LEADER_NOT_AVAILABLE)));
                    }
                    return CompletableFuture.completedFuture(error(name, KafkaErrors.of(failed.error())));
                });
    }

    private MetadataResponseTopic describe(String name, TopicInfo topic) {
        MetadataResponseTopic answer = new MetadataResponseTopic().setName(name).setTopicId(TopicIds.of(topic))
                .setErrorCode(Errors.NONE.code()).setIsInternal(false);
        for (int p = 0; p < topic.partitions(); p++) {
            ClusterView cluster = topics.cluster();
            int leader = cluster.isCluster() ? cluster.leaderOf(topic, p) : settings.nodeId();
            List<Integer> replicas = cluster.isCluster() ? cluster.replicasOf(topic, p) : List.of(leader);
            List<Integer> inSync = cluster.isCluster() ? cluster.inSyncReplicasOf(topic, p) : replicas;
            Errors error = leader == ClusterView.NO_LEADER ? Errors.LEADER_NOT_AVAILABLE : Errors.NONE;
            answer.partitions().add(new MetadataResponsePartition().setPartitionIndex(p)
                    .setErrorCode(error.code()).setLeaderId(leader)
                    .setLeaderEpoch(cluster.leaderEpochOf(topic, p))
                    .setReplicaNodes(replicas).setIsrNodes(inSync).setOfflineReplicas(List.of()));
        }
        return answer;
    }

    private static MetadataResponseTopic error(String name, Errors error) {
        return new MetadataResponseTopic().setName(name).setErrorCode(error.code()).setTopicId(Uuid.ZERO_UUID);
    }
}
