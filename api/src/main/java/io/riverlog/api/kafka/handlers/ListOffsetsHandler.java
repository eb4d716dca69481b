package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ListOffsetsRequest;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;

/**
 * ListOffsets: earliest (the log start), latest (the high watermark), the first committed record
 * at or after a timestamp, or the first committed record with the largest timestamp (-3).
 */
final class ListOffsetsHandler implements KafkaRequestHandler {
    /** Older versions have no leader epoch field, and refuse to carry a value in it. */
    private static final short FIRST_VERSION_WITH_LEADER_EPOCH = 4;

    private final BrokerTopics topics;

    ListOffsetsHandler(BrokerTopics topics) {
        this.topics = topics;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        ListOffsetsRequestData data = request.bodyAs(ListOffsetsRequest.class).data();
        List<CompletableFuture<ListOffsetsTopicResponse>> topicAnswers = new ArrayList<>();
        for (ListOffsetsRequestData.ListOffsetsTopic topic : data.topics()) {
            List<CompletableFuture<ListOffsetsPartitionResponse>> partitions = new ArrayList<>();
            for (ListOffsetsRequestData.ListOffsetsPartition partition : topic.partitions()) {
                partitions.add(list(new PartitionId(topic.name(), partition.partitionIndex()), partition.timestamp(),
                        request.apiVersion()));
            }
            topicAnswers.add(CompletableFuture.allOf(partitions.toArray(CompletableFuture[]::new))
                    .thenApply(done -> new ListOffsetsTopicResponse().setName(topic.name())
                            .setPartitions(partitions.stream().map(CompletableFuture::join).toList())));
        }
        return CompletableFuture.allOf(topicAnswers.toArray(CompletableFuture[]::new)).thenApply(done -> Optional.of(
                new ListOffsetsResponseData().setThrottleTimeMs(0)
                        .setTopics(topicAnswers.stream().map(CompletableFuture::join).toList())));
    }

    private CompletableFuture<ListOffsetsPartitionResponse> list(PartitionId id, long timestamp, short version) {
        ListOffsetsPartitionResponse out = new ListOffsetsPartitionResponse().setPartitionIndex(id.partition())
                .setTimestamp(-1).setOffset(-1);
        if (version >= FIRST_VERSION_WITH_LEADER_EPOCH) {
            out.setLeaderEpoch(topics.leaderEpoch(id));
        }
        if (topics.ledElsewhere(id)) {
            return CompletableFuture.completedFuture(out.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code()));
        }
        if (timestamp < 0 && timestamp != ListOffsetsRequest.MAX_TIMESTAMP) {
            return OffsetsState.of(topics, id).thenApply(found -> {
                if (!found.known()) {
                    return out.setErrorCode(found.error().code());
                }
                long offset = timestamp == ListOffsetsRequest.LATEST_TIMESTAMP
                        ? found.state().highWatermark() : found.state().logStartOffset();
                return out.setErrorCode(Errors.NONE.code()).setOffset(offset);
            });
        }
        long wanted = timestamp == ListOffsetsRequest.MAX_TIMESTAMP
                ? PartitionActor.FindOffsetForTimestamp.LARGEST : timestamp;
        return topics.<PartitionActor.OffsetForTimestamp>askPartition(id,
                        replyTo -> new PartitionActor.FindOffsetForTimestamp(wanted, replyTo), topics.timeout())
                .toCompletableFuture().handle((found, error) -> {
                    Errors failed = KafkaErrors.ofLookup(error, found, PartitionActor.OffsetForTimestamp::refused);
                    if (failed == Errors.NONE) {
                        found.get().found().ifPresent(at -> out.setOffset(at.offset()).setTimestamp(at.timestampMs()));
                    }
                    return out.setErrorCode(failed.code());
                });
    }
}
