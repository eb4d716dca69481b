package io.riverlog.api.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.ProduceRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.InvalidBatchException;
import io.riverlog.wal.ValidBatches;

/**
 * Produce: each partition's records are checked (v2 batches, CRC32C, size) and appended through the
 * partition's actor, which answers once they are committed (fsynced, by default). Partitions of one
 * request are appended concurrently. With acks=0 the client gets no answer; the records are still
 * appended.
 */
final class ProduceHandler implements KafkaRequestHandler {
    private static final Logger log = LoggerFactory.getLogger(ProduceHandler.class);

    private final BrokerTopics topics;
    private final int maxMessageBytes;

    ProduceHandler(BrokerTopics topics, int maxMessageBytes) {
        this.topics = topics;
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        ProduceRequest body = request.bodyAs(ProduceRequest.class);
        ProduceRequestData data = body.data();
        Duration timeout = Duration.ofMillis(Math.max(data.timeoutMs(), 1));
        boolean transactional = data.transactionalId() != null;
        CompletionStage<ProduceResponseData> response = KnownTopics.loadIf(needsIds(data), topics).thenCompose(known -> {
            List<CompletableFuture<TopicProduceResponse>> answers = new ArrayList<>();
            for (ProduceRequestData.TopicProduceData topic : data.topicData()) {
                answers.add(produceTopic(topic, known, timeout, transactional));
            }
            return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(done -> {
                ProduceResponseData out = new ProduceResponseData().setThrottleTimeMs(0);
                answers.forEach(answer -> out.responses().add(answer.join()));
                return out;
            });
        });
        if (data.acks() == 0) {
            response.whenComplete((out, error) -> {
                if (error != null) {
                    log.warn("Produce with acks=0 from client '{}' failed: {}", request.header().clientId(), error.toString());
                }
            });
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return response.thenApply(out -> Optional.of(out));
    }

    private CompletableFuture<TopicProduceResponse> produceTopic(ProduceRequestData.TopicProduceData topic,
                                                                 KnownTopics known, Duration timeout,
                                                                 boolean transactional) {
        String name = topic.name();
        Uuid topicId = topic.topicId();
        if (name == null || name.isEmpty()) {
            name = known.nameOf(topicId);
        }
        TopicProduceResponse answer = new TopicProduceResponse().setName(topic.name()).setTopicId(topicId);
        List<CompletableFuture<PartitionProduceResponse>> partitions = new ArrayList<>();
        for (ProduceRequestData.PartitionProduceData partition : topic.partitionData()) {
            if (name == null) {
                partitions.add(done(partition.index(), Errors.UNKNOWN_TOPIC_ID));
            } else if (transactional) {
                partitions.add(done(partition.index(), Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED));
            } else {
                partitions.add(producePartition(new PartitionId(name, partition.index()), partition.records(), timeout));
            }
        }
        return CompletableFuture.allOf(partitions.toArray(CompletableFuture[]::new)).thenApply(done -> {
            partitions.forEach(p -> answer.partitionResponses().add(p.join()));
            return answer;
        });
    }

    private CompletableFuture<PartitionProduceResponse> producePartition(PartitionId id, BaseRecords records,
                                                                       Duration timeout) {
        if (!(records instanceof MemoryRecords memory) || memory.sizeInBytes() == 0) {
            return done(id.partition(), Errors.INVALID_RECORD);
        }
        if (memory.sizeInBytes() > maxMessageBytes) {
            return done(id.partition(), Errors.MESSAGE_TOO_LARGE);
        }
        ValidBatches batches;
        try {
            batches = BatchFormat.validate(memory.buffer());
        } catch (InvalidBatchException e) {
            log.debug("Rejected records for {}: {}", id, e.getMessage());
            return done(id.partition(), Errors.CORRUPT_MESSAGE);
        }
        return topics.<PartitionActor.AppendReply>askPartition(id, replyTo -> new PartitionActor.Append(batches, replyTo),
                        timeout)
                .toCompletableFuture()
                .handle((reply, error) -> {
                    PartitionProduceResponse out = new PartitionProduceResponse().setIndex(id.partition())
                            .setLogAppendTimeMs(-1).setBaseOffset(-1).setLogStartOffset(-1);
                    if (error != null) {
                        return out.setErrorCode(Errors.REQUEST_TIMED_OUT.code());
                    }
                    if (reply.isEmpty()) {
                        return out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                    }
                    if (reply.get() instanceof PartitionActor.Appended appended) {
                        return out.setErrorCode(Errors.NONE.code()).setBaseOffset(appended.baseOffset())
                                .setLogStartOffset(appended.logStartOffset());
                    }
                    PartitionActor.AppendFailed failed = (PartitionActor.AppendFailed) reply.get();
                    return out.setErrorCode(KafkaErrors.of(failed.error()).code()).setErrorMessage(failed.message());
                });
    }

    private static boolean needsIds(ProduceRequestData data) {
        return data.topicData().stream().anyMatch(t -> t.name() == null || t.name().isEmpty());
    }

    private static CompletableFuture<PartitionProduceResponse> done(int partition, Errors error) {
        return CompletableFuture.completedFuture(new PartitionProduceResponse().setIndex(partition)
                .setErrorCode(error.code()).setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1));
    }
}
