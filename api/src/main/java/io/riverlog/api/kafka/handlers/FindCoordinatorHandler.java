package io.riverlog.api.kafka.handlers;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;

import io.riverlog.api.kafka.KafkaSettings;
import io.riverlog.api.kafka.codec.KafkaRequest;

/**
 * FindCoordinator: this broker coordinates every group. Transaction (and share group) coordinators
 * are not served: such keys are answered INVALID_REQUEST. Versions 4 and later ask for many keys at
 * once; older ones for one.
 */
final class FindCoordinatorHandler implements KafkaRequestHandler {
    private static final short FIRST_BATCHED_VERSION = 4;
    private static final short FIRST_VERSION_WITH_ERROR_MESSAGE = 1;

    private final KafkaSettings settings;

    FindCoordinatorHandler(KafkaSettings settings) {
        this.settings = settings;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        FindCoordinatorRequestData data = request.bodyAs(FindCoordinatorRequest.class).data();
        FindCoordinatorResponseData out = new FindCoordinatorResponseData().setThrottleTimeMs(0);
        boolean isGroup = data.keyType() == FindCoordinatorRequest.CoordinatorType.GROUP.id();
        Errors error = isGroup ? Errors.NONE : Errors.INVALID_REQUEST;
        String message = isGroup ? null : "only group coordinators are served by this broker";
        if (request.apiVersion() >= FIRST_BATCHED_VERSION) {
            List<Coordinator> coordinators = data.coordinatorKeys().stream()
                    .map(key -> coordinator(key, request.listenerPort(), error, message)).toList();
            out.setCoordinators(coordinators);
        } else {
            out.setErrorCode(error.code()).setNodeId(isGroup ? settings.nodeId() : -1)
                    .setHost(isGroup ? settings.advertisedHostOrBind() : "")
                    .setPort(isGroup ? request.listenerPort() : -1);
            if (request.apiVersion() >= FIRST_VERSION_WITH_ERROR_MESSAGE) {
                out.setErrorMessage(message);
            }
        }
        return CompletableFuture.completedFuture(Optional.of(out));
    }

    private Coordinator coordinator(String key, int port, Errors error, String message) {
        Coordinator coordinator = new Coordinator().setKey(key).setErrorCode(error.code()).setErrorMessage(message);
        return error == Errors.NONE
                ? coordinator.setNodeId(settings.nodeId()).setHost(settings.advertisedHostOrBind()).setPort(port)
                : coordinator.setNodeId(-1).setHost("").setPort(-1);
    }
}
