package io.riverlog.actors.topics;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;

/**
 * What the registry knows of a topic.
 *
 * @param name       the topic's name, valid as {@link TopicNames} says
 * @param topicId    random at creation and never reused; a topic re-created under the same name gets a new one
 * @param partitions the number of partitions, numbered from 0
 * @param configs    the topic's own config overrides ({@link TopicConfigs}), sorted by key; the broker's
 *                   defaults apply to every key not here
 */
public record TopicInfo(String name, UUID topicId, int partitions, Map<String, String> configs) {

    public TopicInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(topicId, "topicId");
        configs = Collections.unmodifiableMap(new TreeMap<>(configs));
    }

    TopicInfo withPartitions(int count) {
        return new TopicInfo(name, topicId, count, configs);
    }

    TopicInfo withConfigs(Map<String, String> newConfigs) {
        return new TopicInfo(name, topicId, partitions, newConfigs);
    }
}
