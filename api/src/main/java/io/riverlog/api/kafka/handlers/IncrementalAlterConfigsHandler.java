package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;

import io.riverlog.actors.topics.TopicInfo;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.topics.BrokerTopics;

/**
 * IncrementalAlterConfigs of topics: SET and DELETE of any topic config, APPEND and SUBTRACT of the
 * list-valued ones (from the topic's value, or the default if it sets none), as Kafka does them.
 * Broker configs are read-only: they live in Riverlog's configuration file (deleting Kafka's replication
 * throttles, which are never set here, is answered as done).
 */
final class IncrementalAlterConfigsHandler implements KafkaRequestHandler {
    /** Kafka's broker-level replication throttles; Riverlog throttles no replication, so deleting them does nothing. */
    private static final java.util.Set<String> BROKER_THROTTLES = java.util.Set.of("leader.replication.throttled.rate",
            "follower.replication.throttled.rate", "replica.alter.log.dirs.io.max.bytes.per.second");
    private final BrokerTopics topics;
    private final TopicConfigView view;

    IncrementalAlterConfigsHandler(BrokerTopics topics, TopicConfigView view) {
        this.topics = topics;
        this.view = view;
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
        ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
        if (type == ConfigResource.Type.BROKER && onlyDeletesThrottles(resource)) {
            // Kafka's reassignment tool clears replication throttles once a move is over: none are set here.
            return CompletableFuture.completedFuture(result.setErrorCode(Errors.NONE.code()));
        }
        if (type != ConfigResource.Type.TOPIC) {
            return CompletableFuture.completedFuture(result.setErrorCode(Errors.INVALID_REQUEST.code())
                    .setErrorMessage(type + " configs cannot be altered here; broker settings live in the"
                            + " configuration file"));
        }
        return TopicConfigChange.apply(topics, resource.resourceName(), validateOnly,
                        topic -> changes(topic, resource.configs()))
                .thenApply(outcome -> result.setErrorCode(outcome.error().code()).setErrorMessage(outcome.message()));
    }

    private static boolean onlyDeletesThrottles(IncrementalAlterConfigsRequestData.AlterConfigsResource resource) {
        for (AlterableConfig config : resource.configs()) {
            if (AlterConfigOp.OpType.forId(config.configOperation()) != AlterConfigOp.OpType.DELETE
                    || !BROKER_THROTTLES.contains(config.name())) {
                return false;
            }
        }
        return true;
    }

    private TopicConfigChange.Changes changes(TopicInfo topic, Iterable<AlterableConfig> configs) {
        Map<String, Optional<String>> changes = new LinkedHashMap<>();
        Map<String, TopicConfigView.Entry> current = view.of(topic);
        for (AlterableConfig config : configs) {
            AlterConfigOp.OpType op = AlterConfigOp.OpType.forId(config.configOperation());
            if (op == null) {
                return TopicConfigChange.Changes.refused(Errors.INVALID_REQUEST,
                        "unknown operation " + config.configOperation() + " on " + config.name());
            }
            if (changes.containsKey(config.name())) {
                return TopicConfigChange.Changes.refused(Errors.INVALID_REQUEST,
                        "config " + config.name() + " is altered twice in one request");
            }
            switch (op) {
                case SET -> changes.put(config.name(), Optional.ofNullable(config.value()));
                case DELETE -> changes.put(config.name(), Optional.empty());
                case APPEND, SUBTRACT -> {
                    TopicConfigView.Entry entry = current.get(config.name());
                    if (entry == null || entry.type() != ConfigType.LIST) {
                        return TopicConfigChange.Changes.refused(Errors.INVALID_CONFIG, "Config value "
                                + op.name().toLowerCase(java.util.Locale.ROOT) + " is not allowed for config key: "
                                + config.name());
                    }
                    changes.put(config.name(), Optional.of(combined(entry.value(), config.value(),
                            op == AlterConfigOp.OpType.APPEND)));
                }
                default -> throw new IllegalStateException("operation " + op);
            }
        }
        return TopicConfigChange.Changes.of(changes);
    }

    /** A list value with the given items added (distinct, in order) or removed. */
    private static String combined(String list, String items, boolean append) {
        Set<String> values = new LinkedHashSet<>(split(list));
        if (append) {
            values.addAll(split(items));
        } else {
            values.removeAll(split(items));
        }
        return String.join(",", values);
    }

    private static List<String> split(String list) {
        List<String> out = new ArrayList<>();
        if (list != null) {
            for (String item : list.split(",")) {
                if (!item.isBlank()) {
                    out.add(item.trim());
                }
            }
        }
        return out;
    }
}
