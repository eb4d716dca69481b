package io.riverlog.testkit.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.Await;
import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;
import io.riverlog.testkit.disk.InMemoryTempDir;
import io.riverlog.testkit.disk.SimulatedDisk;

/**
 * The whole broker, embedded, on a disk that loses power while real kafka-clients produce with
 * acks=all and commit offsets. After each cut the broker restarts on what the disk kept: every
 * acknowledged record is there at its offset, the offsets are contiguous, and every acknowledged
 * commit is in effect.
 */
class BrokerPowerCutTest {
    private static final String SEED = "riverlog.power-cuts.broker.seed";
    private static final String TOPIC = "cut";
    private static final int PARTITIONS = 3;
    private static final String GROUP = "committer";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Sends the producer has outstanding at most, so that it never blocks in send. */
    private static final int MAX_IN_FLIGHT = 2000;
    /** Small segments, so that cuts also land on rolls. */
    private static final Map<String, Object> SETTINGS = Map.of("riverlog.log.segment-bytes", "32KiB");

    @TempDir(factory = InMemoryTempDir.class)
    Path tmp;

    @Test
    void acknowledgedRecordsAndCommitsSurvivePowerCuts() throws Exception {
        PowerCutRuns.repeat(SEED, 8, this::cutTwice);
    }

    @Tag("volume")
    @Test
    void acknowledgedRecordsAndCommitsSurviveManyPowerCuts() throws Exception {
        PowerCutRuns.repeat(SEED, 40, this::cutTwice);
    }

    private int cutTwice(Random random, int index) throws Exception {
        Path root = Files.createDirectory(tmp.resolve("run-" + index));
        SimulatedDisk disk = new SimulatedDisk(root);
        Acknowledged acknowledged = new Acknowledged();
        for (int cut = 0; cut < 2; cut++) {
            EmbeddedBroker broker = EmbeddedBroker.start(root, SETTINGS, disk);
            if (cut == 0) {
                KafkaClients.createTopic(broker.bootstrapServers(), TOPIC, PARTITIONS);
            } else {
                acknowledged.check(broker.bootstrapServers());
            }
            Load load = new Load(broker.bootstrapServers(), acknowledged, "run" + index + "-cut" + cut);
            load.start();
            int wanted = acknowledged.size() + 20 + random.nextInt(1500);
            Await.until("records acknowledged before the cut", TIMEOUT, () -> acknowledged.size() >= wanted
                    || load.failure.get() != null);
            disk.cutPower();
            load.stop();
            stopAfterPowerCut(broker);
            disk = disk.restartAfterPowerCut(random);
        }
        try (EmbeddedBroker broker = EmbeddedBroker.start(root, SETTINGS, disk)) {
            acknowledged.check(broker.bootstrapServers());
        }
        return 2;
    }

    /** The broker's writes fail from the cut on; its stop must still end (a dead machine's would). */
    private static void stopAfterPowerCut(EmbeddedBroker broker) {
        try {
            broker.close();
        } catch (AssertionError stopFailed) {
            broker.broker().system().terminate();
            Await.resultOf(broker.broker().system().getWhenTerminated(), TIMEOUT);
        }
    }

    /** What the clients were told is durable. */
    private static final class Acknowledged {
        final Map<TopicPartition, Map<Long, String>> records = new ConcurrentHashMap<>();
        final Map<TopicPartition, Long> commits = new ConcurrentHashMap<>();

        void record(TopicPartition partition, long offset, String value) {
            records.computeIfAbsent(partition, p -> new ConcurrentHashMap<>()).put(offset, value);
        }

        int size() {
            return records.values().stream().mapToInt(Map::size).sum();
        }

        void check(String bootstrap) throws Exception {
            List<TopicPartition> partitions = KafkaClients.partitions(TOPIC, PARTITIONS);
            Map<TopicPartition, Long> next = new HashMap<>();
            Map<TopicPartition, Map<Long, String>> found = new HashMap<>();
            KafkaClients.readToEnd(bootstrap, partitions, record -> {
                TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                long expected = next.getOrDefault(partition, 0L);
                assertThat(record.offset()).as("offsets of %s are contiguous", partition).isEqualTo(expected);
                next.put(partition, record.offset() + 1);
                found.computeIfAbsent(partition, p -> new HashMap<>())
                        .put(record.offset(), new String(record.value(), StandardCharsets.UTF_8));
            });
            for (Map.Entry<TopicPartition, Map<Long, String>> partition : records.entrySet()) {
                Map<Long, String> present = found.getOrDefault(partition.getKey(), Map.of());
                for (Map.Entry<Long, String> record : partition.getValue().entrySet()) {
                    assertThat(present.get(record.getKey())).as("acknowledged record %s@%d", partition.getKey(),
                            record.getKey()).isEqualTo(record.getValue());
                }
            }
            try (Admin admin = KafkaClients.admin(bootstrap)) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP)
                        .partitionsToOffsetAndMetadata().get();
                for (Map.Entry<TopicPartition, Long> commit : commits.entrySet()) {
                    assertThat(committed.get(commit.getKey())).as("acknowledged commit of %s", commit.getKey())
                            .isNotNull();
                    assertThat(committed.get(commit.getKey()).offset()).as("acknowledged commit of %s", commit.getKey())
                            .isGreaterThanOrEqualTo(commit.getValue());
                }
            }
        }
    }

    /** A producer sending without pause, and a committer committing what was acknowledged. */
    private static final class Load {
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final String bootstrap;
        private final Acknowledged acknowledged;
        private final String tag;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger sent = new AtomicInteger();
        private Thread producing;
        private Thread committing;

        Load(String bootstrap, Acknowledged acknowledged, String tag) {
            this.bootstrap = bootstrap;
            this.acknowledged = acknowledged;
            this.tag = tag;
        }

        void start() {
            producing = new Thread(this::produce, "power-cut-producer");
            committing = new Thread(this::commit, "power-cut-committer");
            producing.start();
            committing.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            producing.join(TIMEOUT.toMillis());
            committing.join(TIMEOUT.toMillis());
        }

        private void produce() {
            // Short timeouts: once the power is cut nothing is acknowledged any more, and the run ends.
            Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
            try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(bootstrap, Map.of(
                    ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 2,
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 6000,
                    ProducerConfig.MAX_BLOCK_MS_CONFIG, 2000))) {
                while (running.get()) {
                    if (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                        continue;
                    }
                    String value = tag + "-" + sent.getAndIncrement();
                    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
                    producer.send(new ProducerRecord<>(TOPIC, bytes), (metadata, error) -> {
                        inFlight.release();
                        if (error == null) {
                            acknowledged.record(new TopicPartition(TOPIC, metadata.partition()), metadata.offset(),
                                    value);
                        }
                    });
                }
                producer.close(Duration.ZERO);
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void commit() {
            try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.groupConsumer(bootstrap, GROUP,
                    Map.of(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000))) {
                while (running.get()) {
                    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                    acknowledged.records.forEach((partition, records) -> offsets.put(partition,
                            new OffsetAndMetadata(records.keySet().stream().mapToLong(o -> o + 1).max().orElse(0))));
                    if (!offsets.isEmpty()) {
                        try {
                            consumer.commitSync(offsets, Duration.ofSeconds(2));
                            offsets.forEach((partition, offset) ->
                                    acknowledged.commits.merge(partition, offset.offset(), Math::max));
                        } catch (RuntimeException refusedOrTimedOut) {
                            // not acknowledged: nothing is promised about it
                        }
                    }
                }
            }
        }
    }
}
