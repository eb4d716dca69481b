package io.riverlog.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

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
 * How long a classic consumer group takes to get going: a topic of {@value #PARTITIONS} partitions
 * with records in each, then {@value #MEMBERS} consumers (kafka-clients defaults, classic protocol)
 * subscribe at the same moment; the time from that moment until every one of them has polled its
 * first records. Works against any Kafka-compatible broker.
 *
 * <pre>
 *   java -cp bench/target/benchmarks.jar io.riverlog.bench.GroupRebalanceTimer BOOTSTRAP [RUNS]
 * </pre>
 * Each run uses a topic and group of its own; a warm-up run comes first. Prints one {@code RESULT}
 * line per run, then one with the median, minimum and maximum of the counted runs.
 */
public final class GroupRebalanceTimer {
    static final int PARTITIONS = 6;
    static final int MEMBERS = 3;
    private static final int RECORDS_PER_PARTITION = 100;
    private static final Duration POLL = Duration.ofMillis(20);
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(2);

    private GroupRebalanceTimer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: GroupRebalanceTimer BOOTSTRAP [RUNS]");
            System.exit(2);
        }
        String bootstrap = args[0];
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        long[] totals = new long[runs];
        // Run 0 warms up the client and the broker (Kafka creates its offsets topic for the first group)
        // and is not counted.
        for (int run = 0; run <= runs; run++) {
            String name = "rebalance-" + System.currentTimeMillis() + "-" + run;
            fill(bootstrap, name);
            long[] firstRecordMs = firstRecords(bootstrap, name);
            long total = Arrays.stream(firstRecordMs).max().orElseThrow();
            if (run > 0) {
                totals[run - 1] = total;
            }
            System.out.printf("RESULT run=%s bootstrap=%s join_to_first_record_ms=%d per_member_ms=%s%n",
                    run == 0 ? "warm-up" : Integer.toString(run), bootstrap, total, Arrays.toString(firstRecordMs));
        }
        long[] sorted = totals.clone();
        Arrays.sort(sorted);
        System.out.printf("RESULT summary bootstrap=%s runs=%d median_ms=%d min_ms=%d max_ms=%d%n", bootstrap, runs,
                sorted[runs / 2], sorted[0], sorted[runs - 1]);
    }

    /** Creates the topic and writes records to every partition, before anything is timed. */
    private static void fill(String bootstrap, String topic) throws Exception {
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin client = Admin.create(admin)) {
            client.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        }
        Properties producer = new Properties();
        producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try (KafkaProducer<byte[], byte[]> client = new KafkaProducer<>(producer)) {
            for (int partition = 0; partition < PARTITIONS; partition++) {
                for (int i = 0; i < RECORDS_PER_PARTITION; i++) {
                    client.send(new ProducerRecord<>(topic, partition, null, new byte[100]));
                }
            }
            client.flush();
        }
    }

    /** Milliseconds from the common subscribe until each member's first records. */
    private static long[] firstRecords(String bootstrap, String topic) throws InterruptedException {
        List<KafkaConsumer<byte[], byte[]>> consumers = new ArrayList<>();
        for (int i = 0; i < MEMBERS; i++) {
            consumers.add(consumer(bootstrap, topic));
        }
        AtomicLongArray firstRecordNanos = new AtomicLongArray(MEMBERS);
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch allConsuming = new CountDownLatch(MEMBERS);
        CountDownLatch closed = new CountDownLatch(MEMBERS);
        for (int i = 0; i < MEMBERS; i++) {
            int member = i;
            Thread thread = new Thread(() -> {
                KafkaConsumer<byte[], byte[]> consumer = consumers.get(member);
                try {
                    start.await();
                    consumer.subscribe(List.of(topic));
                    // Keep polling after the first records, so the member takes part in later rebalances.
                    while (allConsuming.getCount() > 0) {
                        if (!consumer.poll(POLL).isEmpty()
                                && firstRecordNanos.compareAndSet(member, 0, System.nanoTime())) {
                            allConsuming.countDown();
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    consumer.close();
                    closed.countDown();
                }
            }, "member-" + member);
            thread.start();
        }
        long startNanos = System.nanoTime();
        start.countDown();
        if (!allConsuming.await(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            throw new IllegalStateException("not every member consumed within " + RUN_TIMEOUT);
        }
        closed.await(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        long[] ms = new long[MEMBERS];
        for (int i = 0; i < MEMBERS; i++) {
            ms[i] = (firstRecordNanos.get(i) - startNanos) / 1_000_000;
        }
        return ms;
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String group) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return new KafkaConsumer<>(props);
    }
}
