package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartition;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopic;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetFetchRequest;

import io.riverlog.actors.groups.CommittedOffset;
import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.GroupRequests.FetchOffsets;
import io.riverlog.actors.groups.GroupRequests.FetchResult;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.api.groups.BrokerGroups;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.api.topics.KnownTopics;

/**
 * OffsetFetch: the committed offsets of the partitions asked for (-1 where the group committed
 * none), or of every partition the group committed when no topics are named. Versions 8 and later
 * ask for many groups at once; versions 10 and later name topics by id. Transactions are not
 * served, so no offset is ever pending and {@code requireStable} changes nothing. From version 9 on a
 * member of a consumer-protocol group names itself and its epoch, which the group checks first
 * (UNKNOWN_MEMBER_ID, STALE_MEMBER_EPOCH).
 */
final class OffsetFetchHandler implements KafkaRequestHandler {
    private static final short FIRST_VERSION_WITH_TOP_LEVEL_ERROR = 2;
    private static final short FIRST_VERSION_WITH_GROUPS = 8;
    private static final short FIRST_VERSION_WITH_TOPIC_IDS = 10;
    private static final long NO_OFFSET = -1;
    private static final String NO_METADATA = "";

    private final BrokerGroups groups;
    private final BrokerTopics topics;

    OffsetFetchHandler(BrokerGroups groups, BrokerTopics topics) {
        this.groups = groups;
        this.topics = topics;
    }

    /** One partition of the answer. */
    private record Fetched(PartitionId partition, Uuid topicId, long offset, int leaderEpoch, String metadata,
                           Errors error) {
    }

    /** One group of the answer: its error, and its partitions in the order asked. */
    private record GroupAnswer(String groupId, Errors error, List<Fetched> partitions) {
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        OffsetFetchRequestData data = request.bodyAs(OffsetFetchRequest.class).data();
        short version = request.apiVersion();
        List<OffsetFetchRequestGroup> asked = version >= FIRST_VERSION_WITH_GROUPS ? data.groups()
                : List.of(singleGroup(data));
        CompletionStage<Optional<KnownTopics>> known = version >= FIRST_VERSION_WITH_TOPIC_IDS
                ? KnownTopics.load(topics).thenApply(Optional::of)
                : CompletableFuture.completedFuture(Optional.empty());
        return known.thenCompose(ids -> {
            List<CompletableFuture<GroupAnswer>> answers = new ArrayList<>();
            for (OffsetFetchRequestGroup group : asked) {
                answers.add(fetch(group, ids).toCompletableFuture());
            }
            return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                    .thenApply(done -> Optional.<ApiMessage>of(response(
                            answers.stream().map(CompletableFuture::join).toList(), version)));
        }).exceptionally(failure -> Optional.of(request.body()
                .getErrorResponse(0, Errors.COORDINATOR_NOT_AVAILABLE.exception()).data()));
    }

    private static OffsetFetchRequestGroup singleGroup(OffsetFetchRequestData data) {
        List<OffsetFetchRequestTopics> topics = data.topics() == null ? null : data.topics().stream()
                .map(t -> new OffsetFetchRequestTopics().setName(t.name()).setPartitionIndexes(t.partitionIndexes()))
                .toList();
        return new OffsetFetchRequestGroup().setGroupId(data.groupId()).setTopics(topics);
    }

