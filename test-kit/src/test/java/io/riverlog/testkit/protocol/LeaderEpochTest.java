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
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;
import io.riverlog.testkit.RawKafkaConnection;

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

    /**
     * Over the bare protocol (Fetch v12, OffsetsForLeaderEpoch v4): a client whose idea of the current
     * epoch is newer is told UNKNOWN_LEADER_EPOCH (none can be older than the first epoch, 0, yet); one
     * that sends none (-1) is not checked; asked for an epoch the partition never had, the answer is
     * undefined.
     */
    @Test
    void aClientWithAnotherCurrentEpochIsToldSo() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir)) {
            KafkaClients.createTopic(broker.bootstrapServers(), TOPIC, 1);
            try (RawKafkaConnection connection = new RawKafkaConnection(broker.bootstrapServers())) {
                assertThat(fetchError(connection, 1)).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);
                assertThat(fetchError(connection, 0)).isEqualTo(Errors.NONE);
                assertThat(fetchError(connection, -1)).isEqualTo(Errors.NONE);

                assertThat(endOffset(connection, -1, 0).errorCode()).isEqualTo(Errors.NONE.code());
                assertThat(endOffset(connection, 1, 0).errorCode()).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH.code());
                EpochEndOffset never = endOffset(connection, 0, 7);
                assertThat(never.errorCode()).isEqualTo(Errors.NONE.code());
                assertThat(never.leaderEpoch()).isEqualTo(-1);
                assertThat(never.endOffset()).isEqualTo(-1L);
                EpochEndOffset current = endOffset(connection, 0, 0);
                assertThat(current.leaderEpoch()).isZero();
                assertThat(current.endOffset()).isZero();
            }
        }
    }

    private static Errors fetchError(RawKafkaConnection connection, int currentLeaderEpoch) throws Exception {
        FetchRequestData body = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1)
                .setMaxBytes(1 << 20).setIsolationLevel((byte) 0);
        body.topics().add(new FetchRequestData.FetchTopic().setTopic(TOPIC).setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                        .setPartitionMaxBytes(1 << 20).setLogStartOffset(-1)
                        .setCurrentLeaderEpoch(currentLeaderEpoch))));
        FetchResponseData answer = ((FetchResponse) connection.call(ApiKeys.FETCH, (short) 12, body)).data();
        return Errors.forCode(answer.responses().get(0).partitions().get(0).errorCode());
    }

    private static EpochEndOffset endOffset(RawKafkaConnection connection, int currentLeaderEpoch, int leaderEpoch)
            throws Exception {
        OffsetForLeaderEpochRequestData body = new OffsetForLeaderEpochRequestData().setReplicaId(-1);
        body.topics().add(new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic(TOPIC)
                .setPartitions(List.of(new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition().setPartition(0)
                        .setCurrentLeaderEpoch(currentLeaderEpoch).setLeaderEpoch(leaderEpoch))));
        OffsetForLeaderEpochResponseData answer = ((OffsetsForLeaderEpochResponse) connection.call(
                ApiKeys.OFFSET_FOR_LEADER_EPOCH, (short) 4, body)).data();
        return answer.topics().iterator().next().partitions().get(0);
    }

    /** A consumer that never resets its position by itself: a bad position is an exception. */
    private static KafkaConsumer<byte[], byte[]> strictConsumer(String bootstrap) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }
}
