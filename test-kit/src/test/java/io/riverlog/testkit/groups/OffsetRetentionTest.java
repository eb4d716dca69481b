package io.riverlog.testkit.groups;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.riverlog.testkit.Await;
import io.riverlog.testkit.Conditions;
import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;

/**
 * Committed offsets expire by {@code riverlog.groups.offsets-retention} (a few seconds here): those
 * of a group whose consumers left, and those committed outside any group, go; those of a group with
 * a member stay; what expired stays gone after a restart.
 */
class OffsetRetentionTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TOPIC = "retained";
    private static final int RECORDS = 20;
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    private static final Map<String, Object> SETTINGS = settings();

    @TempDir
    Path dataDir;

    private static Map<String, Object> settings() {
        Map<String, Object> settings = new HashMap<>(KafkaClients.CONSUMER_PROTOCOL_BROKER);
        settings.putAll(Map.of("riverlog.groups.initial-rebalance-delay", "0s",
                "riverlog.groups.offsets-retention", "2s",
                "riverlog.groups.offsets-retention-check-interval", "200ms"));
        return settings;
    }

    @ParameterizedTest(name = "{0} protocol")
    @ValueSource(strings = {"classic", "consumer"})
    void offsetsOfEmptyGroupsExpireThoseOfActiveGroupsStayAndExpiryOutlivesARestart(String protocol) throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir, SETTINGS);
             Admin admin = KafkaClients.admin(broker.bootstrapServers())) {
            String bootstrap = broker.bootstrapServers();
            KafkaClients.createTopic(bootstrap, TOPIC, 2);
            try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(bootstrap, Map.of())) {
                for (int i = 0; i < RECORDS; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, i % 2, null, new byte[] {(byte) i}));
                }
                producer.flush();
            }
            Map<TopicPartition, OffsetAndMetadata> all = Map.of(P0, new OffsetAndMetadata(RECORDS / 2),
                    P1, new OffsetAndMetadata(RECORDS / 2));
            Conditions changes = new Conditions();

            try (GroupMember staying = member("staying", bootstrap, protocol, changes)) {
                awaitOffsets(admin, "staying", all);
                commitOutsideAGroup(bootstrap, all);
                GroupMember leaving = member("leaving", bootstrap, protocol, changes);
                awaitOffsets(admin, "leaving", all);
                leaving.close();

                Await.until("the offsets of the group whose consumer left expire", WAIT,
                        () -> offsets(admin, "leaving").isEmpty(), () -> offsets(admin, "leaving").toString());
                Await.until("the offsets committed outside a group expire", WAIT,
                        () -> offsets(admin, "standalone").isEmpty(), () -> offsets(admin, "standalone").toString());
                // Committed before the other group became empty, so they would have expired first.
                assertThat(offsets(admin, "staying")).isEqualTo(all);
                assertThat(staying.failure()).isNull();
            }
        }
        try (EmbeddedBroker restarted = EmbeddedBroker.start(dataDir, SETTINGS);
             Admin admin = KafkaClients.admin(restarted.bootstrapServers())) {
            assertThat(offsets(admin, "leaving")).isEmpty();
            assertThat(offsets(admin, "standalone")).isEmpty();
        }
    }

    private static GroupMember member(String group, String bootstrap, String protocol, Conditions changes) {
        return new GroupMember(group + "-member", bootstrap, group, TOPIC, KafkaClients.quickMember(protocol),
                new ConcurrentLinkedQueue<>(), changes);
    }

    /** An assign() consumer that commits with a group id but never joins the group. */
    private static void commitOutsideAGroup(String bootstrap, Map<TopicPartition, OffsetAndMetadata> offsets) {
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.groupConsumer(bootstrap, "standalone", Map.of())) {
            consumer.assign(List.of(P0, P1));
            consumer.commitSync(offsets, WAIT);
        }
    }

    private static void awaitOffsets(Admin admin, String group, Map<TopicPartition, OffsetAndMetadata> expected) {
        Await.until(group + " committed every record", WAIT, () -> offsets(admin, group).equals(expected),
                () -> offsets(admin, group).toString());
    }

    private static Map<TopicPartition, OffsetAndMetadata> offsets(Admin admin, String group) {
        try {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        } catch (ExecutionException e) {
            throw new AssertionError("listing the offsets of " + group + " failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
