package io.riverlog.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Measures how long three consumers started together take until each has consumed a record, with
 * each group protocol, against an embedded broker with the default settings of application.conf
 * (classic: initial-rebalance-delay; consumer protocol: heartbeat-interval). Nothing is committed, so
 * a member that gets a partition from another starts it from the beginning and always finds records
 * there. Run:
 * {@code java -cp <test-kit classpath> io.riverlog.testkit.GroupJoinTimes [rounds]}.
 */
public final class GroupJoinTimes {
    private static final int MEMBERS = 3;
    private static final int PARTITIONS = 6;
    private static final int RECORDS = 600;
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final Duration POLL = Duration.ofMillis(50);

    private GroupJoinTimes() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Path dataDir = Files.createTempDirectory("group-join-times");
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            prepareTopic(bootstrap);
            for (int round = 1; round <= rounds; round++) {
                for (String protocol : List.of("classic", "consumer")) {
                    long ms = joinToConsuming(bootstrap, protocol, "join-times-" + protocol + "-" + round);
                    System.out.printf("round %d, %s protocol: %d members started together all consuming after %d ms%n",
                            round, protocol, MEMBERS, ms);
                }
            }
        }
    }

    private static void prepareTopic(String bootstrap) throws Exception {
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin client = Admin.create(admin)) {
            client.createTopics(List.of(new NewTopic("join-times", PARTITIONS, (short) 1))).all().get();
        }
        Properties producer = new Properties();
        producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try (KafkaProducer<byte[], byte[]> client = new KafkaProducer<>(producer)) {
            for (int i = 0; i < RECORDS; i++) {
                client.send(new ProducerRecord<>("join-times", i % PARTITIONS, null, new byte[100]));
            }
            client.flush();
        }
    }

    /** Milliseconds from the start of three consumers until the last of them got its first record. */
    private static long joinToConsuming(String bootstrap, String protocol, String groupId) throws Exception {
        CountDownLatch allConsuming = new CountDownLatch(MEMBERS);
        CountDownLatch stop = new CountDownLatch(1);
        AtomicLong lastFirstRecordNanos = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        long startNanos = System.nanoTime();
        for (int m = 0; m < MEMBERS; m++) {
            Thread thread = new Thread(() -> {
                try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(bootstrap, protocol,
                        groupId))) {
                    consumer.subscribe(List.of("join-times"));
                    boolean counted = false;
                    while (stop.getCount() > 0) {
                        if (!consumer.poll(POLL).isEmpty() && !counted) {
                            counted = true;
                            lastFirstRecordNanos.accumulateAndGet(System.nanoTime(), Math::max);
                            allConsuming.countDown();
                        }
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        boolean done = allConsuming.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        stop.countDown();
        for (Thread thread : threads) {
            thread.join(WAIT.toMillis());
        }
        if (!done) {
            throw new IllegalStateException(protocol + ": not all members consumed within " + WAIT);
        }
        return (lastFirstRecordNanos.get() - startNanos) / 1_000_000;
    }

    private static Properties consumerConfig(String bootstrap, String protocol, String groupId) {
        Properties props = new Properties();
        props.putAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, groupId,
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
        return props;
    }
}
