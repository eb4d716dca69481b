package io.riverlog.api.broker;

import java.time.Duration;

import com.typesafe.config.Config;

import io.riverlog.actors.groups.GroupSettings;
import io.riverlog.actors.groups.consumer.ConsumerGroupSettings;
import io.riverlog.actors.topics.RegistrySettings;
import io.riverlog.api.http.HttpSettings;
import io.riverlog.api.kafka.KafkaSettings;
import io.riverlog.api.metrics.MetricsSettings;
import io.riverlog.raft.ClusterSettings;
import io.riverlog.settings.ConfigValues;
import io.riverlog.streams.SourceOptions;

/**
 * Every setting of {@code riverlog} a broker uses, each module's part read by its own settings
 * class, all at once before anything starts: a value out of range (see {@link ConfigValues}) stops
 * the start with an exception that names it, instead of failing inside an actor later.
 *
 * @param shutdownTimeout how long a graceful stop may take ({@code riverlog.shutdown-timeout})
 * @param cluster         the cluster this node is one of ({@code riverlog.cluster}), if any
 */
public record BrokerSettings(RegistrySettings topics, GroupSettings groups, ConsumerGroupSettings consumerGroups,
                             KafkaSettings kafka, HttpSettings http, MetricsSettings metrics, SourceOptions streams,
                             Duration shutdownTimeout, ClusterSettings cluster) {

    /** @throws com.typesafe.config.ConfigException if a setting is missing, of the wrong type or out of range */
    public static BrokerSettings fromConfig(Config config) {
        return new BrokerSettings(RegistrySettings.fromConfig(config), GroupSettings.fromConfig(config),
                ConsumerGroupSettings.fromConfig(config), KafkaSettings.fromConfig(config),
                HttpSettings.fromConfig(config), MetricsSettings.fromConfig(config), SourceOptions.fromConfig(config),
                ConfigValues.timerDuration(config, "riverlog.shutdown-timeout"),
                ClusterSettings.fromConfig(config, KafkaSettings.fromConfig(config).nodeId()));
    }
}
