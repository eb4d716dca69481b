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
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsRequest;

import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;

/**
 * DescribeConfigs of topics (every topic config, the topic's own or the default, with source and
 * synonyms) and of this broker ({@link BrokerConfigView}).
 */
final class DescribeConfigsHandler implements KafkaRequestHandler {
    private final BrokerTopics topics;
    private final TopicConfigView view;
    private final BrokerConfigView broker;

    DescribeConfigsHandler(BrokerTopics topics, TopicConfigView view, BrokerConfigView broker) {
        this.topics = topics;
        this.view = view;
        this.broker = broker;
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        DescribeConfigsRequestData data = request.bodyAs(DescribeConfigsRequest.class).data();
        List<CompletableFuture<DescribeConfigsResult>> results = new ArrayList<>();
        for (DescribeConfigsRequestData.DescribeConfigsResource resource : data.resources()) {
            results.add(describe(resource).thenApply(result -> detail(result, data)));
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
            return CompletableFuture.completedFuture(fill(result.setErrorCode(Errors.NONE.code()), broker.entries(),
                    resource));
        }
        if (type != ConfigResource.Type.TOPIC) {
            return CompletableFuture.completedFuture(result.setErrorCode(Errors.INVALID_REQUEST.code())
                    .setErrorMessage("resource type " + type + " has no configs here"));
        }
        return topics.describe(resource.resourceName()).toCompletableFuture().thenApply(found -> found
                .map(topic -> fill(result.setErrorCode(Errors.NONE.code()), view.of(topic), resource))
                .orElseGet(() -> result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                        .setErrorMessage("unknown topic " + resource.resourceName())));
    }

    private static DescribeConfigsResult fill(DescribeConfigsResult result, Map<String, TopicConfigView.Entry> entries,
                                              DescribeConfigsRequestData.DescribeConfigsResource resource) {
        List<String> keys = resource.configurationKeys();
        entries.forEach((name, entry) -> {
            if (keys == null || keys.isEmpty() || keys.contains(name)) {
                DescribeConfigsResourceResult config = new DescribeConfigsResourceResult().setName(name)
                        .setValue(entry.value()).setReadOnly(entry.readOnly()).setIsSensitive(false)
                        .setConfigSource(entry.source().id()).setConfigType(entry.type().id())
                        .setDocumentation(entry.documentation());
                entry.synonyms().forEach(synonym -> config.synonyms().add(new DescribeConfigsSynonym()
                        .setName(synonym.name()).setValue(synonym.value()).setSource(synonym.source().id())));
                result.configs().add(config);
            }
        });
        return result;
    }

    /** Drops the synonyms and documentation the request did not ask for. */
    private static DescribeConfigsResult detail(DescribeConfigsResult result, DescribeConfigsRequestData data) {
        for (DescribeConfigsResourceResult config : result.configs()) {
            if (!data.includeSynonyms()) {
                config.synonyms().clear();
            }
            if (!data.includeDocumentation()) {
                config.setDocumentation(null);
            }
        }
        return result;
    }
}
