package io.riverlog.api.kafka.handlers;

import java.util.LinkedHashMap;
import java.util.Map;

import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.actors.topics.TopicInfo;

/**
 * A topic's effective configuration as Kafka tools show it: the broker's settings (its defaults are
 * in each module's reference.conf), overridden by the topic's own configs, plus fixed facts of this
 * broker.
 */
final class TopicConfigView {
    /** One config entry: its value, whether the topic overrides it, whether it can be altered, its type. */
    record Entry(String value, boolean overridden, boolean readOnly, String type) {
    }

    private final PartitionSettings defaults;
    private final int maxMessageBytes;

    TopicConfigView(PartitionSettings defaults, int maxMessageBytes) {
        this.defaults = defaults;
        this.maxMessageBytes = maxMessageBytes;
    }

    Map<String, Entry> of(TopicInfo topic) {
        Map<String, Entry> out = new LinkedHashMap<>();
        out.put("retention.ms", alterable(topic, "retention.ms", Long.toString(defaults.log().retentionMs())));
        out.put("retention.bytes", alterable(topic, "retention.bytes", Long.toString(defaults.log().retentionBytes())));
        out.put("segment.bytes", alterable(topic, "segment.bytes", Integer.toString(defaults.log().segmentBytes())));
        out.put("cleanup.policy", new Entry("delete", false, true, "LIST"));
        out.put("compression.type", new Entry("producer", false, true, "STRING"));
        out.put("max.message.bytes", new Entry(Integer.toString(maxMessageBytes), false, true, "INT"));
        out.put("message.timestamp.type", new Entry("CreateTime", false, true, "STRING"));
        out.put("min.insync.replicas", new Entry("1", false, true, "INT"));
        return out;
    }

    private static Entry alterable(TopicInfo topic, String key, String fallback) {
        String own = topic.configs().get(key);
        return new Entry(own != null ? own : fallback, own != null, false,
                key.equals("segment.bytes") ? "INT" : "LONG");
    }
}
