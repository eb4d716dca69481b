package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData.DescribableLogDirTopic;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsPartition;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsTopic;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeLogDirsRequest;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.topics.TopicInfo;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.api.topics.LogDirectory;

/**
 * DescribeLogDirs: the broker's one log directory, with the size of each partition asked for (every
 * partition when the request names no topics) and the space of its file system. A partition's size
 * is that of its segments; it has no replica to lag behind, and no future log. A partition that does
 * not exist, whose log is not open, or that does not answer within the request timeout is left out,
 * as Kafka leaves out what a directory does not hold. If the file system cannot say its space, the
 * directory is answered with a storage error.
 */
final class DescribeLogDirsHandler implements KafkaRequestHandler {
    /** A partition has no replica whose log end it could lag behind. */
    private static final long NO_LAG = 0;

    private final BrokerTopics topics;
    private final LogDirectory directory;

    DescribeLogDirsHandler(BrokerTopics topics, LogDirectory directory) {
        this.topics = topics;
        this.directory = directory;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        DescribeLogDirsRequestData data = request.bodyAs(DescribeLogDirsRequest.class).data();
        CompletableFuture<List<PartitionId>> wanted = (data.topics() == null
                ? topics.list().thenApply(DescribeLogDirsHandler::everyPartition)
                : CompletableFuture.completedFuture(requested(data))).toCompletableFuture();
        CompletableFuture<List<DescribeLogDirsTopic>> sizes = wanted.thenCompose(this::sizes);
        CompletableFuture<Optional<LogDirectory.Space>> space = directory.space().toCompletableFuture()
                .handle((read, error) -> Optional.ofNullable(error == null ? read : null));
        return sizes.thenCombine(space, (described, readSpace) -> Optional.of(
                new DescribeLogDirsResponseData().setThrottleTimeMs(0).setErrorCode(Errors.NONE.code())
                        .setResults(List.of(result(described, readSpace)))));
    }

    private DescribeLogDirsResult result(List<DescribeLogDirsTopic> described, Optional<LogDirectory.Space> space) {
        DescribeLogDirsResult result = new DescribeLogDirsResult().setLogDir(directory.path().toString());
        if (space.isEmpty()) {
            return result.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
        }
        return result.setErrorCode(Errors.NONE.code()).setTopics(described)
                .setTotalBytes(space.get().totalBytes()).setUsableBytes(space.get().usableBytes());
    }

    private static List<PartitionId> everyPartition(List<TopicInfo> all) {
        List<PartitionId> out = new ArrayList<>();
        for (TopicInfo topic : all) {
            for (int partition = 0; partition < topic.partitions(); partition++) {
                out.add(new PartitionId(topic.name(), partition));
            }
        }
        return out;
    }

    private static List<PartitionId> requested(DescribeLogDirsRequestData data) {
        LinkedHashSet<PartitionId> out = new LinkedHashSet<>();
        for (DescribableLogDirTopic topic : data.topics()) {
            for (int partition : topic.partitions()) {
                out.add(new PartitionId(topic.topic(), partition));
            }
        }
        return List.copyOf(out);
    }

    /** The partitions whose size is known, by topic in the order asked. */
    private CompletableFuture<List<DescribeLogDirsTopic>> sizes(List<PartitionId> ids) {
        List<CompletableFuture<Optional<PartitionActor.PartitionState>>> states = new ArrayList<>();
        for (PartitionId id : ids) {
            states.add(topics.<PartitionActor.PartitionState>askPartition(id, PartitionActor.GetState::new,
                    topics.timeout()).toCompletableFuture().exceptionally(timedOut -> Optional.empty()));
        }
        return CompletableFuture.allOf(states.toArray(CompletableFuture[]::new)).thenApply(done -> {
            Map<String, DescribeLogDirsTopic> byTopic = new LinkedHashMap<>();
            for (CompletableFuture<Optional<PartitionActor.PartitionState>> state : states) {
                state.join().filter(PartitionActor.PartitionState::offsetsKnown).ifPresent(known -> byTopic
                        .computeIfAbsent(known.id().topic(), name -> new DescribeLogDirsTopic().setName(name))
                        .partitions().add(new DescribeLogDirsPartition().setPartitionIndex(known.id().partition())
                                .setPartitionSize(known.sizeInBytes()).setOffsetLag(NO_LAG).setIsFutureKey(false)));
            }
            return List.copyOf(byTopic.values());
        });
    }
}
