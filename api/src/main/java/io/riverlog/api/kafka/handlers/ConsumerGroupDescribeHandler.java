package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.Assignment;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.DescribedGroup;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.Member;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.TopicPartitions;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ConsumerGroupDescribeRequest;

import io.riverlog.actors.groups.ConsumerGroupRequests.ConsumerGroupDescription;
import io.riverlog.actors.groups.ConsumerGroupRequests.Describe;
import io.riverlog.actors.groups.ConsumerGroupRequests.DescribedMember;
import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.GroupState;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.api.groups.BrokerGroups;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.api.topics.KnownTopics;
import io.riverlog.api.topics.TopicIds;

/**
 * ConsumerGroupDescribe (KIP-848): groups of the consumer group protocol with their epochs,
 * assignor and members (subscriptions, current and target assignments). A classic group, or one
 * that only committed offsets, is GROUP_ID_NOT_FOUND ("not a consumer group"), as is one that does
 * not exist ("not found"), as Kafka answers: the admin client then describes it with
 * DescribeGroups. Authorized operations are not computed (no ACLs).
 */
final class ConsumerGroupDescribeHandler implements KafkaRequestHandler {
    private static final int OPERATIONS_NOT_COMPUTED = Integer.MIN_VALUE;
    /** Version 1's member type of a member that uses the consumer group protocol. */
    private static final byte CONSUMER_MEMBER = 1;

    private final BrokerGroups groups;
    private final BrokerTopics topics;

    ConsumerGroupDescribeHandler(BrokerGroups groups, BrokerTopics topics) {
        this.groups = groups;
        this.topics = topics;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        ConsumerGroupDescribeRequestData data = request.bodyAs(ConsumerGroupDescribeRequest.class).data();
        return KnownTopics.load(topics).thenCompose(known -> {
            List<CompletableFuture<DescribedGroup>> described = new ArrayList<>();
            for (String groupId : data.groupIds()) {
                described.add(groups.<ConsumerGroupDescription>ask(replyTo -> new Describe(groupId, replyTo))
                        .handle((description, failure) -> described(failure == null ? description
                                : new ConsumerGroupDescription(GroupError.COORDINATOR_NOT_AVAILABLE, "", groupId,
                                GroupState.DEAD, 0, 0, "", List.of()), known))
                        .toCompletableFuture());
            }
            return CompletableFuture.allOf(described.toArray(CompletableFuture[]::new)).thenApply(done ->
                    Optional.<ApiMessage>of(new ConsumerGroupDescribeResponseData().setThrottleTimeMs(0)
                            .setGroups(described.stream().map(CompletableFuture::join).toList())));
        }).exceptionally(failure -> Optional.of(request.body()
                .getErrorResponse(0, Errors.COORDINATOR_NOT_AVAILABLE.exception()).data()));
    }

    private static DescribedGroup described(ConsumerGroupDescription description, KnownTopics known) {
        Errors error = KafkaErrors.of(description.error());
        DescribedGroup out = new DescribedGroup().setGroupId(description.groupId()).setErrorCode(error.code())
                .setAuthorizedOperations(OPERATIONS_NOT_COMPUTED);
        if (error != Errors.NONE) {
            return out.setErrorMessage(description.errorMessage().isEmpty() ? error.message()
                    : description.errorMessage())
                    .setGroupState(description.state().displayName());
        }
        out.setGroupState(description.state().displayName()).setGroupEpoch(description.groupEpoch())
                .setAssignmentEpoch(description.assignmentEpoch()).setAssignorName(description.assignorName());
        for (DescribedMember m : description.members()) {
            out.members().add(new Member().setMemberId(m.memberId()).setInstanceId(m.instanceId().orElse(null))
                    .setRackId(m.rackId().orElse(null)).setMemberEpoch(m.memberEpoch()).setClientId(m.clientId())
                    .setClientHost(m.clientHost()).setSubscribedTopicNames(m.subscribedTopicNames())
                    .setSubscribedTopicRegex(m.subscribedTopicRegex().orElse(null))
                    .setAssignment(assignment(m.assignment(), known))
                    .setTargetAssignment(assignment(m.targetAssignment(), known))
                    .setMemberType(CONSUMER_MEMBER));
        }
        return out;
    }

    private static Assignment assignment(Set<PartitionId> partitions, KnownTopics known) {
        Assignment out = new Assignment();
        known.byTopic(partitions).forEach((topic, numbers) -> out.topicPartitions().add(new TopicPartitions()
                .setTopicId(TopicIds.of(topic)).setTopicName(topic.name()).setPartitions(numbers)));
        return out;
    }
}
