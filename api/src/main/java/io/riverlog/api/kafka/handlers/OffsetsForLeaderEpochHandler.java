package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.wal.BatchFormat;

/**
 * OffsetsForLeaderEpoch, as a consumer asks it to check its position after a leader change
 * (KIP-320): the end offset of the asked epoch. The current epoch is {@link BatchFormat#LEADER_EPOCH}
 * on a single node and the partition group's Raft term in a cluster (which every batch committed in
 * that term carries). Asked for the current epoch, the answer is the high watermark (a consumer is
 * never told of records it cannot read); for an earlier one, the largest epoch at or below it that a
 * committed batch has and the offset where the next epoch starts (the partition looks it up in its
 * log); for a later one, or one older than every batch left, the epoch and offset are undefined (-1),
 * as Kafka answers. A client that believes in another current epoch (currentLeaderEpoch) is told
 * FENCED_LEADER_EPOCH (older) or UNKNOWN_LEADER_EPOCH (newer); a node that does not lead the
 * partition, NOT_LEADER_OR_FOLLOWER. Only consumers are served: followers replicate through Raft.
 */
final class OffsetsForLeaderEpochHandler implements KafkaRequestHandler {
    private static final int UNDEFINED_EPOCH = -1;
    private static final long UNDEFINED_OFFSET = -1;
    /** A client that does not know the current epoch sends this, and skips the check. */
    private static final int NO_CURRENT_EPOCH = -1;

    private final BrokerTopics topics;

    OffsetsForLeaderEpochHandler(BrokerTopics topics) {
        this.topics = topics;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        OffsetForLeaderEpochRequestData data = request.bodyAs(OffsetsForLeaderEpochRequest.class).data();
        List<CompletableFuture<OffsetForLeaderTopicResult>> topicAnswers = new ArrayList<>();
        for (OffsetForLeaderEpochRequestData.OffsetForLeaderTopic topic : data.topics()) {
            List<CompletableFuture<EpochEndOffset>> partitions = new ArrayList<>();
            for (OffsetForLeaderPartition partition : topic.partitions()) {
                partitions.add(endOf(new PartitionId(topic.topic(), partition.partition()), partition));
            }
            topicAnswers.add(CompletableFuture.allOf(partitions.toArray(CompletableFuture[]::new))
                    .thenApply(done -> new OffsetForLeaderTopicResult().setTopic(topic.topic())
                            .setPartitions(partitions.stream().map(CompletableFuture::join).toList())));
        }
        return CompletableFuture.allOf(topicAnswers.toArray(CompletableFuture[]::new)).thenApply(done -> {
            OffsetForLeaderEpochResponseData out = new OffsetForLeaderEpochResponseData().setThrottleTimeMs(0);
            topicAnswers.forEach(answer -> out.topics().add(answer.join()));
            return Optional.of(out);
        });
    }

    private CompletableFuture<EpochEndOffset> endOf(PartitionId id, OffsetForLeaderPartition asked) {
        EpochEndOffset out = new EpochEndOffset().setPartition(id.partition()).setLeaderEpoch(UNDEFINED_EPOCH)
                .setEndOffset(UNDEFINED_OFFSET);
        if (topics.ledElsewhere(id)) {
            return done(out, Errors.NOT_LEADER_OR_FOLLOWER);
        }
        int current = topics.leaderEpoch(id);
        if (asked.currentLeaderEpoch() != NO_CURRENT_EPOCH && asked.currentLeaderEpoch() != current) {
            return done(out, asked.currentLeaderEpoch() < current ? Errors.FENCED_LEADER_EPOCH
                    : Errors.UNKNOWN_LEADER_EPOCH);
        }
        if (asked.leaderEpoch() == current) {
            return OffsetsState.of(topics, id).thenApply(found -> {
                out.setErrorCode(found.error().code());
                return found.known() ? out.setLeaderEpoch(current).setEndOffset(found.state().highWatermark()) : out;
            });
        }
        if (asked.leaderEpoch() > current) {
            // An epoch this leader never had: Kafka answers it as unknown, with no error.
            return done(out, Errors.NONE);
        }
        return topics.<PartitionActor.EpochEndFound>askPartition(id,
                        replyTo -> new PartitionActor.FindEpochEnd(asked.leaderEpoch(), replyTo), topics.timeout())
                .toCompletableFuture().handle((found, error) -> {
                    Errors failed = KafkaErrors.ofLookup(error, found, PartitionActor.EpochEndFound::refused);
                    if (failed == Errors.NONE) {
                        found.get().found().ifPresent(end -> out.setLeaderEpoch(end.epoch())
                                .setEndOffset(end.endOffset()));
                    }
                    return out.setErrorCode(failed.code());
                });
    }

    private static CompletableFuture<EpochEndOffset> done(EpochEndOffset out, Errors error) {
        return CompletableFuture.completedFuture(out.setErrorCode(error.code()));
    }
}
