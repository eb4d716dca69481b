package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

import io.riverlog.api.kafka.KafkaSettings;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;

/** DescribeConfigs of topics (defaults and overrides) and of this broker (its fixed facts). */
final class DescribeConfigsHandler implements KafkaRequestHandler {
    private final BrokerTopics topics;
    private final TopicConfigView view;
    private final KafkaSettings settings;

    DescribeConfigsHandler(BrokerTopics topics, TopicConfigView view, KafkaSettings settings) {
        this.topics = topics;
        this.view = view;
        this.settings = settings;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        DescribeConfigsRequestData data = request.bodyAs(DescribeConfigsRequest.class).data();
        List<CompletableFuture<DescribeConfigsResult>> results = new ArrayList<>();
        for (DescribeConfigsRequestData.DescribeConfigsResource resource : data.resources()) {
            results.add(describe(resource));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
            DescribeConfigsResponseData out = new DescribeConfigsResponseData().setThrottleTimeMs(0);
            results.forEach(result -> out.results().add(result.join()));
            return Optional.of(out);
        });
    }

    private CompletableFuture<DescribeConfigsResult> describe(
            DescribeConfigsRequestData.DescribeConfigsResource resource) {
        DescribeConfigsResult result = new DescribeConfigsResult().setResourceType(resource.resourceType())
                .setResourceName(resource.resourceName());
        ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
        if (type == ConfigResource.Type.BROKER) {
            Map<String, TopicConfigView.Entry> broker = Map.of(
                    "broker.id", new TopicConfigView.Entry(Integer.toString(settings.nodeId()), false, true, "INT"),
                    "auto.create.topics.enable", new TopicConfigView.Entry("true", false, true, "BOOLEAN"));
            return CompletableFuture.completedFuture(fill(result.setErrorCode(Errors.NONE.code()), broker, resource,
                    ConfigSource.STATIC_BROKER_CONFIG));
        }
        if (type != ConfigResource.Type.TOPIC) {
            return CompletableFuture.completedFuture(result.setErrorCode(Errors.INVALID_REQUEST.code())
                    .setErrorMessage("resource type " + type + " has no configs here"));
        }
        return topics.describe(resource.resourceName()).toCompletableFuture().thenApply(found -> found
                .map(topic -> fill(result.setErrorCode(Errors.NONE.code()), view.of(topic), resource,
                        ConfigSource.TOPIC_CONFIG))
                .orElseGet(() -> result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                        .setErrorMessage("unknown topic " + resource.resourceName())));
    }

    private static DescribeConfigsResult fill(DescribeConfigsResult result, Map<String, TopicConfigView.Entry> entries,
                                              DescribeConfigsRequestData.DescribeConfigsResource resource,
                                              ConfigSource overriddenSource) {
        List<String> keys = resource.configurationKeys();
        entries.forEach((name, entry) -> {
            if (keys == null || keys.isEmpty() || keys.contains(name)) {
                result.configs().add(new DescribeConfigsResourceResult().setName(name).setValue(entry.value())
                        .setReadOnly(entry.readOnly()).setIsSensitive(false)
                        .setConfigSource((entry.overridden() ? overriddenSource : ConfigSource.DEFAULT_CONFIG).id())
                        .setConfigType(ConfigType.valueOf(entry.type()).id()));
            }
        });
        return result;
    }
}
