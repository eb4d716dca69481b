package io.riverlog.testkit.apps;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.BrokerProcess;
import io.riverlog.testkit.Eventually;
import io.riverlog.testkit.KafkaClients;

/**
 * A Kafka Streams 4.4 application, unchanged, against a broker process: a word count whose
 * grouping by word goes through a repartition topic and whose counts live in a state store backed
 * by a changelog topic, both created by Streams with the configs it asks for (cleanup.policy,
 * segment.bytes, retention.ms, message.timestamp.type). The broker is restarted mid-stream, once
 * everything produced so far was counted and its offsets committed: the counts go on, exact.
 */
class KafkaStreamsWordCountIT {
    private static final String APPLICATION = "word-count";
    private static final String LINES = "lines";
    private static final String COUNTS = "word-counts";
    private static final int WORDS = 20;
    private static final int LINES_PER_HALF = 500;
    private static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void wordCountsAreExactAcrossABrokerRestart() throws Exception {
        try (BrokerProcess broker = BrokerProcess.start(dir.resolve("data"))) {
            String bootstrap = broker.bootstrapServers();
            KafkaClients.createTopic(bootstrap, LINES, 2);
            KafkaClients.createTopic(bootstrap, COUNTS, 2);
            Map<String, Long> expected = new HashMap<>();
            Map<String, Long> latest = new ConcurrentHashMap<>();

            try (KafkaStreams streams = new KafkaStreams(wordCount(), streamsProperties(bootstrap));
                 CountReader counts = new CountReader(bootstrap, latest)) {
                AtomicInteger rebalancesDone = new AtomicInteger();
                streams.setStateListener((now, before) -> {
                    if (now == KafkaStreams.State.RUNNING && before == KafkaStreams.State.REBALANCING) {
                        rebalancesDone.incrementAndGet();
                    }
                });
                streams.start();
                produceLines(bootstrap, 0, expected);
                until("the first half counted", () -> counts.poll() && latest.equals(expected),
                        () -> "counted " + new java.util.TreeMap<>(latest) + ", expected "
                                + new java.util.TreeMap<>(expected));
                try (Admin admin = KafkaClients.admin(bootstrap)) {
                    // Each check also waits up to a poll's timeout for counts: no busy loop.
                    until("the first half's offsets committed", () -> counts.poll() && allCommitted(admin));
                }

                int rebalancesBefore = rebalancesDone.get();
                assertThat(broker.stop()).isZero();
                broker.restart();
                // The group lives in the broker's memory: the application rejoins it. Records that arrived
                // during that rebalance could be counted twice under at_least_once, so the second half
                // waits for it.
                until("the application rebalanced after the restart",
                        () -> counts.poll() && rebalancesDone.get() > rebalancesBefore);

                produceLines(bootstrap, LINES_PER_HALF, expected);
                until("the second half counted", () -> counts.poll() && latest.equals(expected),
                        () -> "counted " + new java.util.TreeMap<>(latest) + ", expected "
                                + new java.util.TreeMap<>(expected));
                assertThat(streams.state().isRunningOrRebalancing()).isTrue();
            }

            try (Admin admin = KafkaClients.admin(bootstrap)) {
                List<String> internal = admin.listTopics().names().get().stream()
                        .filter(name -> name.startsWith(APPLICATION + "-")).sorted().toList();
                assertThat(internal).containsExactly(APPLICATION + "-counts-changelog",
                        APPLICATION + "-counts-repartition");
                ConfigResource changelog = new ConfigResource(ConfigResource.Type.TOPIC,
                        APPLICATION + "-counts-changelog");
                Config config = admin.describeConfigs(List.of(changelog)).all().get().get(changelog);
                assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
            }
        }
    }

    private static org.apache.kafka.streams.Topology wordCount() {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(LINES, Consumed.with(Serdes.String(), Serdes.String()))
                .flatMapValues(line -> Arrays.asList(line.split(" ")))
                .groupBy((key, word) -> word, Grouped.with("counts", Serdes.String(), Serdes.String()))
                .count(Materialized.<String, Long>as(Stores.inMemoryKeyValueStore("counts"))
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
                .toStream()
                .to(COUNTS, Produced.with(Serdes.String(), Serdes.Long()));
        return builder.build();
    }

    private Properties streamsProperties(String bootstrap) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("streams-state").toString());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
        return props;
    }

    /** Lines of words w0..w19: line i holds words i % 20 and (i * 7) % 20. */
    private static void produceLines(String bootstrap, int first, Map<String, Long> expected) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(bootstrap, Map.of())) {
            for (int i = first; i < first + LINES_PER_HALF; i++) {
                String line = "w" + (i % WORDS) + " w" + ((i * 7) % WORDS);
                for (String word : line.split(" ")) {
                    expected.merge(word, 1L, Long::sum);
                }
                producer.send(new ProducerRecord<>(LINES, ("k" + i).getBytes(), line.getBytes())).get();
            }
        }
    }

    /**
     * True once the application's committed offsets reach the end of every partition it reads: the
     * input topic and the repartition topic, whose records are counted by a task of their own.
     */
    private static boolean allCommitted(Admin admin) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(APPLICATION)
                .partitionsToOffsetAndMetadata().get();
        List<TopicPartition> partitions = new ArrayList<>(KafkaClients.partitions(LINES, 2));
        partitions.addAll(KafkaClients.partitions(APPLICATION + "-counts-repartition", 2));
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(partition -> latest.put(partition, OffsetSpec.latest()));
        var ends = admin.listOffsets(latest).all().get();
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata offset = committed.get(partition);
            if (offset == null || offset.offset() != ends.get(partition).offset()) {
                return false;
            }
        }
        return true;
    }

    /** Reads the output topic from the start, keeping the latest count of every word. */
    private static final class CountReader implements AutoCloseable {
        private final KafkaConsumer<String, Long> consumer;
        private final Map<String, Long> latest;

        CountReader(String bootstrap, Map<String, Long> latest) {
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
            props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, LongDeserializer.class);
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            this.consumer = new KafkaConsumer<>(props);
            this.latest = latest;
            List<TopicPartition> partitions = new ArrayList<>(KafkaClients.partitions(COUNTS, 2));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        /** Takes what arrived within a short wait; always true, so that a check can chain it. */
        boolean poll() {
            consumer.poll(Duration.ofMillis(200)).forEach(record -> latest.put(record.key(), record.value()));
            return true;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    private static void until(String what, Eventually.Check check) throws Exception {
        until(what, check, () -> "");
    }

    private static void until(String what, Eventually.Check check, java.util.concurrent.Callable<String> state)
            throws Exception {
        Eventually.until(what, WAIT, Duration.ZERO, check, state);
    }
}
