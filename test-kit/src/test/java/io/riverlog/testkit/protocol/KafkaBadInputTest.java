package io.riverlog.testkit.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.Batches;
import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;
import io.riverlog.testkit.RawKafkaConnection;
import io.riverlog.wal.TamperedBatches;

/**
 * Bad input gets a clear error or closes only its own connection; the broker stays up and a
 * well-behaved connection open at the same time does not notice.
 */
class KafkaBadInputTest {
    private static final short PRODUCE_VERSION = 9;
    private static final short METADATA_VERSION = 12;

    @TempDir
    static Path dataDir;
    static EmbeddedBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedBroker.start(dataDir, Map.of("riverlog.kafka.auto-create-topics", false,
                "riverlog.kafka.max-frame-bytes", 64 * 1024, "riverlog.partition.max-message-bytes", 8 * 1024));
        KafkaClients.createTopic(broker.bootstrapServers(), "bad-input", 1);
        KafkaClients.createTopic(broker.bootstrapServers(), "half-bad", 2);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void aBatchWithAWrongCrcIsRefusedAsCorruptAndNothingIsAppended() throws Exception {
        ByteBuffer records = Batches.raw("crc", 0, 5, 20, Compression.NONE);
        records.put(records.limit() - 1, (byte) (records.get(records.limit() - 1) ^ 1));
        try (RawKafkaConnection connection = new RawKafkaConnection(broker.bootstrapServers())) {
            assertThat(produce(connection, "bad-input", records)).isEqualTo(Errors.CORRUPT_MESSAGE);
            assertThat(produce(connection, "bad-input", Batches.raw("ok", 0, 1, 20, Compression.NONE)))
                    .isEqualTo(Errors.NONE);
        }
        assertThat(KafkaClients.readAll(broker.bootstrapServers(), KafkaClients.partitions("bad-input", 1), 1))
                .extracting(r -> new String(r.value()).substring(0, 4)).contains("ok:0").doesNotContain("crc:");
    }

