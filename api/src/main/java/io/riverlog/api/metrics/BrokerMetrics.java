package io.riverlog.api.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.apache.kafka.common.protocol.ApiKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.actors.topics.TopicInfo;
import io.riverlog.api.groups.BrokerGroups;
import io.riverlog.api.http.StreamMetrics;
import io.riverlog.api.kafka.KafkaMetrics;
import io.riverlog.api.topics.BrokerTopics;

/**
 * The broker's metrics, in one Prometheus registry: what partitions report through
 * {@link PartitionMetrics}, what the Kafka listener reports through {@link KafkaMetrics}, what HTTP
 * and WebSocket streams report through {@link StreamMetrics}, consumer
 * group lag ({@link GroupLag}, computed at scrape time) and the JVM's memory, GC and threads.
 *
 * <p>The hooks run on partition actors, log writers and connection stages: they look up meters
 * cached in concurrent maps (a lock-free read once a topic or partition has been seen) and bump
 * lock-free counters; nothing is allocated per record.
 */
public final class BrokerMetrics implements PartitionMetrics, KafkaMetrics, StreamMetrics {
    private static final Logger log = LoggerFactory.getLogger(BrokerMetrics.class);

    private final MetricsSettings settings;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Map<String, TopicMeters> topics = new ConcurrentHashMap<>();
    private final Map<PartitionId, AtomicLong> bufferBytes = new ConcurrentHashMap<>();
    private final Map<PartitionId, Counter> damage = new ConcurrentHashMap<>();
    private final Map<ApiKeys, Timer> requestTimers = new ConcurrentHashMap<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final Timer fsyncs;
    private volatile GroupLag groupLag;
    private volatile BrokerTopics topicRegistry;

    public BrokerMetrics(MetricsSettings settings) {
        this.settings = settings;
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        gc.bindTo(registry);
        Gauge.builder("riverlog.kafka.connections", connections, AtomicInteger::get)
                .description("Open Kafka client connections").register(registry);
        fsyncs = latency(Timer.builder("riverlog.fsync")
                .description("Time one fsync of a partition's log took (one per write round)"));
    }

