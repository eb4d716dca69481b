package io.riverlog.api.kafka.handlers;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.LeaveGroupRequest;

import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.GroupRequests.LeaveGroup;
import io.riverlog.actors.groups.GroupRequests.LeaveResult;
import io.riverlog.actors.groups.GroupRequests.LeavingMember;
import io.riverlog.api.groups.BrokerGroups;
import io.riverlog.api.kafka.codec.KafkaRequest;

/**
 * LeaveGroup: versions 0-2 name one member and answer with its outcome; versions 3 and later name
 * many (static members by group instance id) and answer each.
 */
final class LeaveGroupHandler implements KafkaRequestHandler {
    private static final short FIRST_BATCHED_VERSION = 3;

    private final BrokerGroups groups;

    LeaveGroupHandler(BrokerGroups groups) {
        this.groups = groups;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        LeaveGroupRequestData data = request.bodyAs(LeaveGroupRequest.class).data();
        List<LeavingMember> leaving = request.apiVersion() >= FIRST_BATCHED_VERSION
                ? data.members().stream().map(m -> new LeavingMember(m.memberId(),
                        Optional.ofNullable(m.groupInstanceId()), m.reason())).toList()
                : List.of(new LeavingMember(data.memberId(), Optional.empty(), ""));
        return groups.<LeaveResult>ask(replyTo -> new LeaveGroup(data.groupId(), leaving, replyTo))
                .handle((result, failure) -> {
                    LeaveResult answer = result;
                    if (failure != null) {
                        answer = new LeaveResult(GroupError.COORDINATOR_NOT_AVAILABLE, List.of());
                    }
                    return Optional.of(response(answer, request.apiVersion()));
                });
    }

    static LeaveGroupResponseData response(LeaveResult result, short version) {
        LeaveGroupResponseData out = new LeaveGroupResponseData().setThrottleTimeMs(0);
        if (version < FIRST_BATCHED_VERSION) {
            GroupError error = result.error() != GroupError.NONE || result.members().isEmpty() ? result.error()
                    : result.members().get(0).error();
            return out.setErrorCode(KafkaErrors.of(error).code());
        }
        return out.setErrorCode(KafkaErrors.of(result.error()).code())
                .setMembers(result.members().stream().map(m -> new MemberResponse().setMemberId(m.memberId())
                        .setGroupInstanceId(m.groupInstanceId().orElse(null))
                        .setErrorCode(KafkaErrors.of(m.error()).code())).toList());
    }
}
