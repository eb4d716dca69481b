package io.riverlog.api.kafka.handlers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.actors.topics.TopicConfigCatalog;
import io.riverlog.actors.topics.TopicConfigs;
import io.riverlog.api.kafka.KafkaSettings;

/**
 * This broker's configuration as Kafka tools ask for it (DescribeConfigs of a broker resource): its
 * identity, the defaults its topics get under Kafka's broker config names, and the facts of a single
 * node that clients and tools read (one replica, so every replication factor is 1). Read-only: the
 * settings live in Riverlog's configuration file.
 */
final class BrokerConfigView {
    /** A single node: every replicated thing has one replica. */
    private static final String ONE_REPLICA = "1";

    private final Map<String, TopicConfigView.Entry> entries = new LinkedHashMap<>();

    BrokerConfigView(KafkaSettings settings, PartitionSettings partitionDefaults) {
        put("broker.id", Integer.toString(settings.nodeId()), ConfigType.INT);
        put("node.id", Integer.toString(settings.nodeId()), ConfigType.INT);
        put("auto.create.topics.enable", Boolean.toString(settings.autoCreateTopics()), ConfigType.BOOLEAN);
        put("default.replication.factor", ONE_REPLICA, ConfigType.INT);
        put("offsets.topic.replication.factor", ONE_REPLICA, ConfigType.SHORT);
        put("transaction.state.log.replication.factor", ONE_REPLICA, ConfigType.SHORT);
        Map<String, String> topicDefaults = TopicConfigs.brokerDefaults(partitionDefaults);
        for (TopicConfigCatalog.Key key : TopicConfigCatalog.keys().values()) {
            if (key.brokerSynonym() != null && !entries.containsKey(key.brokerSynonym())) {
                String value = topicDefaults.containsKey(key.name()) ? topicDefaults.get(key.name())
                        : TopicConfigCatalog.render(key, key.kafkaDefault());
                put(key.brokerSynonym(), value, ConfigType.valueOf(key.type().name()));
            }
        }
    }

    Map<String, TopicConfigView.Entry> entries() {
        return entries;
    }

    private void put(String name, String value, ConfigType type) {
        entries.put(name, new TopicConfigView.Entry(value, ConfigSource.STATIC_BROKER_CONFIG, true, type,
                List.of(new TopicConfigView.Synonym(name, value, ConfigSource.STATIC_BROKER_CONFIG)), null));
    }
}
