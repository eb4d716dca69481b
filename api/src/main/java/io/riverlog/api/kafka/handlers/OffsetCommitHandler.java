package io.riverlog.api.kafka.handlers;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetCommitRequest;

import io.riverlog.actors.groups.CommittedOffset;
import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.GroupRequests.CommitOffsets;
import io.riverlog.actors.groups.GroupRequests.CommitResult;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.topics.TopicInfo;
import io.riverlog.api.groups.BrokerGroups;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.api.topics.KnownTopics;

/**
 * OffsetCommit. Partitions of topics that do not exist are answered UNKNOWN_TOPIC_OR_PARTITION (an
 * unknown topic id, from version 10 on, UNKNOWN_TOPIC_ID); the others go to the group as one commit,
 * answered once it is fsynced.
 */
final class OffsetCommitHandler implements KafkaRequestHandler {
    static final short FIRST_VERSION_WITH_TOPIC_IDS = 10;

    private final BrokerGroups groups;
    private final BrokerTopics topics;
    private final Clock clock;

    OffsetCommitHandler(BrokerGroups groups, BrokerTopics topics, Clock clock) {
        this.groups = groups;
        this.topics = topics;
        this.clock = clock;
    }

    /** One partition of the request: what it commits to, or why it cannot. */
    private record Slot(int partitionIndex, PartitionId partition, Errors refusal) {
    }

    private record TopicSlots(String name, Uuid topicId, List<Slot> slots) {
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        OffsetCommitRequestData data = request.bodyAs(OffsetCommitRequest.class).data();
        boolean byId = request.apiVersion() >= FIRST_VERSION_WITH_TOPIC_IDS;
        return KnownTopics.load(topics).thenCompose(known -> {
            long now = clock.millis();
            Map<PartitionId, CommittedOffset> offsets = new LinkedHashMap<>();
            List<TopicSlots> answer = new ArrayList<>();
            for (OffsetCommitRequestTopic topic : data.topics()) {
                Optional<TopicInfo> info = byId ? known.byId(topic.topicId()) : known.byName(topic.name());
                List<Slot> slots = new ArrayList<>();
                for (OffsetCommitRequestPartition p : topic.partitions()) {
                    if (info.isEmpty()) {
                        slots.add(new Slot(p.partitionIndex(), null,
                                byId ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION));
                    } else if (!KnownTopics.hasPartition(info.get(), p.partitionIndex())) {
                        slots.add(new Slot(p.partitionIndex(), null, Errors.UNKNOWN_TOPIC_OR_PARTITION));
                    } else {
                        PartitionId id = new PartitionId(info.get().name(), p.partitionIndex());
                        offsets.put(id, new CommittedOffset(p.committedOffset(), p.committedLeaderEpoch(),
                                Optional.ofNullable(p.committedMetadata()), now));
                        slots.add(new Slot(p.partitionIndex(), id, Errors.NONE));
                    }
                }
                answer.add(new TopicSlots(topic.name(), topic.topicId(), slots));
            }
            CompletionStage<Map<PartitionId, GroupError>> committed = offsets.isEmpty()
                    ? CompletableFuture.completedFuture(Map.of())
                    : groups.<CommitResult>ask(replyTo -> new CommitOffsets(data.groupId(),
                            data.generationIdOrMemberEpoch(), data.memberId(),
                            Optional.ofNullable(data.groupInstanceId()), offsets, replyTo))
                            .thenApply(CommitResult::partitions);
            return committed.handle((results, failure) ->
                    Optional.<ApiMessage>of(response(answer, results, failure != null, byId)));
        }).exceptionally(failure -> Optional.of(request.body()
                .getErrorResponse(0, Errors.COORDINATOR_NOT_AVAILABLE.exception()).data()));
    }

    private static OffsetCommitResponseData response(List<TopicSlots> topics, Map<PartitionId, GroupError> results,
                                                     boolean failed, boolean byId) {
        OffsetCommitResponseData out = new OffsetCommitResponseData().setThrottleTimeMs(0);
        for (TopicSlots topic : topics) {
            OffsetCommitResponseTopic answer = byId ? new OffsetCommitResponseTopic().setTopicId(topic.topicId())
                    : new OffsetCommitResponseTopic().setName(topic.name());
            for (Slot slot : topic.slots()) {
                Errors error = slot.refusal();
                if (slot.partition() != null) {
                    error = failed ? Errors.COORDINATOR_NOT_AVAILABLE
                            : KafkaErrors.of(results.getOrDefault(slot.partition(), GroupError.NONE));
                }
                answer.partitions().add(new OffsetCommitResponsePartition().setPartitionIndex(slot.partitionIndex())
                        .setErrorCode(error.code()));
            }
            out.topics().add(answer);
        }
        return out;
    }
}
