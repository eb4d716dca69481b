package io.riverlog.testkit.groups;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;

/**
 * Offsets committed by consumers that assign partitions themselves (no group membership, generation
 * -1): read back as committed, and still there after the broker restarts on the same data.
 */
class CommittedOffsetsTest {
    @TempDir
    Path dataDir;

    @Test
    void offsetsCommittedByAnAssigningConsumerAreReadBackAfterARestart() throws Exception {
        String topic = "assigned";
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);
        Map<TopicPartition, OffsetAndMetadata> committed = Map.of(
                p0, new OffsetAndMetadata(42, "first"),
                p1, new OffsetAndMetadata(7));
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir)) {
            KafkaClients.createTopic(broker.bootstrapServers(), topic, 2);
            try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.groupConsumer(broker.bootstrapServers(),
                    "assigners", Map.of())) {
                consumer.assign(Set.of(p0, p1));
                assertThat(consumer.committed(Set.of(p0, p1), KafkaClients.TIMEOUT))
                        .containsEntry(p0, null).containsEntry(p1, null);
                consumer.commitSync(committed, KafkaClients.TIMEOUT);
                consumer.commitSync(Map.of(p1, new OffsetAndMetadata(9, "second")), KafkaClients.TIMEOUT);
                assertThat(consumer.committed(Set.of(p0, p1), KafkaClients.TIMEOUT)).containsExactlyInAnyOrderEntriesOf(
                        Map.of(p0, new OffsetAndMetadata(42, "first"), p1, new OffsetAndMetadata(9, "second")));
            }
        }
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir);
             KafkaConsumer<byte[], byte[]> consumer = KafkaClients.groupConsumer(broker.bootstrapServers(),
                     "assigners", Map.of())) {
            consumer.assign(Set.of(p0, p1));
            assertThat(consumer.committed(Set.of(p0, p1), KafkaClients.TIMEOUT)).containsExactlyInAnyOrderEntriesOf(
                    Map.of(p0, new OffsetAndMetadata(42, "first"), p1, new OffsetAndMetadata(9, "second")));
            assertThat(consumer.position(p0, KafkaClients.TIMEOUT)).isEqualTo(42);
        }
    }
}