    @Test
    void aBatchWhoseRecordCountDisagreesWithItsOffsetsIsInvalidAndTheGoodPartitionOfTheRequestIsAppended()
            throws Exception {
        ByteBuffer inconsistent = TamperedBatches.withRecordCount(Batches.raw("bad", 0, 5, 20, Compression.NONE), 3);
        ProduceRequestData request = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
        ProduceRequestData.TopicProduceData topicData = new ProduceRequestData.TopicProduceData().setName("half-bad");
        topicData.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
                .setRecords(MemoryRecords.readableRecords(inconsistent)));
        topicData.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(1)
                .setRecords(MemoryRecords.readableRecords(Batches.raw("good", 0, 4, 20, Compression.NONE))));
        request.topicData().add(topicData);
        try (RawKafkaConnection connection = new RawKafkaConnection(broker.bootstrapServers())) {
            List<ProduceResponseData.PartitionProduceResponse> answers = ((ProduceResponse) connection.call(
                    ApiKeys.PRODUCE, PRODUCE_VERSION, request)).data().responses().iterator().next()
                    .partitionResponses();
            assertThat(Errors.forCode(answers.get(0).errorCode())).isEqualTo(Errors.INVALID_RECORD);
            assertThat(answers.get(0).errorMessage()).contains("record count 3 does not match its last offset delta 4");
            assertThat(Errors.forCode(answers.get(1).errorCode())).isEqualTo(Errors.NONE);
            assertThat(answers.get(1).baseOffset()).isZero();
        }
        List<String> read = new ArrayList<>();
        Map<TopicPartition, Long> ends = KafkaClients.readToEnd(broker.bootstrapServers(),
                KafkaClients.partitions("half-bad", 2), r -> read.add(new String(r.value()).substring(0, 6)));
        assertThat(ends).containsEntry(new TopicPartition("half-bad", 0), 0L)
                .containsEntry(new TopicPartition("half-bad", 1), 4L);
        assertThat(read).containsExactly("good:0", "good:1", "good:2", "good:3");
    }

    @Test
    void aBatchLargerThanTheLimitIsRefusedAsTooLarge() throws Exception {
        try (RawKafkaConnection connection = new RawKafkaConnection(broker.bootstrapServers())) {
            assertThat(produce(connection, "bad-input", Batches.raw("big", 0, 20, 1000, Compression.NONE)))
                    .isEqualTo(Errors.MESSAGE_TOO_LARGE);
        }
    }

    @Test
    void aBatchThatCannotBeStoredInTheTopicsCodecIsInvalid() throws Exception {
        KafkaClients.createTopic(broker.bootstrapServers(), "bad-codec", 1, Map.of("compression.type", "lz4"));
        ByteBuffer negative = TamperedBatches.withBaseTimestamp(Batches.raw("neg", 0, 3, 20, Compression.NONE), -5000);
        try (RawKafkaConnection connection = new RawKafkaConnection(broker.bootstrapServers())) {
            assertThat(produce(connection, "bad-codec", negative)).isEqualTo(Errors.INVALID_RECORD);
            assertThat(produce(connection, "bad-codec", Batches.raw("ok", 0, 1, 20, Compression.NONE)))
                    .isEqualTo(Errors.NONE);
        }
    }

    @Test
    void anUnknownTopicIsUnknownWhenAutoCreationIsOff() throws Exception {
        try (RawKafkaConnection connection = new RawKafkaConnection(broker.bootstrapServers())) {
            assertThat(produce(connection, "no-such-topic", Batches.raw("x", 0, 1, 10, Compression.NONE)))
                    .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
            MetadataRequestData request = new MetadataRequestData().setAllowAutoTopicCreation(true)
                    .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName("no-such-topic")));
            MetadataResponseData metadata = ((MetadataResponse) connection.call(ApiKeys.METADATA, METADATA_VERSION,
                    request)).data();
            assertThat(Errors.forCode(metadata.topics().iterator().next().errorCode()))
                    .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        }
    }

    @Test
    void garbageAndOversizedFramesCloseOnlyTheirOwnConnection() throws Exception {
        try (RawKafkaConnection healthy = new RawKafkaConnection(broker.bootstrapServers())) {
            assertThat(produce(healthy, "bad-input", Batches.raw("before", 0, 1, 10, Compression.NONE)))
                    .isEqualTo(Errors.NONE);

            try (RawKafkaConnection garbage = new RawKafkaConnection(broker.bootstrapServers())) {
                garbage.writeRaw(
                        new byte[] {0, 0, 0, 8, (byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef, 1, 2, 3, 4});
                assertThat(garbage.closedByBroker()).isTrue();
            }
            try (RawKafkaConnection oversized = new RawKafkaConnection(broker.bootstrapServers())) {
                oversized.writeRaw(ByteBuffer.allocate(4).putInt(10 * 1024 * 1024).array());
                assertThat(oversized.closedByBroker()).isTrue();
            }
            try (RawKafkaConnection tooOld = new RawKafkaConnection(broker.bootstrapServers())) {
                // A produce request in version 2, which Kafka 4 clients no longer send and this broker refuses.
                tooOld.writeRaw(new byte[] {0, 0, 0, 10, 0, 0, 0, 2, 0, 0, 0, 9, 0, 0});
                assertThat(tooOld.closedByBroker()).isTrue();
            }
            assertThat(produce(healthy, "bad-input", Batches.raw("after", 0, 1, 10, Compression.NONE)))
                    .isEqualTo(Errors.NONE);
        }
    }

    private static Errors produce(RawKafkaConnection connection, String topic, ByteBuffer records) throws Exception {
        ProduceRequestData request = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
        ProduceRequestData.TopicProduceData topicData = new ProduceRequestData.TopicProduceData().setName(topic);
        topicData.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
                .setRecords(MemoryRecords.readableRecords(records)));
        request.topicData().add(topicData);
        ProduceResponseData response =
                ((ProduceResponse) connection.call(ApiKeys.PRODUCE, PRODUCE_VERSION, request)).data();
        return Errors.forCode(response.responses().iterator().next().partitionResponses().get(0).errorCode());
    }
}
