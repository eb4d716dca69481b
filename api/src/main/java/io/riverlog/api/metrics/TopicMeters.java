package io.riverlog.api.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The traffic counters of one topic: records and bytes appended (in); handed to Kafka fetches and to
 * HTTP and WebSocket streams (out, by {@code via}); bytes its partitions read for any reader, from
 * their in-memory buffer or from the log on disk; and bytes of their logs the background scrub verified.
 */
record TopicMeters(Counter recordsIn, Counter bytesIn,
                   Counter recordsOutKafka, Counter bytesOutKafka,
                   Counter recordsOutHttp, Counter bytesOutHttp,
                   Counter readFromBuffer, Counter readFromLog, Counter scrubbed) {

    private static final String RECORDS_IN = "riverlog.records.in";
    private static final String BYTES_IN = "riverlog.bytes.in";
    private static final String RECORDS_OUT = "riverlog.records.out";
    private static final String BYTES_OUT = "riverlog.bytes.out";
    private static final String PARTITION_READ = "riverlog.partition.read.bytes";
    private static final String PARTITION_SCRUBBED = "riverlog.partition.scrubbed.bytes";

    static TopicMeters register(MeterRegistry registry, String topic) {
        return new TopicMeters(
                counter(registry, RECORDS_IN, "Records appended to the topic's partitions", topic),
                counter(registry, BYTES_IN, "Bytes of record batches appended to the topic's partitions", topic),
                out(registry, RECORDS_OUT, topic, "kafka"),
                out(registry, BYTES_OUT, topic, "kafka"),
                out(registry, RECORDS_OUT, topic, "http"),
                out(registry, BYTES_OUT, topic, "http"),
                read(registry, topic, "buffer"),
                read(registry, topic, "log"),
                counter(registry, PARTITION_SCRUBBED, "Bytes of the topic's partition logs the background scrub"
                        + " verified (CRC32C, sizes, offsets)", topic));
    }

    double recordsOut() {
        return recordsOutKafka.count() + recordsOutHttp.count();
    }

    double bytesOut() {
        return bytesOutKafka.count() + bytesOutHttp.count();
    }

    private static Counter counter(MeterRegistry registry, String name, String description, String topic) {
        return Counter.builder(name).description(description).tag("topic", topic).register(registry);
    }

    private static Counter out(MeterRegistry registry, String name, String topic, String via) {
        return Counter.builder(name)
                .description(name.equals(RECORDS_OUT)
                        ? "Records handed to readers: in Kafka fetch answers (via=kafka), or to HTTP and WebSocket"
                                + " streams (via=http)"
                        : "Bytes handed to readers: record batches in Kafka fetch answers (via=kafka), or keys and"
                                + " values streamed over HTTP and WebSocket (via=http)")
                .tags("topic", topic, "via", via)
                .register(registry);
    }

    private static Counter read(MeterRegistry registry, String topic, String from) {
        return Counter.builder(PARTITION_READ)
                .description("Bytes of record batches the topic's partitions read for readers, from their in-memory"
                        + " buffer (from=buffer) or from the log on disk (from=log)")
                .tags("topic", topic, "from", from)
                .register(registry);
    }
}
