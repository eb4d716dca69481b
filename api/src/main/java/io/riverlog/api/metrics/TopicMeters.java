package io.riverlog.api.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The traffic counters of one topic: records and bytes appended (in) and handed to readers (out). */
record TopicMeters(Counter recordsIn, Counter bytesIn, Counter recordsOut, Counter bytesOut) {

    static TopicMeters register(MeterRegistry registry, String topic) {
        return new TopicMeters(
                counter(registry, "riverlog.records.in", "Records appended to the topic's partitions", topic),
                counter(registry, "riverlog.bytes.in", "Bytes of record batches appended to the topic's partitions",
                        topic),
                counter(registry, "riverlog.records.out",
                        "Records handed to readers (Kafka fetches, HTTP and WebSocket streams)", topic),
                counter(registry, "riverlog.bytes.out",
                        "Bytes of record batches handed to readers (Kafka fetches, HTTP and WebSocket streams)",
                        topic));
    }

    private static Counter counter(MeterRegistry registry, String name, String description, String topic) {
        return Counter.builder(name).description(description).tag("topic", topic).register(registry);
    }
}
