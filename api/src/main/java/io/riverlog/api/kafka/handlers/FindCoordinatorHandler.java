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
import io.riverlog.api.topics.ClusterView;

/**
 * FindCoordinator: the node that coordinates the group (this one on a single node; in a cluster the
 * leader of the partition group its id hashes to, {@link ClusterView#coordinatorOf};
 * COORDINATOR_NOT_AVAILABLE while that group elects a leader or its leader has not registered its
 * address). Transaction (and share group) coordinators
 * are not served: such keys are answered INVALID_REQUEST. Versions 4 and later ask for many keys at
 * once; older ones for one.
 */
final class FindCoordinatorHandler implements KafkaRequestHandler {
    private static final short FIRST_BATCHED_VERSION = 4;
    private static final short FIRST_VERSION_WITH_ERROR_MESSAGE = 1;

    private final KafkaSettings settings;
    private final ClusterView cluster;

    FindCoordinatorHandler(KafkaSettings settings, ClusterView cluster) {
        this.settings = settings;
        this.cluster = cluster;
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
            Coordinator one = coordinator(data.key(), request.listenerPort(), error, message);
            out.setErrorCode(one.errorCode()).setNodeId(one.nodeId()).setHost(one.host()).setPort(one.port());
            if (request.apiVersion() >= FIRST_VERSION_WITH_ERROR_MESSAGE) {
                out.setErrorMessage(one.errorMessage());
            }
        }
        return CompletableFuture.completedFuture(Optional.of(out));
    }

    private Coordinator coordinator(String key, int port, Errors error, String message) {
        Coordinator coordinator = new Coordinator().setKey(key).setErrorCode(error.code()).setErrorMessage(message);
        if (error != Errors.NONE) {
            return coordinator.setNodeId(-1).setHost("").setPort(-1);
        }
        java.util.OptionalInt leader = cluster.isCluster() ? cluster.coordinatorOf(key)
                : java.util.OptionalInt.of(settings.nodeId());
        if (leader.isEmpty()) {
            return coordinator.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code())
                    .setErrorMessage("the partition group that coordinates " + key + " is electing a leader")
                    .setNodeId(-1).setHost("").setPort(-1);
        }
        int node = leader.getAsInt();
        return Brokers.node(node, cluster, settings, port)
                .map(broker -> coordinator.setNodeId(broker.id()).setHost(broker.host()).setPort(broker.port()))
                .orElseGet(() -> coordinator.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code())
                        .setErrorMessage("node " + node + " coordinates the group but has not registered yet")
                        .setNodeId(-1).setHost("").setPort(-1));
    }
}
