package io.riverlog.testkit.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.Await;
import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;
import io.riverlog.testkit.RawKafkaConnection;

/**
 * Protocol fuzzing: 32 connections at a time send a broker random bytes, lying size prefixes and
 * mutated requests of every API it advertises (see {@link FuzzFrames}), while a well-behaved
 * producer and consumer on other connections produce and read back records and see no error. Every
 * fuzzing connection must be answered or closed by the broker, never left hanging; afterwards the
 * broker still serves, its open connections are back to none, and its heap is back near where it
 * started.
 *
 * <p>Reproducible: each connection's frames come from the seed and the connection's number. The
 * seed is printed; {@code -Driverlog.fuzz.seed=N} runs it again, and
 * {@code -Driverlog.fuzz.connections=N} changes the length of the run.
 */
class KafkaProtocolFuzzTest {
    private static final int CONCURRENT_CONNECTIONS = 32;
    private static final int MAX_FRAMES_PER_CONNECTION = 6;
    private static final int MAX_FRAME_BYTES = 64 * 1024;
    private static final int DEFAULT_CONNECTIONS = 2_000;
    private static final int VOLUME_CONNECTIONS = 50_000;
    private static final int FUZZ_MAX_PARTITIONS_PER_TOPIC = 8;
    private static final int LARGE_ANSWER_RECORD_BYTES = 1024;
    private static final int HUGE_PARTITION_COUNT = 16_777_217;
    private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(30);
    private static final long HEAP_GROWTH_BOUND_BYTES = 64L * 1024 * 1024;
    private static final String CLEAN_TOPIC = "fuzz-clean";
    private static final String TARGET_TOPIC = "fuzz-target";

    @TempDir
    Path dataDir;

    @Test
    void theBrokerAnswersOrClosesEveryFuzzedConnectionWhileWellBehavedClientsNoticeNothing() throws Exception {
        fuzz(seed(), Integer.getInteger("riverlog.fuzz.connections", DEFAULT_CONNECTIONS));
    }

