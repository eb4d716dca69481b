package io.riverlog.testkit.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.Conditions;
import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;
import io.riverlog.testkit.RawKafkaConnection;

/**
 * A broker with three network threads serves producers and consumers at once, each client on the
 * network thread its connection was handed to: every record arrives, in order per partition, at
 * every consumer; connections the broker throws out meanwhile, one per network thread, disturb no
 * client.
 */
class ClientsOnSeveralNetworkThreadsTest {
    private static final int NETWORK_THREADS = 3;
    private static final String TOPIC = "spread";
    private static final int PARTITIONS = 3;
    private static final int PRODUCERS = 3;
    private static final int CONSUMERS = 3;
    private static final int RECORDS_PER_PRODUCER = 1_500;
    private static final int RECORDS_PER_PARTITION = PRODUCERS * RECORDS_PER_PRODUCER / PARTITIONS;
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration TIMEOUT = KafkaClients.TIMEOUT;
    /** A frame that is no request: the broker closes its connection. */
    private static final byte[] GARBAGE = {0, 0, 0, 8, (byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef, 1, 2, 3, 4};

    @TempDir
    Path dataDir;

    private final Conditions progress = new Conditions();
    private final AtomicInteger consumersReading = new AtomicInteger();
    /** Producers send their second half only once the broker has thrown the garbage connections out. */
    private final CompletableFuture<Void> thrownOut = new CompletableFuture<>();

    @Test
    void concurrentProducersAndConsumersGetEveryRecordInOrderPerPartition() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir,
                Map.of("riverlog.kafka.network-threads", NETWORK_THREADS))) {
            String bootstrap = broker.bootstrapServers();
            KafkaClients.createTopic(bootstrap, TOPIC, PARTITIONS);
            assertThat(networkThreadsOf(bootstrap)).hasSize(NETWORK_THREADS);

            ExecutorService clients = Executors.newFixedThreadPool(PRODUCERS + CONSUMERS);
            try {
                List<CompletableFuture<Map<Integer, List<ConsumerRecord<byte[], byte[]>>>>> consumed =
                        new ArrayList<>();
                for (int c = 0; c < CONSUMERS; c++) {
                    consumed.add(CompletableFuture.supplyAsync(() -> consume(bootstrap), clients));
                }
                List<CompletableFuture<Void>> produced = new ArrayList<>();
                for (int p = 0; p < PRODUCERS; p++) {
                    int producer = p;
                    produced.add(CompletableFuture.runAsync(() -> produce(bootstrap, producer), clients));
                }

                progress.await("every consumer has read records", TIMEOUT,
                        () -> consumersReading.get() == CONSUMERS, () -> "while " + consumersReading + " have");
                // Accepted one after another, these land on each network thread in turn, beside the clients.
                for (int i = 0; i < NETWORK_THREADS; i++) {
                    try (RawKafkaConnection garbage = new RawKafkaConnection(bootstrap)) {
                        garbage.writeRaw(GARBAGE);
                        assertThat(garbage.closedByBroker()).isTrue();
                    }
                }
                thrownOut.complete(null);

                for (CompletableFuture<Void> producer : produced) {
                    producer.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                }
                List<Map<Integer, List<ConsumerRecord<byte[], byte[]>>>> readByEach = new ArrayList<>();
                for (CompletableFuture<Map<Integer, List<ConsumerRecord<byte[], byte[]>>>> consumer : consumed) {
                    readByEach.add(consumer.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
                }
                for (Map<Integer, List<ConsumerRecord<byte[], byte[]>>> read : readByEach) {
                    for (int partition = 0; partition < PARTITIONS; partition++) {
                        assertInOrder(partition, read.get(partition));
                        assertThat(values(read.get(partition))).isEqualTo(values(readByEach.get(0).get(partition)));
                    }
                }
            } finally {
                clients.shutdownNow();
            }
        }
    }

    /**
     * Record i of a producer goes to partition i % PARTITIONS, the second half after the garbage
     * connections are gone; each send's offset follows the last in its partition.
     */
    private void produce(String bootstrap, int producer) {
        Map<Integer, Long> lastOffset = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> client = KafkaClients.producer(bootstrap,
                Map.of(ProducerConfig.LINGER_MS_CONFIG, 2))) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < RECORDS_PER_PRODUCER; i++) {
                if (i == RECORDS_PER_PRODUCER / 2) {
                    thrownOut.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                }
                sent.add(client.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, null, value(producer, i))));
            }
            for (Future<RecordMetadata> ack : sent) {
                RecordMetadata metadata = ack.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                assertThat(metadata.offset()).isGreaterThan(lastOffset.getOrDefault(metadata.partition(), -1L));
                lastOffset.put(metadata.partition(), metadata.offset());
            }
        } catch (Exception e) {
            throw new AssertionError("producer " + producer + " failed", e);
        }
    }

    /** Reads every partition from the start, as the producers write, until each holds all its records. */
    private Map<Integer, List<ConsumerRecord<byte[], byte[]>>> consume(String bootstrap) {
        Map<Integer, List<ConsumerRecord<byte[], byte[]>>> read = new HashMap<>();
        List<TopicPartition> partitions = KafkaClients.partitions(TOPIC, PARTITIONS);
        partitions.forEach(tp -> read.put(tp.partition(), new ArrayList<>()));
        boolean reading = false;
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(bootstrap)) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long lastProgress = System.nanoTime();
            while (read.values().stream().anyMatch(records -> records.size() < RECORDS_PER_PARTITION)) {
                if (System.nanoTime() - lastProgress > TIMEOUT.toNanos()) {
                    throw new AssertionError("no record within " + TIMEOUT + "; read so far per partition: "
                            + read.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue().size()).toList());
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    read.get(record.partition()).add(record);
                    lastProgress = System.nanoTime();
                    if (!reading) {
                        reading = true;
                        consumersReading.incrementAndGet();
                        progress.changed();
                    }
                }
            }
        }
        return read;
    }

    /** Offsets 0, 1, 2… with no gap, and each producer's records in the order it sent them. */
    private static void assertInOrder(int partition, List<ConsumerRecord<byte[], byte[]>> records) {
        assertThat(records).as("partition %d", partition).hasSize(RECORDS_PER_PARTITION);
        Map<Integer, Integer> nextOfProducer = new HashMap<>();
        for (int offset = 0; offset < records.size(); offset++) {
            ConsumerRecord<byte[], byte[]> record = records.get(offset);
            assertThat(record.offset()).as("partition %d", partition).isEqualTo(offset);
            String[] producerAndIndex = new String(record.value(), StandardCharsets.UTF_8).split(":");
            int producer = Integer.parseInt(producerAndIndex[0]);
            int expected = nextOfProducer.getOrDefault(producer, partition);
            assertThat(Integer.parseInt(producerAndIndex[1])).as("partition %d, producer %d", partition, producer)
                    .isEqualTo(expected);
            nextOfProducer.put(producer, expected + PARTITIONS);
        }
        assertThat(nextOfProducer).hasSize(PRODUCERS);
    }

    private static List<String> values(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(record -> new String(record.value(), StandardCharsets.UTF_8)).toList();
    }

    private static byte[] value(int producer, int index) {
        return (producer + ":" + index).getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> networkThreadsOf(String bootstrap) {
        String prefix = "riverlog-kafka-network-" + bootstrap.substring(bootstrap.lastIndexOf(':') + 1) + "-";
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(name -> name.startsWith(prefix)).toList();
    }
}
