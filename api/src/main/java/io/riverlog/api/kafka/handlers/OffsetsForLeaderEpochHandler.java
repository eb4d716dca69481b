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

import io.riverlog.actors.partition.PartitionId;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.wal.BatchFormat;

/**
 * OffsetsForLeaderEpoch, as a consumer asks it to check its position after a leader change
 * (KIP-320): the end offset of the asked epoch. Each partition has had one leader epoch,
 * {@link BatchFormat#LEADER_EPOCH}, so far (epochs will come from Raft terms once partitions are
 * replicated): asked for it, the answer is the high watermark (a consumer is never told of records it
 * cannot read); asked for a later one, the epoch and offset are undefined (-1), as Kafka answers an
 * epoch it never had. A client that believes in another current epoch (currentLeaderEpoch) is told
 * FENCED_LEADER_EPOCH (older) or UNKNOWN_LEADER_EPOCH (newer). Only consumers are served: there are
 * no follower replicas.
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
        int current = BatchFormat.LEADER_EPOCH;
        if (asked.currentLeaderEpoch() != NO_CURRENT_EPOCH && asked.currentLeaderEpoch() != current) {
            return done(out, asked.currentLeaderEpoch() < current ? Errors.FENCED_LEADER_EPOCH
                    : Errors.UNKNOWN_LEADER_EPOCH);
        }
        if (topics.ledElsewhere(id)) {
            return done(out, Errors.NOT_LEADER_OR_FOLLOWER);
        }
        return OffsetsState.of(topics, id).thenApply(found -> {
            out.setErrorCode(found.error().code());
            return found.known() && asked.leaderEpoch() == current
                    ? out.setLeaderEpoch(current).setEndOffset(found.state().highWatermark()) : out;
        });
    }

    private static CompletableFuture<EpochEndOffset> done(EpochEndOffset out, Errors error) {
        return CompletableFuture.completedFuture(out.setErrorCode(error.code()));
    }
}
