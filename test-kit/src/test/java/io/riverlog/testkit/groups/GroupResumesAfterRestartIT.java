package io.riverlog.testkit.groups;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.riverlog.testkit.BrokerProcess;
import io.riverlog.testkit.Conditions;
import io.riverlog.testkit.KafkaClients;

/**
 * A real broker process: a subscribed consumer commits synchronously as it goes, the broker stops
 * (SIGTERM) or dies (kill -9) under it, and after the restart a consumer of the same group starts
 * exactly at the committed offsets: every record is consumed once over the two runs. With each
 * group protocol: classic, and the consumer group protocol (KIP-848), whose membership is not kept
 * over a restart (members rejoin) while the committed offsets are.
 */
class GroupResumesAfterRestartIT {
    private static final int PARTITIONS = 3;
    private static final int RECORDS = 300;
    private static final int CONSUMED_BEFORE = 120;
    private static final Duration POLL = Duration.ofMillis(100);
    /** Broker settings: no delay for classic groups' first rebalance, quick consumer-protocol heartbeats. */
    private static final String BROKER_CONFIG = "riverlog.groups.initial-rebalance-delay = 0s\n"
            + "riverlog.groups.consumer.heartbeat-interval = 200ms\n";

    private static Map<String, Object> smallPolls(String protocol) {
        Map<String, Object> config = new HashMap<>(protocol.equals("classic")
                ? Map.of(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 200,
                        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000)
                : Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer"));
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10);
        return config;
    }

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} protocol, {1}")
    @CsvSource({"classic, graceful", "classic, kill -9", "consumer, kill -9"})
    void aConsumerResumesAtItsCommittedOffsetsAfterARestart(String protocol, String how) throws Exception {
        resumesAfterRestart(protocol, how);
    }

    /** Each case starts a broker process twice: this one runs with -Pvolume, to keep the build short. */
    @Test
    @Tag("volume")
    void aConsumerProtocolMemberResumesAtItsCommittedOffsetsAfterAGracefulRestart() throws Exception {
        resumesAfterRestart("consumer", "graceful");
    }

    private void resumesAfterRestart(String protocol, String how) throws Exception {
        Path config = tmp.resolve("groups.conf");
        Files.writeString(config, BROKER_CONFIG);
        try (BrokerProcess broker = BrokerProcess.start(tmp.resolve("data"), "--config", config.toString())) {
            String topic = "resumed";
            KafkaClients.createTopic(broker.bootstrapServers(), topic, PARTITIONS);
            try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(),
                    Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
                for (int i = 0; i < RECORDS; i++) {
                    producer.send(new ProducerRecord<>(topic, i % PARTITIONS, null, KafkaClients.value(i)));
                }
                producer.flush();
            }

            List<String> consumed = new ArrayList<>();
            Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
            KafkaConsumer<byte[], byte[]> first = KafkaClients.groupConsumer(broker.bootstrapServers(), "resumers",
                    smallPolls(protocol));
            first.subscribe(List.of(topic));
            long deadline = System.nanoTime() + KafkaClients.TIMEOUT.toNanos();
            while (consumed.size() < CONSUMED_BEFORE && System.nanoTime() < deadline) {
                Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> record : first.poll(POLL)) {
                    consumed.add(record.partition() + "@" + record.offset());
                    next.put(new TopicPartition(record.topic(), record.partition()),
                            new OffsetAndMetadata(record.offset() + 1));
                }
                first.commitSync(next, KafkaClients.TIMEOUT);
                committed.putAll(next);
            }
            assertThat(consumed).hasSizeGreaterThanOrEqualTo(CONSUMED_BEFORE).hasSizeLessThan(RECORDS);

            // The broker goes away under a member of the group.
            if (how.equals("graceful")) {
                assertThat(broker.stop()).isZero();
            } else {
                broker.kill();
            }
            first.close(CloseOptions.timeout(Duration.ZERO));
            broker.restart();

            try (KafkaConsumer<byte[], byte[]> second = KafkaClients.groupConsumer(broker.bootstrapServers(),
                    "resumers", smallPolls(protocol))) {
                second.subscribe(List.of(topic));
                Map<TopicPartition, Long> firstOffsets = new HashMap<>();
                deadline = System.nanoTime() + KafkaClients.TIMEOUT.toNanos();
                while (consumed.size() < RECORDS && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> record : second.poll(POLL)) {
                        firstOffsets.putIfAbsent(new TopicPartition(record.topic(), record.partition()),
                                record.offset());
                        consumed.add(record.partition() + "@" + record.offset());
                    }
                    second.commitSync(KafkaClients.TIMEOUT);
                }
                for (Map.Entry<TopicPartition, Long> resumed : firstOffsets.entrySet()) {
                    OffsetAndMetadata before = committed.get(resumed.getKey());
                    assertThat(resumed.getValue()).as("first offset of %s after the restart", resumed.getKey())
                            .isEqualTo(before == null ? 0 : before.offset());
                }
            }
            Set<String> distinct = new HashSet<>(consumed);
            assertThat(consumed).as("records consumed over both runs").hasSize(RECORDS);
            assertThat(distinct).hasSize(RECORDS);
        }
    }

    @ParameterizedTest(name = "{0} protocol")
    @ValueSource(strings = {"classic", "consumer"})
    void aConsumerThatLivesThroughAKillRejoinsAndLosesNothing(String protocol) throws Exception {
        Path config = tmp.resolve("groups.conf");
        Files.writeString(config, BROKER_CONFIG);
        String topic = "survived";
        try (BrokerProcess broker = BrokerProcess.start(tmp.resolve("data"), "--config", config.toString())) {
            KafkaClients.createTopic(broker.bootstrapServers(), topic, PARTITIONS);
            produce(broker, topic, 0, RECORDS / 2);
            java.util.concurrent.ConcurrentLinkedQueue<GroupMember.Consumed> consumed =
                    new java.util.concurrent.ConcurrentLinkedQueue<>();
            Conditions changes = new Conditions();
            try (GroupMember member = new GroupMember("survivor", broker.bootstrapServers(), "survivors", topic,
                    smallPolls(protocol), consumed, changes)) {
                changes.await("the first half consumed", KafkaClients.TIMEOUT,
                        () -> distinct(consumed).size() == RECORDS / 2, () -> distinct(consumed).size() + " distinct");
                broker.kill();
                broker.restart();
                produce(broker, topic, RECORDS / 2, RECORDS / 2);
                changes.await("every record consumed", KafkaClients.TIMEOUT,
                        () -> distinct(consumed).size() == RECORDS, () -> distinct(consumed).size() + " distinct");
                member.close();
                assertThat(member.failure()).isNull();
                Set<String> mayRepeat = new HashSet<>();
                member.uncommitted().forEach(c -> mayRepeat.add(c.partition() + "@" + c.offset()));
                Map<String, Long> times = consumed.stream().collect(java.util.stream.Collectors.groupingBy(
                        c -> c.partition() + "@" + c.offset(), java.util.stream.Collectors.counting()));
                assertThat(times.entrySet().stream().filter(e -> e.getValue() > 1 && !mayRepeat.contains(e.getKey()))
                        .map(Map.Entry::getKey).toList()).as("records consumed twice although committed").isEmpty();
            }
        }
    }

    private static void produce(BrokerProcess broker, String topic, int from, int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(),
                Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            for (int i = from; i < from + count; i++) {
                producer.send(new ProducerRecord<>(topic, i % PARTITIONS, null, KafkaClients.value(i)));
            }
            producer.flush();
        }
    }

    private static Set<String> distinct(java.util.Collection<GroupMember.Consumed> consumed) {
        Set<String> out = new HashSet<>();
        consumed.forEach(c -> out.add(c.partition() + "@" + c.offset()));
        return out;
    }
}