    /**
     * Found by the run of seed 1 (2,000 connections): max-frame-bytes (64 KiB here) limited answers as
     * well as requests, so every fetch answer above it closed the consumer's connection and the
     * well-behaved consumer read nothing.
     */
    @Test
    void answersLargerThanTheRequestFrameLimitReachTheConsumer() throws Exception {
        try (EmbeddedBroker broker =
                     EmbeddedBroker.start(dataDir, Map.of("riverlog.kafka.max-frame-bytes", MAX_FRAME_BYTES));
             KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), Map.of())) {
            KafkaClients.createTopic(broker.bootstrapServers(), CLEAN_TOPIC, 1);
            List<byte[]> sent = new ArrayList<>();
            Random values = new Random(1);
            for (int i = 0; i < 4 * MAX_FRAME_BYTES / LARGE_ANSWER_RECORD_BYTES; i++) {
                byte[] value = new byte[LARGE_ANSWER_RECORD_BYTES];
                values.nextBytes(value);
                sent.add(value);
                producer.send(new ProducerRecord<>(CLEAN_TOPIC, 0, null, value));
            }
            producer.flush();
            List<ConsumerRecord<byte[], byte[]>> read = KafkaClients.readAll(broker.bootstrapServers(),
                    List.of(new TopicPartition(CLEAN_TOPIC, 0)), sent.size());
            assertThat(read).extracting(ConsumerRecord::value).containsExactlyElementsOf(sent);
        }
    }

    /**
     * Found by the run of seed 3 (6,000 connections): a CreateTopics whose partition count a mutation
     * had made huge was accepted, and the broker ran out of heap spawning its partitions.
     */
    @Test
    void aTopicOfMillionsOfPartitionsIsRefusedAndTheBrokerServesOn() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir);
             Admin admin = KafkaClients.admin(broker.bootstrapServers())) {
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("huge", HUGE_PARTITION_COUNT, (short) 1)))
                    .all().get()).hasCauseInstanceOf(InvalidPartitionsException.class);
            KafkaClients.createTopic(broker.bootstrapServers(), TARGET_TOPIC, 1);
            assertThatThrownBy(() -> admin.createPartitions(Map.of(TARGET_TOPIC, NewPartitions.increaseTo(
                    HUGE_PARTITION_COUNT))).all().get()).hasCauseInstanceOf(InvalidPartitionsException.class);
            assertThat(admin.describeTopics(List.of(TARGET_TOPIC)).allTopicNames().get().get(TARGET_TOPIC)
                    .partitions()).hasSize(1);
        }
    }

    @Test
    @Tag("volume")
    void aLongFuzzRun() throws Exception {
        fuzz(seed(), Integer.getInteger("riverlog.fuzz.connections", VOLUME_CONNECTIONS));
    }

    private static long seed() {
        long seed = Long.getLong("riverlog.fuzz.seed", new Random().nextLong());
        System.out.println(
                "Kafka protocol fuzz seed " + seed + " (run it again with -Driverlog.fuzz.seed=" + seed + ")");
        return seed;
    }

    private void fuzz(long seed, int connections) throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir, Map.of(
                "riverlog.kafka.max-frame-bytes", MAX_FRAME_BYTES,
                // Each partition holds open files: mutated partition counts must not exhaust the test
                // JVM's file descriptors (it runs the fuzzing clients too); larger counts are refused.
                "riverlog.topics.max-partitions-per-topic", FUZZ_MAX_PARTITIONS_PER_TOPIC))) {
            String bootstrap = broker.bootstrapServers();
            KafkaClients.createTopic(bootstrap, TARGET_TOPIC, 1);
            KafkaClients.createTopic(bootstrap, CLEAN_TOPIC, 1);
            FuzzFrames frames = new FuzzFrames(advertised(bootstrap), MAX_FRAME_BYTES);
            Await.until("the set-up connections are closed", CONNECTION_TIMEOUT,
                    () -> broker.broker().openKafkaConnections() == 0);
            long heapBefore = heapUsedAfterGc();

            AtomicBoolean fuzzing = new AtomicBoolean(true);
            CompletableFuture<List<byte[]>> produced =
                    CompletableFuture.supplyAsync(() -> produceWhile(bootstrap, fuzzing));
            Queue<String> stuck = new ConcurrentLinkedQueue<>();
            Map<FuzzConnection.Outcome, AtomicInteger> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
            ExecutorService clients = Executors.newFixedThreadPool(CONCURRENT_CONNECTIONS);
            AtomicInteger next = new AtomicInteger();
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < CONCURRENT_CONNECTIONS; c++) {
                running.add(clients.submit(() -> {
                    for (int n = next.getAndIncrement(); n < connections; n = next.getAndIncrement()) {
                        List<FuzzFrames.Frame> sent =
                                frames.connection(connectionRandom(seed, n), MAX_FRAMES_PER_CONNECTION);
                        FuzzConnection.Outcome outcome = FuzzConnection.play(bootstrap, sent, CONNECTION_TIMEOUT);
                        outcomes.computeIfAbsent(outcome, o -> new AtomicInteger()).incrementAndGet();
                        if (outcome == FuzzConnection.Outcome.STUCK) {
                            stuck.add("connection " + n + " of seed " + seed + ": "
                                    + sent.stream().map(FuzzFrames.Frame::what).toList());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> client : running) {
                client.get(10, TimeUnit.MINUTES);
            }
            clients.shutdown();
            fuzzing.set(false);
            List<byte[]> acknowledged = produced.get(2, TimeUnit.MINUTES);

            System.out.println("Kafka protocol fuzz seed " + seed + ", " + connections + " connections: " + outcomes);
            assertThat(stuck).as("connections neither answered nor closed").isEmpty();
            assertThat(acknowledged).as("records the well-behaved producer sent during the fuzzing").isNotEmpty();
            List<ConsumerRecord<byte[], byte[]>> read = KafkaClients.readAll(bootstrap,
                    List.of(new TopicPartition(CLEAN_TOPIC, 0)), acknowledged.size());
            assertThat(read).hasSize(acknowledged.size());
            for (int i = 0; i < read.size(); i++) {
                assertThat(read.get(i).value()).as("record %d", i).isEqualTo(acknowledged.get(i));
            }
            Await.until("every connection is closed", CONNECTION_TIMEOUT,
                    () -> broker.broker().openKafkaConnections() == 0);
            assertThat(heapUsedAfterGc()).as("heap used after the fuzzing (before: %d bytes)", heapBefore)
                    .isLessThan(heapBefore + HEAP_GROWTH_BOUND_BYTES);
        }
    }

    /** Each connection's frames depend only on the seed and its number, whatever the thread that plays it. */
    static Random connectionRandom(long seed, int connection) {
        return new Random(seed * 31 + connection);
    }

    /** A producer (idempotent, acks=all) sends records until the fuzzing ends; a consumer follows them. */
    private static List<byte[]> produceWhile(String bootstrap, AtomicBoolean fuzzing) {
        List<byte[]> acknowledged = new ArrayList<>();
        Random values = new Random(1);
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(bootstrap,
                Map.of(ProducerConfig.ACKS_CONFIG, "all"));
             KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(bootstrap)) {
            consumer.assign(List.of(new TopicPartition(CLEAN_TOPIC, 0)));
            int consumed = 0;
            while (fuzzing.get()) {
                List<byte[]> batch = new ArrayList<>();
                List<Future<RecordMetadata>> acks = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    byte[] value = new byte[10 + values.nextInt(500)];
                    values.nextBytes(value);
                    batch.add(value);
                    acks.add(producer.send(new ProducerRecord<>(CLEAN_TOPIC, 0, null, value)));
                }
                for (Future<RecordMetadata> ack : acks) {
                    ack.get(CONNECTION_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                }
                acknowledged.addAll(batch);
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    assertThat(record.value()).isEqualTo(acknowledged.get(consumed++));
                }
            }
        } catch (Exception e) {
            throw new AssertionError("the well-behaved client failed during the fuzzing", e);
        }
        return acknowledged;
    }

    private static Map<ApiKeys, short[]> advertised(String bootstrap) throws Exception {
        Map<ApiKeys, short[]> out = new EnumMap<>(ApiKeys.class);
        try (RawKafkaConnection connection = new RawKafkaConnection(bootstrap)) {
            ApiVersionsResponseData versions = ((ApiVersionsResponse) connection.call(ApiKeys.API_VERSIONS, (short) 3,
                    new ApiVersionsRequestData().setClientSoftwareName("fuzz").setClientSoftwareVersion("1"))).data();
            for (ApiVersionsResponseData.ApiVersion api : versions.apiKeys()) {
                if (ApiKeys.hasId(api.apiKey())) {
                    out.put(ApiKeys.forId(api.apiKey()), new short[] {api.minVersion(), api.maxVersion()});
                }
            }
        }
        return out;
    }

    private static long heapUsedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
