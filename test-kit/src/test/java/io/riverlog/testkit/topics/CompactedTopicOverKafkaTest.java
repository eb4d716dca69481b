package io.riverlog.testkit.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.Eventually;
import io.riverlog.testkit.KafkaClients;

/**
 * A compacted topic through real Kafka clients: the broker's log cleaner compacts it in the background
 * while it is written; a consumer reading from the start then gets each key's latest record at the
 * offset it was produced at, and a read from any offset starts at the next surviving record. Records
 * without a key are refused.
 */
class CompactedTopicOverKafkaTest {
    private static final int KEYS = 40;
    private static final int UPDATES = 4_000;
    private static final Duration COMPACTED_WITHIN = Duration.ofSeconds(60);

    @TempDir
    static Path dataDir;
    private static EmbeddedBroker broker;
    private static Admin admin;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedBroker.start(dataDir, Map.of("riverlog.cleaner.check-interval", "200ms",
                "riverlog.cleaner.io-bytes-per-second", "0"));
        admin = KafkaClients.admin(broker.bootstrapServers());
    }

    @AfterAll
    static void stopBroker() {
        admin.close();
        broker.close();
    }

    @Test
    void consumersGetTheLatestRecordOfEveryKeyAtItsOffset() throws Exception {
        String topic = "compacted";
        TopicPartition partition = new TopicPartition(topic, 0);
        KafkaClients.createTopic(broker.bootstrapServers(), topic, 1, Map.of("cleanup.policy", "compact",
                "segment.bytes", "16384", "min.cleanable.dirty.ratio", "0.1", "delete.retention.ms", "0"));
        Map<String, Long> latestOffset = new HashMap<>();
        Map<Long, String> produced = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(),
                Map.of("linger.ms", "5"))) {
            List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < UPDATES; i++) {
                String key = "key-" + i % KEYS;
                String value = "value-" + i + "-" + "x".repeat(i % 50);
                keys.add(key + "=" + value);
                sent.add(producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
                        value.getBytes(StandardCharsets.UTF_8))));
            }
            for (int i = 0; i < UPDATES; i++) {
                long offset = sent.get(i).get().offset();
                String record = keys.get(i);
                produced.put(offset, record);
                latestOffset.put(record.substring(0, record.indexOf('=')), offset);
            }
        }
        long sizeWritten = partitionSize(partition);
        Eventually.until("the compacted partition to shrink", COMPACTED_WITHIN, Duration.ofMillis(200),
                () -> partitionSize(partition) < sizeWritten / 4, () -> "size " + partitionSize(partition)
                        + " of " + sizeWritten + " bytes written");

        // The partition's actor hears of the swap after the files changed: until then a read of the tail
        // may still be served the records as written (its buffer), which a compacted topic allows.
        Map<Long, String> read = new LinkedHashMap<>();
        Eventually.until("a read from the start to see the log compacted", COMPACTED_WITHIN, Duration.ofMillis(200),
                () -> {
                    read.clear();
                    KafkaClients.readToEnd(broker.bootstrapServers(), List.of(partition),
                            record -> read.put(record.offset(), text(record)));
                    return read.size() < UPDATES / 4;
                }, () -> read.size() + " records read of " + UPDATES + " written");
        read.forEach((offset, record) -> assertThat(record).as("record at offset %d", offset)
                .isEqualTo(produced.get(offset)));
        latestOffset.forEach((key, offset) -> assertThat(read).as("latest record of %s", key)
                .containsEntry(offset, produced.get(offset)));

        long middle = UPDATES / 2 + 1;
        long nextSurvivor = read.keySet().stream().filter(offset -> offset >= middle).min(Long::compare).orElseThrow();
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(broker.bootstrapServers())) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, middle);
            List<ConsumerRecord<byte[], byte[]>> first = new ArrayList<>();
            Eventually.until("a record after offset " + middle, KafkaClients.TIMEOUT, Duration.ZERO,
                    () -> {
                        consumer.poll(Duration.ofMillis(200)).forEach(first::add);
                        return !first.isEmpty();
                    }, () -> "none");
            assertThat(first.get(0).offset()).as("first record read from offset %d", middle).isEqualTo(nextSurvivor);
        }
    }

    @Test
    void aRecordWithoutAKeyIsRefused() throws Exception {
        String topic = "compacted-keys";
        KafkaClients.createTopic(broker.bootstrapServers(), topic, 1, Map.of("cleanup.policy", "compact"));
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), Map.of())) {
            producer.send(new ProducerRecord<>(topic, "k".getBytes(StandardCharsets.UTF_8), new byte[] {1})).get();
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, null, new byte[] {2})).get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InvalidRecordException.class);
        }
    }

    private static long partitionSize(TopicPartition partition) throws Exception {
        int node = admin.describeCluster().nodes().get().iterator().next().id();
        Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(node)).allDescriptions().get().get(node);
        return dirs.values().iterator().next().replicaInfos().get(partition).size();
    }

    private static String text(ConsumerRecord<byte[], byte[]> record) {
        return new String(record.key(), StandardCharsets.UTF_8) + "=" + new String(record.value(),
                StandardCharsets.UTF_8);
    }
}
