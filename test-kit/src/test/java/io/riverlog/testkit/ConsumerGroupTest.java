package io.riverlog.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subscribed consumers in one group with kafka-clients 4.4 (classic protocol): they split the
 * partitions, take over the partitions of one that leaves, and with synchronous commits after each
 * poll no record is lost and none is consumed twice (except records whose commit failed).
 */
class ConsumerGroupTest {
    private static final Logger log = LoggerFactory.getLogger(ConsumerGroupTest.class);
    private static final int PARTITIONS = 6;
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Short enough that members notice rebalances fast; the broker's minimum session timeout is 6 s. */
    static final Map<String, Object> QUICK_MEMBER = Map.of(
            ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 200,
            ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000,
            ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 15000);

    @TempDir
    static Path dataDir;
    static EmbeddedBroker broker;

    @BeforeAll
    static void start() {
        broker = EmbeddedBroker.start(dataDir, Map.of("riverlog.groups.initial-rebalance-delay", "300ms",
                "riverlog.groups.min-session-timeout", "1s"));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void threeConsumersSplitSixPartitionsAndTheTwoLeftTakeOverWhenOneCloses() throws Exception {
        String topic = "split";
        KafkaClients.createTopic(broker.bootstrapServers(), topic, PARTITIONS);
        produce(topic, 0, 600);

        ConcurrentLinkedQueue<GroupMember.Consumed> consumed = new ConcurrentLinkedQueue<>();
        Conditions changes = new Conditions();
        long startedNanos = System.nanoTime();
        List<GroupMember> members = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            members.add(new GroupMember(name, broker.bootstrapServers(), "splitters", topic, QUICK_MEMBER, consumed,
                    changes));
        }
        try {
            changes.await("the three consumers own two partitions each", WAIT,
                    () -> members.stream().allMatch(m -> m.assignment().size() == 2)
                            && union(members).size() == PARTITIONS, () -> assignments(members));
            changes.await("the first 600 records consumed", WAIT, () -> distinct(consumed).size() == 600,
                    () -> distinct(consumed).size() + " distinct");
            log.info("Three consumers started together: all three owned their partitions and the first 600 records"
                    + " were consumed {} ms after they started", (System.nanoTime() - startedNanos) / 1_000_000);
            produce(topic, 600, 600);
            changes.await("each consumer consumed", WAIT, () -> consumedBy(consumed).size() == 3
                    && distinct(consumed).size() == 1200, () -> consumedBy(consumed) + " " + distinct(consumed).size());

            GroupMember leaving = members.remove(2);
            Set<TopicPartition> itsPartitions = leaving.assignment();
            leaving.close();
            produce(topic, 1200, 600);
            changes.await("the two consumers left own three partitions each", WAIT,
                    () -> members.stream().allMatch(m -> m.assignment().size() == 3)
                            && union(members).size() == PARTITIONS, () -> assignments(members));
            changes.await("all 1800 records consumed", WAIT, () -> distinct(consumed).size() == 1800,
                    () -> distinct(consumed).size() + " distinct");
            for (GroupMember member : members) {
                member.close();
            }

            Set<String> mayRepeat = new HashSet<>();
            for (GroupMember member : List.of(members.get(0), members.get(1), leaving)) {
                assertThat(member.failure()).as("failure of a consumer").isNull();
                member.uncommitted().forEach(c -> mayRepeat.add(c.partition() + "@" + c.offset()));
            }
            Map<String, Long> timesConsumed = consumed.stream().collect(Collectors.groupingBy(
                    c -> c.partition() + "@" + c.offset(), Collectors.counting()));
            assertThat(timesConsumed.entrySet().stream().filter(e -> e.getValue() > 1)
                    .filter(e -> !mayRepeat.contains(e.getKey())).map(Map.Entry::getKey).toList())
                    .as("records consumed twice although their commit succeeded").isEmpty();
            assertThat(consumed.stream().filter(c -> itsPartitions.contains(c.partition()) && c.member().equals("c"))
                    .count()).as("records of the leaving consumer's partitions it consumed").isPositive();
        } finally {
            for (GroupMember member : members) {
                member.close();
            }
        }
    }

    @Test
    void aConsumerThatVanishesWithoutLeavingIsRemovedWhenItsSessionExpires() throws Exception {
        String topic = "vanishing";
        KafkaClients.createTopic(broker.bootstrapServers(), topic, 2);
        Map<String, Object> shortSession = Map.of(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 200,
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 1500);
        Conditions changes = new Conditions();
        try (GroupMember staying = new GroupMember("staying", broker.bootstrapServers(), "vanishers", topic,
                shortSession, new ConcurrentLinkedQueue<>(), changes);
             GroupMember vanishing = new GroupMember("vanishing", broker.bootstrapServers(), "vanishers", topic,
                     shortSession, new ConcurrentLinkedQueue<>(), changes)) {
            changes.await("each owns one partition", WAIT, () -> staying.assignment().size() == 1
                    && vanishing.assignment().size() == 1, () -> staying.assignment() + " " + vanishing.assignment());
            long vanishedNanos = System.nanoTime();
            vanishing.vanish();

            changes.await("the one left owns both partitions", WAIT, () -> staying.assignment().size() == 2,
                    () -> staying.assignment().toString());
            long tookMs = (System.nanoTime() - vanishedNanos) / 1_000_000;
            log.info("A member that vanished was replaced {} ms later (session timeout 1500 ms)", tookMs);
            assertThat(tookMs).as("time until its partitions moved, ms").isGreaterThanOrEqualTo(1000);
        }
    }

    private static void produce(String topic, int from, int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(),
                Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 2))) {
            for (int i = from; i < from + count; i++) {
                producer.send(new ProducerRecord<>(topic, i % PARTITIONS, null, KafkaClientsRoundTripTest.value(i)));
            }
            producer.flush();
        }
    }

    private static Set<TopicPartition> union(List<GroupMember> members) {
        Set<TopicPartition> all = new HashSet<>();
        members.forEach(m -> all.addAll(m.assignment()));
        return all;
    }

    private static String assignments(List<GroupMember> members) {
        return members.stream().map(m -> m.assignment().toString()).collect(Collectors.joining(" "));
    }

    private static Set<String> consumedBy(ConcurrentLinkedQueue<GroupMember.Consumed> consumed) {
        return consumed.stream().map(GroupMember.Consumed::member).collect(Collectors.toSet());
    }

    private static Set<String> distinct(ConcurrentLinkedQueue<GroupMember.Consumed> consumed) {
        return consumed.stream().map(c -> c.partition() + "@" + c.offset()).collect(Collectors.toSet());
    }
}
