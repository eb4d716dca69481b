package io.riverlog.testkit.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeProducersResponseData.PartitionResponse;
import org.apache.kafka.common.message.DescribeProducersResponseData.TopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.DescribeProducersResponse;
import org.apache.kafka.tools.TransactionsCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;
import io.riverlog.testkit.KafkaTool;
import io.riverlog.testkit.RawKafkaConnection;
import io.riverlog.wal.LogFiles;

/**
 * DescribeProducers: the admin client's describeProducers and Apache Kafka's transactions command
 * ({@code describe-producers}) list the idempotent producers that wrote to a partition, each with
 * the id, epoch, last sequence and last timestamp its batches carry in the log; a partition nobody
 * produced to has none, and one that does not exist is answered as unknown.
 */
class ActiveProducersTest {
    private static final String TOPIC = "produced";
    /** Records each of two producers sends to partition 0, one after the other. */
    private static final int[] RECORDS = {25, 4};
    /** The timestamp of each producer's first record; each next record's is one more. */
    private static final long[] FIRST_TIMESTAMPS = {1_700_000_000_000L, 1_600_000_000_000L};

    @TempDir
    static Path dataDir;
    private static EmbeddedBroker broker;
    /** Each producer's last batch in partition 0, read back from the segment files, in the order they wrote. */
    private static List<RecordBatch> lastBatches;

    @BeforeAll
    static void startAndProduce() throws Exception {
        broker = EmbeddedBroker.start(dataDir);
        KafkaClients.createTopic(broker.bootstrapServers(), TOPIC, 2);
        for (int p = 0; p < RECORDS.length; p++) {
            // kafka-clients' default producer is idempotent.
            try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(),
                    Map.of())) {
                for (int i = 0; i < RECORDS[p]; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, 0, FIRST_TIMESTAMPS[p] + i, null,
                            KafkaClients.value(i))).get();
                }
            }
        }
        Map<Long, RecordBatch> lastByProducer = new LinkedHashMap<>();
        for (RecordBatch batch : batchesInTheLog(new TopicPartition(TOPIC, 0))) {
            lastByProducer.put(batch.producerId(), batch);
        }
        lastBatches = List.copyOf(lastByProducer.values());
        assertThat(lastBatches).hasSize(RECORDS.length).allMatch(RecordBatch::hasProducerId);
        for (int p = 0; p < RECORDS.length; p++) {
            assertThat(lastBatches.get(p).lastSequence()).isEqualTo(RECORDS[p] - 1);
            assertThat(lastBatches.get(p).maxTimestamp()).isEqualTo(FIRST_TIMESTAMPS[p] + RECORDS[p] - 1);
        }
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void theAdminClientListsTheIdempotentProducersOfAPartitionAndNoneOfAnother() throws Exception {
        try (Admin admin = KafkaClients.admin(broker.bootstrapServers())) {
            TopicPartition written = new TopicPartition(TOPIC, 0);
            TopicPartition untouched = new TopicPartition(TOPIC, 1);
            var described = admin.describeProducers(List.of(written, untouched)).all().get();

            // No transactions: no coordinator epoch, no transaction open.
            assertThat(described.get(written).activeProducers()).containsExactlyInAnyOrder(
                    lastBatches.stream().map(batch -> new ProducerState(batch.producerId(), batch.producerEpoch(),
                            batch.lastSequence(), batch.maxTimestamp(), OptionalInt.empty(), OptionalLong.empty()))
                            .toArray(ProducerState[]::new));
            assertThat(described.get(untouched).activeProducers()).isEmpty();
        }
    }

    @Test
    void aPartitionThatDoesNotExistIsAnsweredUnknownAndTheOthersAreStillDescribed() throws Exception {
        // Sent as it is: the admin client would retry an unknown partition until its timeout.
        DescribeProducersRequestData request = new DescribeProducersRequestData();
        request.topics().add(new DescribeProducersRequestData.TopicRequest().setName(TOPIC)
                .setPartitionIndexes(List.of(0, 2)));
        request.topics().add(new DescribeProducersRequestData.TopicRequest().setName("no-such-topic")
                .setPartitionIndexes(List.of(0)));
        DescribeProducersResponseData response;
        try (RawKafkaConnection connection = new RawKafkaConnection(broker.bootstrapServers())) {
            response = ((DescribeProducersResponse) connection.call(ApiKeys.DESCRIBE_PRODUCERS,
                    ApiKeys.DESCRIBE_PRODUCERS.latestVersion(), request)).data();
        }

        assertThat(response.topics()).extracting(TopicResponse::name).containsExactly(TOPIC, "no-such-topic");
        List<PartitionResponse> ofTopic = response.topics().get(0).partitions();
        assertThat(ofTopic).extracting(PartitionResponse::partitionIndex, PartitionResponse::errorCode)
                .containsExactly(tuple(0, Errors.NONE.code()), tuple(2, Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
        assertThat(ofTopic.get(0).activeProducers()).extracting(producer -> producer.producerId())
                .containsExactlyInAnyOrderElementsOf(lastBatches.stream().map(RecordBatch::producerId).toList());
        assertThat(ofTopic.get(1).activeProducers()).isEmpty();
        assertThat(response.topics().get(1).partitions()).extracting(PartitionResponse::errorCode)
                .containsExactly(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
    }

    @Test
    void theTransactionsCommandDescribesTheProducers() throws Exception {
        String output = KafkaTool.run("kafka-transactions", TransactionsCommand::main,
                "--bootstrap-server", broker.bootstrapServers(), "describe-producers", "--topic", TOPIC,
                "--partition", "0");

        assertThat(output).contains("ProducerId");
        // The table's rows, each starting with a producer id (lines logged meanwhile start with a time).
        List<List<String>> rows = output.lines().map(String::trim).filter(line -> line.matches("\\d+\\s.*"))
                .map(line -> List.of(line.split("\\s+"))).toList();
        // ProducerId ProducerEpoch LatestCoordinatorEpoch LastSequence LastTimestamp CurrentTransactionStartOffset:
        // the command prints a coordinator epoch the broker does not know as -1, a transaction not open as None.
        assertThat(rows).containsExactlyInAnyOrderElementsOf(lastBatches.stream().map(batch -> List.of(
                String.valueOf(batch.producerId()), String.valueOf(batch.producerEpoch()), "-1",
                String.valueOf(batch.lastSequence()), String.valueOf(batch.maxTimestamp()), "None")).toList());
    }

    /** The batches of the partition's segment files, oldest first. */
    private static List<RecordBatch> batchesInTheLog(TopicPartition partition) throws IOException {
        Path dir = dataDir.resolve("topics").resolve(partition.topic() + "-" + partition.partition());
        List<RecordBatch> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path segment : files.filter(file -> file.getFileName().toString().endsWith(LogFiles.LOG_SUFFIX))
                    .sorted().toList()) {
                MemoryRecords.readableRecords(ByteBuffer.wrap(Files.readAllBytes(segment))).batches()
                        .forEach(out::add);
            }
        }
        return out;
    }
}
