package io.riverlog.testkit.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.riverlog.testkit.Await;
import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;
import io.riverlog.wal.FaultInjectingChannels;

/**
 * Real kafka-clients producers (acks=all) against a broker whose disk fills up (injected: "No space
 * left on device" on write, a failed fsync, a write cut short mid-batch) and then has space again.
 * A producer that does not retry sees KAFKA_STORAGE_ERROR, or REQUEST_TIMED_OUT for the record caught in
 * a failed fsync while the disk still fails (written, but whether it stays is unknown until the
 * partition cuts its log back); one with default settings (idempotent,
 * retrying) gets every record in exactly once; every acknowledged record is read back byte for byte,
 * and producing works again once the disk does.
 */
class ProducersThroughAFullDiskTest {
    private static final Map<String, Object> RETRYING_SOON =
            Map.of("riverlog.partition.storage-retry-interval", "100ms");
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(60);
    private static final TopicPartition PARTITION = new TopicPartition("full-disk", 0);
    private static final long REAL_DISK_FREE_BYTES = 1024 * 1024;
    private static final int REAL_DISK_RECORD_BYTES = 20_000;

    @TempDir
    Path dataDir;

    @Test
    void aProducerThatDoesNotRetrySeesKafkaStorageErrorsAndProducesAgainOnceThereIsSpace() throws Exception {
        FaultInjectingChannels disk = new FaultInjectingChannels(dataDir.resolve("topics"));
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir, RETRYING_SOON, disk);
             KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), Map.of(
                     ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.RETRIES_CONFIG, 0,
                     ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                     ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 6_000))) {
            KafkaClients.createTopic(broker.bootstrapServers(), PARTITION.topic(), 1);
            Values values = new Values(1);
            List<byte[]> acknowledged = new ArrayList<>();
            for (String fault : List.of("write", "fsync", "mid-batch write")) {
                for (int i = 0; i < 20; i++) {
                    acknowledged.add(sendAndWait(producer, values.next()));
                }
                switch (fault) {
                    case "write" -> disk.failWrites();
                    case "fsync" -> disk.failFsyncs();
                    default -> disk.fillAfter(40);
                }
                assertThatThrownBy(() -> sendAndWait(producer, values.next())).as(fault)
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(fault.equals("fsync")
                                ? org.apache.kafka.common.errors.TimeoutException.class : KafkaStorageException.class);
                disk.heal();
                Await.until("a send succeeds after the " + fault + " fault healed", SEND_TIMEOUT, () -> {
                    try {
                        acknowledged.add(sendAndWait(producer, values.next()));
                        return true;
                    } catch (ExecutionException e) {
                        assertThat(e).hasCauseInstanceOf(KafkaStorageException.class);
                        return false;
                    }
                });
            }
            assertThat(readBack(broker)).containsExactlyElementsOf(acknowledged.stream().map(Values::text).toList());
        }
    }

    @ParameterizedTest(name = "failing {0}")
    @ValueSource(strings = {"fsync", "mid-batch write"})
    void anIdempotentProducerWithDefaultSettingsGetsEveryRecordInExactlyOnce(String failing) throws Exception {
        FaultInjectingChannels disk = new FaultInjectingChannels(dataDir.resolve("topics"));
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir, RETRYING_SOON, disk);
             KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(),
                     Map.of(ProducerConfig.LINGER_MS_CONFIG, 0))) {
            KafkaClients.createTopic(broker.bootstrapServers(), PARTITION.topic(), 1);
            Values values = new Values(2);
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                sent.add(sendAndWait(producer, values.next()));
            }
            if (failing.equals("fsync")) {
                disk.failFsyncs();
            } else {
                disk.fillAfter(300);
            }
            List<Future<RecordMetadata>> pending = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                byte[] value = values.next();
                sent.add(value);
                pending.add(producer.send(new ProducerRecord<>(PARTITION.topic(), PARTITION.partition(), null, value)));
            }
            Await.until("the producer retries after storage errors", SEND_TIMEOUT, () -> retries(producer) > 0);
            disk.heal();
            for (Future<RecordMetadata> send : pending) {
                send.get(SEND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
            assertThat(readBack(broker)).containsExactlyElementsOf(sent.stream().map(Values::text).toList());
        }
    }

    @Test
    void onARealDiskThatFillsUpProducersGetStorageErrorsUntilSpaceReturns() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(dataDir.resolve("small-disk"), 8)) {
            Path brokerData = disk.root().resolve("data");
            List<byte[]> acknowledged = new ArrayList<>();
            try (EmbeddedBroker broker = EmbeddedBroker.start(brokerData, RETRYING_SOON);
                 KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), Map.of(
                         ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.RETRIES_CONFIG, 0))) {
                KafkaClients.createTopic(broker.bootstrapServers(), PARTITION.topic(), 1);
                Path filler = disk.fillLeaving(REAL_DISK_FREE_BYTES);
                Values values = new Values(3);
                ExecutionException full = null;
                // Bounded: the records sent add up to more than the space that was left.
                for (long sentBytes = 0; full == null && sentBytes < 2 * REAL_DISK_FREE_BYTES; ) {
                    byte[] value = values.next(REAL_DISK_RECORD_BYTES);
                    sentBytes += value.length;
                    try {
                        acknowledged.add(sendAndWait(producer, value));
                    } catch (ExecutionException e) {
                        full = e;
                    }
                }
                assertThat(full).as("a send once the disk is full").isNotNull()
                        .hasCauseInstanceOf(KafkaStorageException.class);
                assertThat(full.getCause().getMessage()).contains("No space left on device");
                assertThat(acknowledged).isNotEmpty();

                Files.delete(filler);
                Await.until("a send succeeds once space returned", SEND_TIMEOUT, () -> {
                    try {
                        acknowledged.add(sendAndWait(producer, values.next(REAL_DISK_RECORD_BYTES)));
                        return true;
                    } catch (ExecutionException e) {
                        assertThat(e).hasCauseInstanceOf(KafkaStorageException.class);
                        return false;
                    }
                });
                assertThat(readBack(broker))
                        .containsExactlyElementsOf(acknowledged.stream().map(Values::text).toList());
            }
        }
    }

    /** Sends one record and waits for its acknowledgement; a refusal is the ExecutionException. */
    private static byte[] sendAndWait(KafkaProducer<byte[], byte[]> producer, byte[] value) throws ExecutionException {
        try {
            producer.send(new ProducerRecord<>(PARTITION.topic(), PARTITION.partition(), null, value))
                    .get(SEND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return value;
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no answer to a send within " + SEND_TIMEOUT, e);
        }
    }

    private static double retries(KafkaProducer<byte[], byte[]> producer) {
        for (Map.Entry<org.apache.kafka.common.MetricName, ? extends Metric> metric : producer.metrics().entrySet()) {
            if (metric.getKey().name().equals("record-retry-total")
                    && metric.getKey().group().equals("producer-metrics")) {
                return ((Number) metric.getValue().metricValue()).doubleValue();
            }
        }
        return 0;
    }

    /** Every record of the partition, as text, after checking that the log ends right after them. */
    private static List<String> readBack(EmbeddedBroker broker) throws Exception {
        long end;
        try (Admin admin = KafkaClients.admin(broker.bootstrapServers())) {
            end = admin.listOffsets(Map.of(PARTITION, OffsetSpec.latest())).all().get().get(PARTITION).offset();
        }
        List<ConsumerRecord<byte[], byte[]>> records = KafkaClients.readAll(broker.bootstrapServers(),
                List.of(PARTITION), (int) end);
        assertThat(records).hasSize((int) end);
        for (int i = 0; i < records.size(); i++) {
            assertThat(records.get(i).offset()).isEqualTo(i);
        }
        return records.stream().map(r -> Values.text(r.value())).toList();
    }

    /** Record values that say which they are, with random bytes after, so a read checks every byte. */
    private static final class Values {
        private final Random random;
        private int next;

        Values(long seed) {
            random = new Random(seed);
        }

        byte[] next() {
            return next(64 + random.nextInt(400));
        }

        byte[] next(int size) {
            byte[] value = new byte[size];
            random.nextBytes(value);
            byte[] label = ("value-" + next++ + ":").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            System.arraycopy(label, 0, value, 0, label.length);
            return value;
        }

        /** The bytes as ISO-8859-1 text: one char per byte, so equal texts mean equal bytes. */
        static String text(byte[] value) {
            return new String(value, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }
}
