package io.riverlog.testkit.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.LogTruncationException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;

/**
 * OffsetsForLeaderEpoch, as kafka-clients' consumer uses it (KIP-320): a position carrying a leader
 * epoch is checked against the end of that epoch before the consumer fetches from it. A position
 * within the log is kept; one past the end of its epoch is a detected log truncation
 * ({@link LogTruncationException}, with the offset where the epoch ends), not a plain offset out of
 * range, which is what a consumer gets from a broker that does not serve the API.
 */
class LeaderEpochTest {
    private static final String TOPIC = "epochs";
    private static final int RECORDS = 5;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;

    @Test
    void aPositionIsCheckedAgainstTheEndOfItsLeaderEpoch() throws Exception {
        TopicPartition partition = new TopicPartition(TOPIC, 0);
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            KafkaClients.createTopic(bootstrap, TOPIC, 1);
            try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(bootstrap,
                    Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
                for (int i = 0; i < RECORDS; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, 0, null, KafkaClients.value(i))).get();
                }
            }

            try (KafkaConsumer<byte[], byte[]> consumer = strictConsumer(bootstrap)) {
                consumer.assign(List.of(partition));
                consumer.seek(partition, new OffsetAndMetadata(3, Optional.of(0), ""));
                List<Long> offsets = new ArrayList<>();
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (offsets.size() < 2 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                        offsets.add(record.offset());
                    }
                }
                assertThat(offsets).containsExactly(3L, 4L);
            }

            try (KafkaConsumer<byte[], byte[]> consumer = strictConsumer(bootstrap)) {
                consumer.assign(List.of(partition));
                consumer.seek(partition, new OffsetAndMetadata(RECORDS + 5, Optional.of(0), ""));
                assertThatThrownBy(() -> {
                    long deadline = System.nanoTime() + WAIT.toNanos();
                    while (System.nanoTime() < deadline) {
                        consumer.poll(Duration.ofMillis(100));
                    }
                }).isInstanceOfSatisfying(LogTruncationException.class, truncated ->
                        assertThat(truncated.divergentOffsets()).containsEntry(partition,
                                new OffsetAndMetadata(RECORDS, Optional.of(0), "")));
            }
        }
    }

    /** A consumer that never resets its position by itself: a bad position is an exception. */
    private static KafkaConsumer<byte[], byte[]> strictConsumer(String bootstrap) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }
}
