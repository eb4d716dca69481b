package io.riverlog.api.kafka.handlers;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeClusterRequest;

import io.riverlog.api.kafka.KafkaSettings;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.ClusterView;

/**
 * DescribeCluster: every node of the cluster (this one alone on a single node); this one answers as
 * the controller.
 */
final class DescribeClusterHandler implements KafkaRequestHandler {
    private final KafkaSettings settings;
    private final ClusterView cluster;

    DescribeClusterHandler(KafkaSettings settings, ClusterView cluster) {
        this.settings = settings;
        this.cluster = cluster;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        byte endpointType = request.bodyAs(DescribeClusterRequest.class).data().endpointType();
        DescribeClusterResponseData out = new DescribeClusterResponseData().setThrottleTimeMs(0)
                .setErrorCode(Errors.NONE.code()).setEndpointType(endpointType).setClusterId(settings.clusterId())
                .setControllerId(settings.nodeId()).setClusterAuthorizedOperations(Integer.MIN_VALUE);
        for (Brokers.Broker broker : Brokers.all(cluster, settings, request.listenerPort())) {
            out.brokers().add(new DescribeClusterResponseData.DescribeClusterBroker().setBrokerId(broker.id())
                    .setHost(broker.host()).setPort(broker.port()).setRack(null));
        }
        return CompletableFuture.completedFuture(Optional.of(out));
    }
}
