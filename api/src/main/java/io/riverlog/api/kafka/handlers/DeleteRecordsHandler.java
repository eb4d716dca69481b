package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.kafka.common.requests.DeleteRecordsResponse;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;

/**
 * DeleteRecords: moves each partition's log start offset up to the offset asked for (-1: the high
 * watermark), and answers with the new log start (the low watermark) once it is durable. Each
 * partition is answered on its own: an offset past the high watermark is OFFSET_OUT_OF_RANGE, an
 * unknown topic or partition UNKNOWN_TOPIC_OR_PARTITION.
 */
final class DeleteRecordsHandler implements KafkaRequestHandler {
    private final BrokerTopics topics;

    DeleteRecordsHandler(BrokerTopics topics) {
        this.topics = topics;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        DeleteRecordsRequestData data = request.bodyAs(DeleteRecordsRequest.class).data();
        List<String> names = new ArrayList<>();
        List<CompletableFuture<DeleteRecordsPartitionResult>> results = new ArrayList<>();
        for (DeleteRecordsRequestData.DeleteRecordsTopic topic : data.topics()) {
            for (DeleteRecordsRequestData.DeleteRecordsPartition partition : topic.partitions()) {
                names.add(topic.name());
                results.add(delete(new PartitionId(topic.name(), partition.partitionIndex()), partition.offset()));
            }
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
            DeleteRecordsResponseData out = new DeleteRecordsResponseData().setThrottleTimeMs(0);
            for (int i = 0; i < results.size(); i++) {
                DeleteRecordsTopicResult topic = out.topics().find(names.get(i));
                if (topic == null) {
                    topic = new DeleteRecordsTopicResult().setName(names.get(i));
                    out.topics().add(topic);
                }
                topic.partitions().add(results.get(i).join());
            }
            return Optional.of(out);
        });
    }

    private CompletableFuture<DeleteRecordsPartitionResult> delete(PartitionId id, long offset) {
        DeleteRecordsPartitionResult out = new DeleteRecordsPartitionResult().setPartitionIndex(id.partition())
                .setLowWatermark(DeleteRecordsResponse.INVALID_LOW_WATERMARK);
        if (topics.ledElsewhere(id)) {
            return CompletableFuture.completedFuture(out.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code()));
        }
        return topics.<PartitionActor.DeleteRecordsReply>askPartition(id,
                        replyTo -> new PartitionActor.DeleteRecords(offset, replyTo), topics.timeout())
                .toCompletableFuture().handle((reply, error) -> {
                    if (error != null || reply.isEmpty()) {
                        return out.setErrorCode((error != null ? Errors.REQUEST_TIMED_OUT
                                : Errors.UNKNOWN_TOPIC_OR_PARTITION).code());
                    }
                    if (reply.get() instanceof PartitionActor.LogStartMoved moved) {
                        return out.setErrorCode(Errors.NONE.code()).setLowWatermark(moved.logStartOffset());
                    }
                    PartitionActor.DeleteRecordsFailed failed = (PartitionActor.DeleteRecordsFailed) reply.get();
                    return out.setErrorCode(KafkaErrors.of(failed.error()).code());
                });
    }
}
