package io.riverlog.api.kafka.handlers;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.SyncGroupRequest;

import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.GroupRequests.SyncGroup;
import io.riverlog.actors.groups.GroupRequests.SyncResult;
import io.riverlog.api.groups.BrokerGroups;
import io.riverlog.api.kafka.codec.KafkaRequest;

/**
 * SyncGroup: the leader brings the assignment (opaque bytes per member), every member gets its own
 * part back. A follower's answer waits for the leader's SyncGroup, which comes within moments of
 * the JoinGroup answers, so the usual request timeout bounds it.
 */
final class SyncGroupHandler implements KafkaRequestHandler {
    /** From this version on the request and answer carry the protocol type and name. */
    private static final short FIRST_VERSION_WITH_PROTOCOL = 5;

    private final BrokerGroups groups;

    SyncGroupHandler(BrokerGroups groups) {
        this.groups = groups;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        SyncGroupRequestData data = request.bodyAs(SyncGroupRequest.class).data();
        Map<String, byte[]> assignments = new LinkedHashMap<>();
        data.assignments().forEach(a -> assignments.put(a.memberId(), a.assignment()));
        return groups.<SyncResult>ask(replyTo -> new SyncGroup(data.groupId(), data.generationId(), data.memberId(),
                        Optional.ofNullable(data.groupInstanceId()), Optional.ofNullable(data.protocolType()),
                        Optional.ofNullable(data.protocolName()), assignments, replyTo))
                .handle((result, failure) -> Optional.of(response(failure == null ? result
                        : new SyncResult(GroupError.COORDINATOR_NOT_AVAILABLE, Optional.empty(), Optional.empty(),
                                new byte[0]), request.apiVersion())));
    }

    static SyncGroupResponseData response(SyncResult result, short version) {
        SyncGroupResponseData out = new SyncGroupResponseData().setThrottleTimeMs(0)
                .setErrorCode(KafkaErrors.of(result.error()).code()).setAssignment(result.assignment());
        if (version >= FIRST_VERSION_WITH_PROTOCOL) {
            out.setProtocolType(result.protocolType().orElse(null)).setProtocolName(result.protocolName().orElse(null));
        }
        return out;
    }
}
