package io.riverlog.api.kafka.handlers;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.JoinGroupRequest;

import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.GroupRequests.JoinGroup;
import io.riverlog.actors.groups.GroupRequests.JoinResult;
import io.riverlog.actors.groups.GroupRequests.Protocol;
import io.riverlog.api.groups.BrokerGroups;
import io.riverlog.api.kafka.codec.KafkaRequest;

/**
 * JoinGroup. The answer may wait for the whole group to rejoin, so the ask waits the member's
 * rebalance timeout on top of the usual request timeout. Version 0 has no rebalance timeout: the
 * session timeout serves as both, as in Kafka. From version 4 on, a new member first gets
 * MEMBER_ID_REQUIRED with its member id, and joins again with it.
 */
final class JoinGroupHandler implements KafkaRequestHandler {
    private static final short FIRST_VERSION_REQUIRING_MEMBER_ID = 4;
    private static final short FIRST_VERSION_WITH_REBALANCE_TIMEOUT = 1;
    /** From this version on the protocol type and name are nullable and the type is in the answer. */
    private static final short FIRST_VERSION_WITH_PROTOCOL_TYPE = 7;

    private final BrokerGroups groups;

    JoinGroupHandler(BrokerGroups groups) {
        this.groups = groups;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        JoinGroupRequestData data = request.bodyAs(JoinGroupRequest.class).data();
        short version = request.apiVersion();
        int rebalanceTimeoutMs = version >= FIRST_VERSION_WITH_REBALANCE_TIMEOUT ? data.rebalanceTimeoutMs()
                : data.sessionTimeoutMs();
        List<Protocol> protocols = data.protocols().stream().map(p -> new Protocol(p.name(), p.metadata())).toList();
        Duration wait = groups.timeout().plusMillis(Math.max(rebalanceTimeoutMs, 0));
        return groups.<JoinResult>ask(replyTo -> new JoinGroup(data.groupId(), data.memberId(),
                        Optional.ofNullable(data.groupInstanceId()), request.header().clientId(),
                        "/" + request.clientAddress().getHostAddress(), data.sessionTimeoutMs(), rebalanceTimeoutMs,
                        data.protocolType(), protocols, version >= FIRST_VERSION_REQUIRING_MEMBER_ID, data.reason(),
                        replyTo), wait)
                .handle((result, failure) -> Optional.of(response(failure == null ? result
                        : new JoinResult(GroupError.COORDINATOR_NOT_AVAILABLE, JoinResult.NO_GENERATION,
                        Optional.empty(), Optional.empty(), "", data.memberId(), List.of()), version)));
    }

    static JoinGroupResponseData response(JoinResult result, short version) {
        boolean nullable = version >= FIRST_VERSION_WITH_PROTOCOL_TYPE;
        JoinGroupResponseData out = new JoinGroupResponseData().setThrottleTimeMs(0)
                .setErrorCode(KafkaErrors.of(result.error()).code())
                .setGenerationId(result.generationId())
                .setProtocolName(result.protocolName().orElse(nullable ? null : ""))
                .setLeader(result.leaderId())
                .setMemberId(result.memberId())
                .setMembers(result.members().stream().map(m -> new JoinGroupResponseMember().setMemberId(m.memberId())
                        .setGroupInstanceId(m.groupInstanceId().orElse(null)).setMetadata(m.metadata())).toList());
        if (nullable) {
            out.setProtocolType(result.protocolType().orElse(null));
        }
        if (result.error() != GroupError.NONE && out.errorCode() == Errors.NONE.code()) {
            throw new IllegalStateException("unmapped group error " + result.error());
        }
        return out;
    }
}
