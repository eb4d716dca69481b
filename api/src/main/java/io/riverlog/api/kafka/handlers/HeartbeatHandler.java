package io.riverlog.api.kafka.handlers;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.HeartbeatRequest;

import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.GroupRequests.Heartbeat;
import io.riverlog.actors.groups.GroupRequests.HeartbeatResult;
import io.riverlog.api.groups.BrokerGroups;
import io.riverlog.api.kafka.codec.KafkaRequest;

/** Heartbeat: keeps a member's session; REBALANCE_IN_PROGRESS tells it to join again. */
final class HeartbeatHandler implements KafkaRequestHandler {
    private final BrokerGroups groups;

    HeartbeatHandler(BrokerGroups groups) {
        this.groups = groups;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        HeartbeatRequestData data = request.bodyAs(HeartbeatRequest.class).data();
        return groups.<HeartbeatResult>ask(replyTo -> new Heartbeat(data.groupId(), data.generationId(),
                        data.memberId(), Optional.ofNullable(data.groupInstanceId()), replyTo))
                .handle((result, failure) -> Optional.of(new HeartbeatResponseData().setThrottleTimeMs(0)
                        .setErrorCode(KafkaErrors.of(failure == null ? result.error()
                                : GroupError.COORDINATOR_NOT_AVAILABLE).code())));
    }
}
