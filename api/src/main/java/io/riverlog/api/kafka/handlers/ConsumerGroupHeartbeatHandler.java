package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData.Assignment;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData.TopicPartitions;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest;

import io.riverlog.actors.groups.ConsumerGroupRequests.Heartbeat;
import io.riverlog.actors.groups.ConsumerGroupRequests.HeartbeatResult;
import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.api.groups.BrokerGroups;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.api.topics.KnownTopics;
import io.riverlog.api.topics.TopicIds;

/**
 * ConsumerGroupHeartbeat (KIP-848): a member joins (epoch 0), heartbeats, or leaves (-1, or -2 for a
 * static member that comes back). The registry's topics come along, so that the group resolves
 * subscriptions against current metadata; topic ids in the request and the answer are translated to
 * and from names here. Owned partitions of a topic id that no longer exists are dropped: no one can
 * own a deleted topic's partitions. Version 0 may leave the member id empty for the broker to choose.
 */
final class ConsumerGroupHeartbeatHandler implements KafkaRequestHandler {
    private final BrokerGroups groups;
    private final BrokerTopics topics;

    ConsumerGroupHeartbeatHandler(BrokerGroups groups, BrokerTopics topics) {
        this.groups = groups;
        this.topics = topics;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        ConsumerGroupHeartbeatRequestData data = request.bodyAs(ConsumerGroupHeartbeatRequest.class).data();
        return KnownTopics.load(topics).thenCompose(known -> {
            Map<String, Integer> partitionCounts = new TreeMap<>();
            known.all().forEach(topic -> partitionCounts.put(topic.name(), topic.partitions()));
            return groups.<HeartbeatResult>ask(replyTo -> new Heartbeat(data.groupId(), data.memberId(),
                    data.memberEpoch(), Optional.ofNullable(data.instanceId()), Optional.ofNullable(data.rackId()),
                    data.rebalanceTimeoutMs(), Optional.ofNullable(data.subscribedTopicNames()),
                    Optional.ofNullable(data.subscribedTopicRegex()), Optional.ofNullable(data.serverAssignor()),
                    Optional.ofNullable(data.topicPartitions()).map(owned -> owned(owned, known)),
                    request.header().clientId(), "/" + request.clientAddress().getHostAddress(), partitionCounts,
                    replyTo)).thenApply(result -> Optional.<ApiMessage>of(response(result, known)));
        }).exceptionally(failure -> Optional.of(new ConsumerGroupHeartbeatResponseData().setThrottleTimeMs(0)
                .setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code())));
    }

    private static Set<PartitionId> owned(List<ConsumerGroupHeartbeatRequestData.TopicPartitions> owned,
                                          KnownTopics known) {
        Set<PartitionId> out = new HashSet<>();
        for (ConsumerGroupHeartbeatRequestData.TopicPartitions topic : owned) {
            String name = known.nameOf(topic.topicId());
            if (name != null) {
                topic.partitions().forEach(p -> out.add(new PartitionId(name, p)));
            }
        }
        return out;
    }

    private static ConsumerGroupHeartbeatResponseData response(HeartbeatResult result, KnownTopics known) {
        ConsumerGroupHeartbeatResponseData out = new ConsumerGroupHeartbeatResponseData().setThrottleTimeMs(0)
                .setErrorCode(KafkaErrors.of(result.error()).code());
        if (result.error() != GroupError.NONE) {
            return out.setErrorMessage(result.errorMessage().isEmpty() ? null : result.errorMessage());
        }
        out.setMemberId(result.memberId()).setMemberEpoch(result.memberEpoch())
                .setHeartbeatIntervalMs(result.heartbeatIntervalMs());
        result.assignment().ifPresent(partitions -> out.setAssignment(new Assignment()
                .setTopicPartitions(byTopic(partitions, known))));
        return out;
    }

    private static List<TopicPartitions> byTopic(Set<PartitionId> partitions, KnownTopics known) {
        List<TopicPartitions> out = new ArrayList<>();
        known.byTopic(partitions).forEach((topic, numbers) ->
                out.add(new TopicPartitions().setTopicId(TopicIds.of(topic)).setPartitions(numbers)));
        return out;
    }
}
