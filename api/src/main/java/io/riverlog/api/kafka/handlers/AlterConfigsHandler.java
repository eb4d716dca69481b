package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.AlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AlterConfigsRequest;

import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;

/**
 * AlterConfigs (the older, non-incremental form) of topics: the request's configs become the topic's
 * whole set, so every config it does not name goes back to its default, as in Kafka.
 */
final class AlterConfigsHandler implements KafkaRequestHandler {
    private final BrokerTopics topics;

    AlterConfigsHandler(BrokerTopics topics) {
        this.topics = topics;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        AlterConfigsRequestData data = request.bodyAs(AlterConfigsRequest.class).data();
        List<CompletableFuture<AlterConfigsResourceResponse>> results = new ArrayList<>();
        for (AlterConfigsRequestData.AlterConfigsResource resource : data.resources()) {
            results.add(alter(resource, data.validateOnly()));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
            AlterConfigsResponseData out = new AlterConfigsResponseData().setThrottleTimeMs(0);
            results.forEach(result -> out.responses().add(result.join()));
            return Optional.of(out);
        });
    }

    private CompletableFuture<AlterConfigsResourceResponse> alter(AlterConfigsRequestData.AlterConfigsResource resource,
                                                                  boolean validateOnly) {
        AlterConfigsResourceResponse result = new AlterConfigsResourceResponse()
                .setResourceType(resource.resourceType()).setResourceName(resource.resourceName());
        ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
        if (type != ConfigResource.Type.TOPIC) {
            return CompletableFuture.completedFuture(result.setErrorCode(Errors.INVALID_REQUEST.code())
                    .setErrorMessage(type + " configs cannot be altered here; broker settings live in the"
                            + " configuration file"));
        }
        return TopicConfigChange.apply(topics, resource.resourceName(), validateOnly, topic -> {
            Map<String, Optional<String>> changes = new LinkedHashMap<>();
            topic.configs().keySet().forEach(name -> changes.put(name, Optional.empty()));
            for (AlterConfigsRequestData.AlterableConfig config : resource.configs()) {
                changes.put(config.name(), Optional.ofNullable(config.value()));
            }
            return TopicConfigChange.Changes.of(changes);
        }).thenApply(outcome -> result.setErrorCode(outcome.error().code()).setErrorMessage(outcome.message()));
    }
}
