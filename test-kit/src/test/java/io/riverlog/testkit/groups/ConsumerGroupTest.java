package io.riverlog.testkit.groups;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.SubscriptionPattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.testkit.Conditions;
import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;

/**
 * Subscribed consumers in one group with kafka-clients 4.4, with each group protocol (classic, and
 * the consumer group protocol of KIP-848): they split the partitions, take over the partitions of one
 * that leaves or vanishes, and with synchronous commits after each poll no record is lost, none is
 * consumed twice (except records whose commit failed), and every partition's committed offset only
 * moves forward.
 */
class ConsumerGroupTest {
    private static final Logger log = LoggerFactory.getLogger(ConsumerGroupTest.class);
    private static final int PARTITIONS = 6;
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Short enough that classic members notice rebalances fast; the broker's minimum session timeout is 6 s. */
    static final Map<String, Object> QUICK_MEMBER = KafkaClients.quickMember("classic");

    @TempDir
    static Path dataDir;
    static EmbeddedBroker broker;

    @BeforeAll
    static void start() {
        Map<String, Object> settings = new HashMap<>(KafkaClients.CONSUMER_PROTOCOL_BROKER);
        settings.putAll(Map.of("riverlog.groups.initial-rebalance-delay", "300ms",
                "riverlog.groups.min-session-timeout", "1s"));
        broker = EmbeddedBroker.start(dataDir, settings);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @ParameterizedTest(name = "{0} protocol")
    @ValueSource(strings = {"classic", "consumer"})
    void threeConsumersSplitSixPartitionsAndTheTwoLeftTakeOverWhenOneCloses(String protocol) throws Exception {
        String topic = "split-" + protocol;
        KafkaClients.createTopic(broker.bootstrapServers(), topic, PARTITIONS);
        produce(topic, 0, 600);

        ConcurrentLinkedQueue<GroupMember.Consumed> consumed = new ConcurrentLinkedQueue<>();
        Conditions changes = new Conditions();
        long startedNanos = System.nanoTime();
        List<GroupMember> members = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            members.add(new GroupMember(name, broker.bootstrapServers(), "splitters-" + protocol, topic,
                    KafkaClients.quickMember(protocol), consumed, changes));
        }
        try {
            changes.await("the three consumers own two partitions each", WAIT,
                    () -> members.stream().allMatch(m -> m.assignment().size() == 2)
                            && union(members).size() == PARTITIONS, () -> assignments(members));
            // The first member may consume every record before the others join (the consumer protocol has no
            // initial delay), so what is timed is the split, not each member's first record.
            log.info("{} protocol: three consumers started together owned two partitions each {} ms after they"
                    + " started", protocol, (System.nanoTime() - startedNanos) / 1_000_000);
            changes.await("the first 600 records consumed", WAIT, () -> distinct(consumed).size() == 600,
                    () -> distinct(consumed).size() + " distinct");
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
            List<GroupMember.Committed> commits = new ArrayList<>();
            for (GroupMember member : List.of(members.get(0), members.get(1), leaving)) {
                assertThat(member.failure()).as("failure of a consumer").isNull();
                member.uncommitted().forEach(c -> mayRepeat.add(c.partition() + "@" + c.offset()));
                commits.addAll(member.committed());
            }
            assertCommittedOffsetsOnlyMoveForward(commits);
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

    @ParameterizedTest(name = "{0} protocol")
    @ValueSource(strings = {"classic", "consumer"})
    void aConsumerThatVanishesWithoutLeavingIsRemovedWhenItsSessionExpires(String protocol) throws Exception {
        String topic = "vanishing-" + protocol;
        KafkaClients.createTopic(broker.bootstrapServers(), topic, 2);
        // The consumer protocol's session timeout is the broker's: 3 s here. Its consumers always leave the
        // group when they close, except static members, which only say they will be back (member epoch -2)
        // and keep their partitions until they return or their session expires: that is the vanishing one.
        Map<String, Object> shortSession = protocol.equals("classic") ? Map.of(
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 200, ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 1500)
                : KafkaClients.quickMember(protocol);
        Map<String, Object> vanishingConfig = new HashMap<>(shortSession);
        if (!protocol.equals("classic")) {
            vanishingConfig.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "vanishing-instance");
        }
        Conditions changes = new Conditions();
        try (GroupMember staying = new GroupMember("staying", broker.bootstrapServers(), "vanishers-" + protocol,
                topic, shortSession, new ConcurrentLinkedQueue<>(), changes);
             GroupMember vanishing = new GroupMember("vanishing", broker.bootstrapServers(), "vanishers-" + protocol,
                     topic, vanishingConfig, new ConcurrentLinkedQueue<>(), changes)) {
            changes.await("each owns one partition", WAIT, () -> staying.assignment().size() == 1
                    && vanishing.assignment().size() == 1, () -> staying.assignment() + " " + vanishing.assignment());
            long vanishedNanos = System.nanoTime();
            vanishing.vanish();

            changes.await("the one left owns both partitions", WAIT, () -> staying.assignment().size() == 2,
                    () -> staying.assignment().toString());
            long tookMs = (System.nanoTime() - vanishedNanos) / 1_000_000;
            log.info("{} protocol: a member that vanished was replaced {} ms later", protocol, tookMs);
            assertThat(tookMs).as("time until its partitions moved, ms").isGreaterThanOrEqualTo(1000);
        }
    }

    /**
     * Consumer group protocol only: a regex subscription is resolved by the broker, and a member is
     * given the partitions of matching topics created later, and partitions added to them, on its next
     * heartbeats.
     */
    @Test
    void aRegexSubscriptionFollowsNewTopicsAndPartitions() throws Exception {
        KafkaClients.createTopic(broker.bootstrapServers(), "regex-one", 2);
        KafkaClients.createTopic(broker.bootstrapServers(), "unmatched", 2);
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.groupConsumer(broker.bootstrapServers(), "regexers",
                KafkaClients.quickMember("consumer"));
             Admin admin = KafkaClients.admin(broker.bootstrapServers())) {
            consumer.subscribe(new SubscriptionPattern("regex-.*"));
            pollUntil(consumer, Set.of(new TopicPartition("regex-one", 0), new TopicPartition("regex-one", 1)));
            KafkaClients.createTopic(broker.bootstrapServers(), "regex-two", 1);
            admin.createPartitions(Map.of("regex-one", NewPartitions.increaseTo(3))).all().get();
            pollUntil(consumer, Set.of(new TopicPartition("regex-one", 0), new TopicPartition("regex-one", 1),
                    new TopicPartition("regex-one", 2), new TopicPartition("regex-two", 0)));
        }
    }

    private static void pollUntil(KafkaConsumer<byte[], byte[]> consumer, Set<TopicPartition> expected) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!consumer.assignment().equals(expected) && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(100));
        }
        assertThat(consumer.assignment()).isEqualTo(expected);
    }

    private static void produce(String topic, int from, int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(),
                Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 2))) {
            for (int i = from; i < from + count; i++) {
                producer.send(new ProducerRecord<>(topic, i % PARTITIONS, null, KafkaClients.value(i)));
            }
            producer.flush();
        }
    }

    /** Commits of each partition, in the order they were acknowledged, never go back. */
    private static void assertCommittedOffsetsOnlyMoveForward(List<GroupMember.Committed> commits) {
        Map<TopicPartition, List<Long>> byPartition = commits.stream()
                .sorted(Comparator.comparingLong(GroupMember.Committed::atNanos))
                .collect(Collectors.groupingBy(GroupMember.Committed::partition,
                        Collectors.mapping(GroupMember.Committed::offset, Collectors.toList())));
        assertThat(byPartition).hasSize(PARTITIONS);
        byPartition.forEach((partition, offsets) -> assertThat(offsets).as("committed offsets of %s", partition)
                .isSorted());
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
