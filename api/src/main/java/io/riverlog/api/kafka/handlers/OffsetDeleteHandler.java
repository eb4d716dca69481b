package io.riverlog.api.kafka.handlers;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopic;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.OffsetDeleteRequest;

import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.GroupRequests.DeleteOffsets;
import io.riverlog.actors.groups.GroupRequests.DeleteOffsetsResult;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.api.groups.BrokerGroups;
import io.riverlog.api.kafka.codec.KafkaRequest;

/**
 * OffsetDelete: deletes a group's committed offsets of some partitions. Partitions of topics the
 * group's members are subscribed to are refused with GROUP_SUBSCRIBED_TO_TOPIC.
 */
final class OffsetDeleteHandler implements KafkaRequestHandler {
    private final BrokerGroups groups;

    OffsetDeleteHandler(BrokerGroups groups) {
        this.groups = groups;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        OffsetDeleteRequestData data = request.bodyAs(OffsetDeleteRequest.class).data();
        Set<PartitionId> partitions = new LinkedHashSet<>();
        data.topics().forEach(topic -> topic.partitions().forEach(p ->
                partitions.add(new PartitionId(topic.name(), p.partitionIndex()))));
        return groups.<DeleteOffsetsResult>ask(replyTo -> new DeleteOffsets(data.groupId(), partitions, replyTo))
                .handle((result, failure) -> {
                    DeleteOffsetsResult answer = failure == null ? result
                            : new DeleteOffsetsResult(GroupError.COORDINATOR_NOT_AVAILABLE, Map.of());
                    OffsetDeleteResponseData out = new OffsetDeleteResponseData().setThrottleTimeMs(0)
                            .setErrorCode(KafkaErrors.of(answer.error()).code());
                    if (answer.error() == GroupError.NONE) {
                        data.topics().forEach(topic -> {
                            OffsetDeleteResponseTopic answered = new OffsetDeleteResponseTopic().setName(topic.name());
                            topic.partitions().forEach(p -> {
                                PartitionId id = new PartitionId(topic.name(), p.partitionIndex());
                                GroupError error = answer.partitions().getOrDefault(id, GroupError.NONE);
                                answered.partitions().add(new OffsetDeleteResponsePartition()
                                        .setPartitionIndex(p.partitionIndex())
                                        .setErrorCode(KafkaErrors.of(error).code()));
                            });
                            out.topics().add(answered);
                        });
                    }
                    return Optional.of(out);
                });
    }
}
