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

/** DescribeCluster: one broker, which is also the controller. */
final class DescribeClusterHandler implements KafkaRequestHandler {
    private final KafkaSettings settings;

    DescribeClusterHandler(KafkaSettings settings) {
        this.settings = settings;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        byte endpointType = request.bodyAs(DescribeClusterRequest.class).data().endpointType();
        DescribeClusterResponseData out = new DescribeClusterResponseData().setThrottleTimeMs(0)
                .setErrorCode(Errors.NONE.code()).setEndpointType(endpointType).setClusterId(settings.clusterId())
                .setControllerId(settings.nodeId()).setClusterAuthorizedOperations(Integer.MIN_VALUE);
        out.brokers().add(new DescribeClusterResponseData.DescribeClusterBroker().setBrokerId(settings.nodeId())
                .setHost(settings.advertisedHostOrBind()).setPort(request.listenerPort()).setRack(null));
        return CompletableFuture.completedFuture(Optional.of(out));
    }
}
