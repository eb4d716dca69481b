package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;

import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;

/** IncrementalAlterConfigs of topics: SET and DELETE of the configs a topic may override. */
final class IncrementalAlterConfigsHandler implements KafkaRequestHandler {
    private final BrokerTopics topics;

    IncrementalAlterConfigsHandler(BrokerTopics topics) {
        this.topics = topics;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        IncrementalAlterConfigsRequestData data = request.bodyAs(IncrementalAlterConfigsRequest.class).data();
        List<CompletableFuture<AlterConfigsResourceResponse>> results = new ArrayList<>();
        for (IncrementalAlterConfigsRequestData.AlterConfigsResource resource : data.resources()) {
            results.add(alter(resource, data.validateOnly()));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
            IncrementalAlterConfigsResponseData out = new IncrementalAlterConfigsResponseData().setThrottleTimeMs(0);
            results.forEach(result -> out.responses().add(result.join()));
            return Optional.of(out);
        });
    }

    private CompletableFuture<AlterConfigsResourceResponse> alter(
            IncrementalAlterConfigsRequestData.AlterConfigsResource resource, boolean validateOnly) {
        AlterConfigsResourceResponse result = new AlterConfigsResourceResponse()
                .setResourceType(resource.resourceType()).setResourceName(resource.resourceName());
        if (ConfigResource.Type.forId(resource.resourceType()) != ConfigResource.Type.TOPIC) {
            return done(result, Errors.INVALID_REQUEST, "only topic configs can be altered");
        }
        Map<String, Optional<String>> changes = new LinkedHashMap<>();
        for (IncrementalAlterConfigsRequestData.AlterableConfig config : resource.configs()) {
            AlterConfigOp.OpType op = AlterConfigOp.OpType.forId(config.configOperation());
            if (op == AlterConfigOp.OpType.SET) {
                changes.put(config.name(), Optional.ofNullable(config.value()));
            } else if (op == AlterConfigOp.OpType.DELETE) {
                changes.put(config.name(), Optional.empty());
            } else {
                return done(result, Errors.INVALID_REQUEST, "operation " + op + " does not apply to " + config.name());
            }
        }
        if (validateOnly) {
            return done(result, Errors.NONE, null);
        }
        return topics.alterConfigs(resource.resourceName(), changes).toCompletableFuture().handle((reply, error) -> {
            if (error != null) {
                return result.setErrorCode(Errors.REQUEST_TIMED_OUT.code());
            }
            if (reply instanceof TopicRegistry.ChangeFailed failed) {
                return result.setErrorCode(KafkaErrors.of(failed.error()).code()).setErrorMessage(failed.message());
            }
            return result.setErrorCode(Errors.NONE.code());
        });
    }

    private static CompletableFuture<AlterConfigsResourceResponse> done(AlterConfigsResourceResponse result,
                                                                       Errors error, String message) {
        return CompletableFuture.completedFuture(result.setErrorCode(error.code()).setErrorMessage(message));
    }
}
