package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeGroupsRequest;

import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.GroupRequests.DescribeGroup;
import io.riverlog.actors.groups.GroupRequests.GroupDescription;
import io.riverlog.actors.groups.GroupState;
import io.riverlog.api.groups.BrokerGroups;
import io.riverlog.api.kafka.codec.KafkaRequest;

/**
 * DescribeGroups. A group that does not exist is Dead: before version 6 with no error, from version
 * 6 on with GROUP_ID_NOT_FOUND, as Kafka answers; so is a group of the consumer group protocol, which
 * is not a classic group (ConsumerGroupDescribe describes it). Authorized operations are not computed
 * (no ACLs).
 */
final class DescribeGroupsHandler implements KafkaRequestHandler {
    private static final short FIRST_VERSION_WITH_INSTANCE_ID = 4;
    private static final short FIRST_VERSION_WITH_NOT_FOUND = 6;
    private static final int OPERATIONS_NOT_COMPUTED = Integer.MIN_VALUE;

    private final BrokerGroups groups;

    DescribeGroupsHandler(BrokerGroups groups) {
        this.groups = groups;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        DescribeGroupsRequestData data = request.bodyAs(DescribeGroupsRequest.class).data();
        short version = request.apiVersion();
        List<CompletableFuture<DescribedGroup>> described = new ArrayList<>();
        for (String groupId : data.groups()) {
            described.add(groups.<GroupDescription>ask(replyTo -> new DescribeGroup(groupId, replyTo))
                    .handle((description, failure) -> described(failure == null ? description
                            : new GroupDescription(GroupError.COORDINATOR_NOT_AVAILABLE, groupId, GroupState.DEAD,
                                    "", "", List.of()), version))
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(described.toArray(CompletableFuture[]::new)).thenApply(done ->
                Optional.of(new DescribeGroupsResponseData().setThrottleTimeMs(0)
                        .setGroups(described.stream().map(CompletableFuture::join).toList())));
    }

    static DescribedGroup described(GroupDescription description, short version) {
        Errors error = KafkaErrors.of(description.error());
        if (error == Errors.GROUP_ID_NOT_FOUND && version < FIRST_VERSION_WITH_NOT_FOUND) {
            error = Errors.NONE;
        }
        DescribedGroup out = new DescribedGroup().setGroupId(description.groupId()).setErrorCode(error.code())
                .setGroupState(description.state().displayName()).setProtocolType(description.protocolType())
                .setProtocolData(description.protocolName()).setAuthorizedOperations(OPERATIONS_NOT_COMPUTED);
        if (version >= FIRST_VERSION_WITH_NOT_FOUND && error != Errors.NONE) {
            out.setErrorMessage(error == Errors.GROUP_ID_NOT_FOUND
                    ? "Group " + description.groupId() + " is not a classic group or does not exist."
                    : error.message());
        }
        description.members().forEach(m -> {
            DescribedGroupMember member = new DescribedGroupMember().setMemberId(m.memberId())
                    .setClientId(m.clientId()).setClientHost(m.clientHost())
                    .setMemberMetadata(m.metadata()).setMemberAssignment(m.assignment());
            if (version >= FIRST_VERSION_WITH_INSTANCE_ID) {
                member.setGroupInstanceId(m.groupInstanceId().orElse(null));
            }
            out.members().add(member);
        });
        return out;
    }
}