    /** Lets scrapes compute consumer-group lag and drop the meters of deleted topics. */
    public void watch(BrokerTopics topics, BrokerGroups groups) {
        this.topicRegistry = topics;
        this.groupLag = new GroupLag(registry, topics, groups, settings.groupLagTimeout());
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    // ---------------------------------------------------------------- partition hooks

    @Override
    public void appended(PartitionId partition, int records, int bytes) {
        TopicMeters meters = topic(partition.topic());
        meters.recordsIn().increment(records);
        meters.bytesIn().increment(bytes);
    }

    @Override
    public void read(PartitionId partition, int bytes, boolean fromLog) {
        TopicMeters meters = topic(partition.topic());
        (fromLog ? meters.readFromLog() : meters.readFromBuffer()).increment(bytes);
    }

    @Override
    public void fsynced(PartitionId partition, long nanos) {
        fsyncs.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void bufferBytes(PartitionId partition, long bytes) {
        cached(bufferBytes, partition, this::registerBufferGauge).set(bytes);
    }

    @Override
    public void damageFound(PartitionId partition, int ranges) {
        cached(damage, partition, this::registerDamageCounter).increment(ranges);
    }

    @Override
    public void scrubbed(PartitionId partition, long bytes) {
        topic(partition.topic()).scrubbed().increment(bytes);
    }

    // ---------------------------------------------------------------- Kafka listener hooks

    @Override
    public void connectionOpened() {
        connections.incrementAndGet();
    }

    @Override
    public void connectionClosed() {
        connections.decrementAndGet();
    }

    @Override
    public void fetched(String topic, int records, int bytes) {
        TopicMeters meters = topic(topic);
        meters.recordsOutKafka().increment(records);
        meters.bytesOutKafka().increment(bytes);
    }

    // ---------------------------------------------------------------- HTTP stream hook

    @Override
    public void streamed(String topic, int keyAndValueBytes) {
        TopicMeters meters = topic(topic);
        meters.recordsOutHttp().increment();
        meters.bytesOutHttp().increment(keyAndValueBytes);
    }

    @Override
    public void requestAnswered(ApiKeys api, long nanos) {
        Timer timer = requestTimers.get(api);
        if (timer == null) {
            timer = requestTimers.computeIfAbsent(api, key -> latency(Timer.builder("riverlog.kafka.request")
                    .description("Time from a decoded Kafka request to its answer, per API")
                    .tag("api", key.name)));
        }
        timer.record(nanos, TimeUnit.NANOSECONDS);
    }

    // ---------------------------------------------------------------- reading

    /** Records and bytes appended and read so far, summed over every topic. */
    public Traffic traffic() {
        double recordsIn = 0;
        double bytesIn = 0;
        double recordsOut = 0;
        double bytesOut = 0;
        for (TopicMeters meters : topics.values()) {
            recordsIn += meters.recordsIn().count();
            bytesIn += meters.bytesIn().count();
            recordsOut += meters.recordsOut();
            bytesOut += meters.bytesOut();
        }
        return new Traffic((long) recordsIn, (long) bytesIn, (long) recordsOut, (long) bytesOut, connections.get());
    }

    /** Totals since the broker started, and the Kafka connections open now. */
    public record Traffic(long recordsIn, long bytesIn, long recordsOut, long bytesOut, int kafkaConnections) {
    }

    /**
     * The registry in Prometheus' text format, after refreshing consumer-group lag and dropping the
     * meters of topics that no longer exist. If the refresh fails or times out, the previous values
     * are scraped.
     */
    public CompletionStage<String> scrape() {
        GroupLag lag = groupLag;
        BrokerTopics registryView = topicRegistry;
        if (lag == null || registryView == null) {
            return CompletableFuture.completedFuture(registry.scrape());
        }
        CompletableFuture<Void> lagRefreshed = lag.refresh().toCompletableFuture();
        CompletableFuture<Void> pruned = registryView.list().thenAccept(this::dropMetersOfDeletedTopics)
                .toCompletableFuture();
        return CompletableFuture.allOf(lagRefreshed, pruned).handle((done, error) -> {
            if (error != null) {
                log.warn("Metrics scraped with the previous consumer-group lag: refreshing it failed: {}",
                        error.toString());
            }
            return registry.scrape();
        });
    }

    /** Stops the JVM metrics' listeners. */
    public void close() {
        gc.close();
        registry.close();
    }

    // ---------------------------------------------------------------- meters

    private TopicMeters topic(String name) {
        return cached(topics, name, n -> TopicMeters.register(registry, n));
    }

    /** The meter of {@code key}, registered on its first use; a lock-free read after that. */
    private static <K, V> V cached(Map<K, V> meters, K key, java.util.function.Function<K, V> register) {
        V meter = meters.get(key);
        return meter != null ? meter : meters.computeIfAbsent(key, register);
    }

    private AtomicLong registerBufferGauge(PartitionId partition) {
        AtomicLong value = new AtomicLong();
        Gauge.builder("riverlog.partition.buffer", value, AtomicLong::get)
                .description("Bytes of the newest batches the partition keeps in memory")
                .baseUnit("bytes")
                .tags("topic", partition.topic(), "partition", Integer.toString(partition.partition()))
                .register(registry);
        return value;
    }

    private Counter registerDamageCounter(PartitionId partition) {
        return Counter.builder("riverlog.partition.damage")
                .description("Damaged ranges of fsynced data found in the partition's log since the broker started"
                        + " (by recovery, a read or the scrub), each counted once;"
                        + " their offsets are refused to readers")
                .tags("topic", partition.topic(), "partition", Integer.toString(partition.partition()))
                .register(registry);
    }

    private void dropMetersOfDeletedTopics(java.util.List<TopicInfo> existing) {
        Set<String> names = existing.stream().map(TopicInfo::name).collect(Collectors.toSet());
        for (Meter meter : registry.getMeters()) {
            String topic = meter.getId().getTag("topic");
            if (topic != null && !names.contains(topic) && meter.getId().getTag("group") == null) {
                registry.remove(meter);
            }
        }
        topics.keySet().retainAll(names);
        bufferBytes.keySet().removeIf(partition -> !names.contains(partition.topic()));
        damage.keySet().removeIf(partition -> !names.contains(partition.topic()));
    }

    private Timer latency(Timer.Builder builder) {
        return builder.serviceLevelObjectives(settings.latencyBuckets().toArray(Duration[]::new)).register(registry);
    }
}
