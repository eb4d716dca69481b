package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeProducersResponseData.PartitionResponse;
import org.apache.kafka.common.message.DescribeProducersResponseData.ProducerState;
import org.apache.kafka.common.message.DescribeProducersResponseData.TopicResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeProducersRequest;

import io.riverlog.actors.partition.ActiveProducer;
import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;

/**
 * DescribeProducers: the idempotent producers each partition asked for remembers. Transactions are
 * not served, so no producer has a transaction coordinator's epoch or a transaction open.
 */
final class DescribeProducersHandler implements KafkaRequestHandler {
    /** A producer that never went through a transaction coordinator. */
    private static final int NO_COORDINATOR_EPOCH = -1;
    /** A producer with no transaction open. */
    private static final long NO_TRANSACTION_START = -1;

    private final BrokerTopics topics;

    DescribeProducersHandler(BrokerTopics topics) {
        this.topics = topics;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        DescribeProducersRequestData data = request.bodyAs(DescribeProducersRequest.class).data();
        List<CompletableFuture<TopicResponse>> topicAnswers = new ArrayList<>();
        for (DescribeProducersRequestData.TopicRequest topic : data.topics()) {
            List<CompletableFuture<PartitionResponse>> partitions = new ArrayList<>();
            for (int partition : topic.partitionIndexes()) {
                partitions.add(describe(new PartitionId(topic.name(), partition)));
            }
            topicAnswers.add(CompletableFuture.allOf(partitions.toArray(CompletableFuture[]::new))
                    .thenApply(done -> new TopicResponse().setName(topic.name())
                            .setPartitions(partitions.stream().map(CompletableFuture::join).toList())));
        }
        return CompletableFuture.allOf(topicAnswers.toArray(CompletableFuture[]::new)).thenApply(done -> Optional.of(
                new DescribeProducersResponseData().setThrottleTimeMs(0)
                        .setTopics(topicAnswers.stream().map(CompletableFuture::join).toList())));
    }

    private CompletableFuture<PartitionResponse> describe(PartitionId id) {
        PartitionResponse out = new PartitionResponse().setPartitionIndex(id.partition());
        if (topics.ledElsewhere(id)) {
            return CompletableFuture.completedFuture(out.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code()));
        }
        return topics.<PartitionActor.Producers>askPartition(id, PartitionActor.GetProducers::new, topics.timeout())
                .toCompletableFuture().handle((producers, error) -> {
                    if (error != null) {
                        return out.setErrorCode(Errors.REQUEST_TIMED_OUT.code());
                    }
                    if (producers.isEmpty()) {
                        return out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                    }
                    if (producers.get().refused().isPresent()) {
                        PartitionActor.Refusal refusal = producers.get().refused().get();
                        return out.setErrorCode(KafkaErrors.unavailable(refusal.availability()).code())
                                .setErrorMessage(refusal.message());
                    }
                    return out.setErrorCode(Errors.NONE.code()).setActiveProducers(
                            producers.get().active().stream().map(DescribeProducersHandler::state).toList());
                });
    }

    private static ProducerState state(ActiveProducer producer) {
        return new ProducerState().setProducerId(producer.producerId()).setProducerEpoch(producer.epoch())
                .setLastSequence(producer.lastSequence()).setLastTimestamp(producer.lastTimestampMs())
                .setCoordinatorEpoch(NO_COORDINATOR_EPOCH).setCurrentTxnStartOffset(NO_TRANSACTION_START);
    }
}