    private CompletionStage<GroupAnswer> fetch(OffsetFetchRequestGroup group, Optional<KnownTopics> ids) {
        // The partitions asked for, in order; an unknown topic id cannot be named, so it is answered at once.
        Map<PartitionId, Fetched> unknown = new LinkedHashMap<>();
        List<PartitionId> wanted = new ArrayList<>();
        Map<String, Uuid> idsByName = new LinkedHashMap<>();
        if (group.topics() != null) {
            for (OffsetFetchRequestTopics topic : group.topics()) {
                Optional<String> name = ids.isEmpty() ? Optional.of(topic.name())
                        : ids.get().byId(topic.topicId()).map(info -> info.name());
                for (int index : topic.partitionIndexes()) {
                    if (name.isEmpty()) {
                        PartitionId placeholder = new PartitionId(topic.topicId().toString(), index);
                        unknown.put(placeholder, new Fetched(placeholder, topic.topicId(), NO_OFFSET,
                                CommittedOffset.NO_LEADER_EPOCH, NO_METADATA, Errors.UNKNOWN_TOPIC_ID));
                        wanted.add(placeholder);
                    } else {
                        idsByName.put(name.get(), topic.topicId());
                        wanted.add(new PartitionId(name.get(), index));
                    }
                }
            }
        }
        Optional<List<PartitionId>> partitions = group.topics() == null ? Optional.empty() : Optional.of(wanted);
        return groups.<FetchResult>ask(replyTo -> new FetchOffsets(group.groupId(), partitions,
                        Optional.ofNullable(group.memberId()), group.memberEpoch(), replyTo))
                .handle((result, failure) -> {
                    GroupError error = failure != null ? GroupError.COORDINATOR_NOT_AVAILABLE : result.error();
                    if (error != GroupError.NONE) {
                        Errors groupError = KafkaErrors.of(error);
                        return new GroupAnswer(group.groupId(), groupError, wanted.stream()
                                .map(p -> new Fetched(p, idsByName.getOrDefault(p.topic(), Uuid.ZERO_UUID), NO_OFFSET,
                                        CommittedOffset.NO_LEADER_EPOCH, NO_METADATA, groupError)).toList());
                    }
                    List<PartitionId> order = partitions.orElseGet(() -> List.copyOf(result.offsets().keySet()));
                    List<Fetched> fetched = new ArrayList<>();
                    for (PartitionId partition : order) {
                        Fetched refused = unknown.get(partition);
                        if (refused != null) {
                            fetched.add(refused);
                            continue;
                        }
                        Uuid topicId = idsByName.getOrDefault(partition.topic(),
                                ids.map(known -> known.idOf(partition.topic())).orElse(Uuid.ZERO_UUID));
                        if (ids.isPresent() && topicId.equals(Uuid.ZERO_UUID)) {
                            continue; // Offsets of a deleted topic: no id to name it by.
                        }
                        CommittedOffset offset = result.offsets().get(partition);
                        fetched.add(offset == null
                                ? new Fetched(partition, topicId, NO_OFFSET, CommittedOffset.NO_LEADER_EPOCH,
                                NO_METADATA, Errors.NONE)
                                : new Fetched(partition, topicId, offset.offset(), offset.leaderEpoch(),
                                offset.metadata().orElse(NO_METADATA), Errors.NONE));
                    }
                    return new GroupAnswer(group.groupId(), Errors.NONE, fetched);
                });
    }

    static OffsetFetchResponseData response(List<GroupAnswer> answers, short version) {
        OffsetFetchResponseData out = new OffsetFetchResponseData().setThrottleTimeMs(0);
        // A group's error is given per partition only before version 2, which has no other place for it.
        answers = answers.stream().map(a -> a.error() == Errors.NONE || version < FIRST_VERSION_WITH_TOP_LEVEL_ERROR ? a
                : new GroupAnswer(a.groupId(), a.error(), List.of())).toList();
        if (version >= FIRST_VERSION_WITH_GROUPS) {
            boolean byId = version >= FIRST_VERSION_WITH_TOPIC_IDS;
            for (GroupAnswer answer : answers) {
                OffsetFetchResponseGroup group = new OffsetFetchResponseGroup().setGroupId(answer.groupId())
                        .setErrorCode(answer.error().code());
                Map<String, OffsetFetchResponseTopics> byTopic = new LinkedHashMap<>();
                for (Fetched f : answer.partitions()) {
                    OffsetFetchResponseTopics topic = byTopic.computeIfAbsent(f.partition().topic(), name -> byId
                            ? new OffsetFetchResponseTopics().setTopicId(f.topicId())
                            : new OffsetFetchResponseTopics().setName(name));
                    topic.partitions().add(new OffsetFetchResponsePartitions()
                            .setPartitionIndex(f.partition().partition())
                            .setCommittedOffset(f.offset()).setCommittedLeaderEpoch(f.leaderEpoch())
                            .setMetadata(f.metadata()).setErrorCode(f.error().code()));
                }
                group.setTopics(new ArrayList<>(byTopic.values()));
                out.groups().add(group);
            }
            return out;
        }
        GroupAnswer answer = answers.get(0);
        if (version >= FIRST_VERSION_WITH_TOP_LEVEL_ERROR) {
            out.setErrorCode(answer.error().code());
        }
        Map<String, OffsetFetchResponseTopic> byTopic = new LinkedHashMap<>();
        for (Fetched f : answer.partitions()) {
            byTopic.computeIfAbsent(f.partition().topic(), name -> new OffsetFetchResponseTopic().setName(name))
                    .partitions().add(new OffsetFetchResponsePartition().setPartitionIndex(f.partition().partition())
                            .setCommittedOffset(f.offset()).setCommittedLeaderEpoch(f.leaderEpoch())
                            .setMetadata(f.metadata()).setErrorCode(f.error().code()));
        }
        out.setTopics(new ArrayList<>(byTopic.values()));
        return out;
    }
}
