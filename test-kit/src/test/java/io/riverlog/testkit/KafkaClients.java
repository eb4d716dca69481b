package io.riverlog.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Real kafka-clients producers, consumers and admin clients, configured for tests. */
public final class KafkaClients {
    public static final Duration TIMEOUT = Duration.ofSeconds(60);

    private KafkaClients() {
    }

    public static Admin admin(String bootstrap) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(props);
    }

    public static KafkaProducer<byte[], byte[]> producer(String bootstrap, Map<String, Object> overrides) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.putAll(overrides);
        return new KafkaProducer<>(props);
    }

    public static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        return consumer(bootstrap, Map.of());
    }

    /** As {@link #consumer(String)}, with {@code overrides} (e.g. auto.offset.reset=none). */
    public static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, Map<String, Object> overrides) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putAll(overrides);
        return new KafkaConsumer<>(props);
    }

    /**
     * A consumer in {@code groupId} with manual commits; the classic group protocol unless
     * {@code overrides} set {@code group.protocol}.
     */
    public static KafkaConsumer<byte[], byte[]> groupConsumer(String bootstrap, String groupId,
                                                             Map<String, Object> overrides) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putAll(overrides);
        return new KafkaConsumer<>(props);
    }

    /**
     * What a group member of {@code protocol} ("classic" or "consumer") needs to notice changes fast. The
     * consumer protocol's heartbeat interval and session timeout are the broker's (see
     * {@link #CONSUMER_PROTOCOL_BROKER}); its clients refuse to be given them.
     */
    public static Map<String, Object> quickMember(String protocol) {
        return protocol.equals("classic")
                ? Map.of(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 200,
                        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000,
                        ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 15000)
                : Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer",
                        ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 15000);
    }

    /** Broker settings under which consumer-protocol members notice changes fast: heartbeats every 200 ms. */
    public static final Map<String, Object> CONSUMER_PROTOCOL_BROKER = Map.of(
            "riverlog.groups.consumer.heartbeat-interval", "200ms",
            "riverlog.groups.consumer.session-timeout", "3s");

    public static void createTopic(String bootstrap, String name, int partitions) throws Exception {
        createTopic(bootstrap, name, partitions, Map.of());
    }

    /** A topic with topic-level settings ({@code segment.bytes}, {@code retention.ms}...). */
    public static void createTopic(String bootstrap, String name, int partitions, Map<String, String> configs)
            throws Exception {
        try (Admin admin = admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get();
        }
    }

    /** Reads every record of the partitions from the beginning until {@code expected} arrived or the timeout passed. */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, List<TopicPartition> partitions,
                                                               int expected) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(out::add);
            }
        }
        return out;
    }

    /**
     * Reads the partitions from the beginning up to their end offsets as they are when the read
     * starts, handing each record to {@code sink} in offset order per partition; returns those end
     * offsets. Fails if no record arrives for {@link #TIMEOUT} while some are still due.
     */
    public static Map<TopicPartition, Long> readToEnd(String bootstrap, List<TopicPartition> partitions,
            Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
            long lastProgress = System.nanoTime();
            while (!partitions.stream().allMatch(tp -> consumer.position(tp, TIMEOUT) >= end.get(tp))) {
                if (System.nanoTime() - lastProgress > TIMEOUT.toNanos()) {
                    throw new AssertionError("no record within " + TIMEOUT + " while reading up to " + end);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    sink.accept(record);
                    lastProgress = System.nanoTime();
                }
            }
            return end;
        }
    }

    /** The value of record {@code i}: its number, then up to 199 more bytes, so that values differ in length. */
    public static byte[] value(int i) {
        return ("value-" + i + "-" + "x".repeat(i % 200)).getBytes(StandardCharsets.UTF_8);
    }

    public static List<TopicPartition> partitions(String topic, int count) {
        List<TopicPartition> out = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            out.add(new TopicPartition(topic, p));
        }
        return out;
    }
}
