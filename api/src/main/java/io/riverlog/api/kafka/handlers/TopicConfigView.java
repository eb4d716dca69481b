package io.riverlog.api.kafka.handlers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.actors.topics.TopicConfigCatalog;
import io.riverlog.actors.topics.TopicConfigs;
import io.riverlog.actors.topics.TopicInfo;

/**
 * A topic's configuration as Kafka tools show it: every topic config of {@link TopicConfigCatalog},
 * the topic's own value where it sets one, else the broker's default (from Riverlog's settings where
 * one gives it, else Kafka's), each with its source and synonyms.
 */
final class TopicConfigView {
    /** One synonym: a config that gives this one's value, highest precedence first. */
    record Synonym(String name, String value, ConfigSource source) {
    }

    /** One config entry as DescribeConfigs reports it. */
    record Entry(String value, ConfigSource source, boolean readOnly, ConfigType type, List<Synonym> synonyms,
                 String documentation) {
    }

    private final Map<String, String> brokerDefaults;

    TopicConfigView(PartitionSettings defaults) {
        this.brokerDefaults = TopicConfigs.brokerDefaults(defaults);
    }

    Map<String, Entry> of(TopicInfo topic) {
        return of(topic.configs());
    }

    /** The entries of a topic whose own configs are {@code own}. */
    Map<String, Entry> of(Map<String, String> own) {
        Map<String, Entry> out = new LinkedHashMap<>();
        for (TopicConfigCatalog.Key key : TopicConfigCatalog.keys().values()) {
            String fallback = brokerDefaults.containsKey(key.name()) ? brokerDefaults.get(key.name())
                    : TopicConfigCatalog.render(key, key.kafkaDefault());
            List<Synonym> synonyms = new ArrayList<>();
            String value = own.get(key.name());
            if (value != null) {
                synonyms.add(new Synonym(key.name(), value, ConfigSource.TOPIC_CONFIG));
            }
            if (key.brokerSynonym() != null) {
                synonyms.add(new Synonym(key.brokerSynonym(), fallback, ConfigSource.DEFAULT_CONFIG));
            }
            out.put(key.name(), new Entry(value != null ? value : fallback,
                    value != null ? ConfigSource.TOPIC_CONFIG : ConfigSource.DEFAULT_CONFIG, false,
                    ConfigType.valueOf(key.type().name()), synonyms, key.riverlogNote()));
        }
        return out;
    }
}
