package io.riverlog.testkit.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;
import io.riverlog.testkit.RawKafkaConnection;

/**
 * Fetch answers far larger than the client's socket can take at once: the broker sends them from
 * the segment files (the tail buffer is kept small, so the reads go to the log), stops when the
 * socket is full and goes on when the client has read, and the next answer follows only after the
 * whole of the first, byte for byte.
 */
class LargeFetchAnswersTest {
    private static final String TOPIC = "large-answers";
    private static final int RECORDS = 8_000;
    private static final int VALUE_BYTES = 1_000;
    private static final int ANSWER_MAX_BYTES = 16 << 20;
    private static final int CLIENT_RECEIVE_BUFFER = 4096;
    private static final short FETCH_VERSION = 12;

    @TempDir
    static Path dataDir;
    static EmbeddedBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedBroker.start(dataDir, Map.of("riverlog.partition.buffer-max-bytes", 64 * 1024));
        KafkaClients.createTopic(broker.bootstrapServers(), TOPIC, 1);
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), Map.of())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, null, value(i)));
            }
            producer.flush();
        }
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void twoPipelinedAnswersOfMegabytesReachASlowSocketWholeAndInOrder() throws Exception {
        try (RawKafkaConnection connection = new RawKafkaConnection(broker.bootstrapServers(), CLIENT_RECEIVE_BUFFER)) {
            // Both requests leave before anything is read: the first answer fills the socket.
            RequestHeader first = connection.send(ApiKeys.FETCH, FETCH_VERSION, fetch(0));
            RequestHeader second = connection.send(ApiKeys.FETCH, FETCH_VERSION, fetch(RECORDS / 2));

            List<Long> firstOffsets = offsetsAndValuesChecked(read(connection, first));
            List<Long> secondOffsets = offsetsAndValuesChecked(read(connection, second));

            assertThat(firstOffsets).hasSize(RECORDS).first().isEqualTo(0L);
            assertThat(firstOffsets).last().isEqualTo(RECORDS - 1L);
            assertThat(secondOffsets).hasSizeGreaterThanOrEqualTo(RECORDS / 2).last().isEqualTo(RECORDS - 1L);
        }
    }

    private static FetchRequestData fetch(long offset) {
        FetchRequestData body = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1)
                .setMaxBytes(ANSWER_MAX_BYTES).setIsolationLevel((byte) 0);
        body.topics().add(new FetchRequestData.FetchTopic().setTopic(TOPIC).setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(offset)
                        .setPartitionMaxBytes(ANSWER_MAX_BYTES).setLogStartOffset(-1).setCurrentLeaderEpoch(-1))));
        return body;
    }

    private static FetchResponseData read(RawKafkaConnection connection, RequestHeader request) throws Exception {
        return ((FetchResponse) connection.receive(request)).data();
    }

    private static List<Long> offsetsAndValuesChecked(FetchResponseData answer) {
        FetchResponseData.PartitionData partition = answer.responses().get(0).partitions().get(0);
        assertThat(Errors.forCode(partition.errorCode())).isEqualTo(Errors.NONE);
        List<Long> offsets = new ArrayList<>();
        for (RecordBatch batch : ((MemoryRecords) partition.records()).batches()) {
            batch.ensureValid();
            for (Record record : batch) {
                byte[] value = new byte[record.valueSize()];
                record.value().get(value);
                assertThat(value).as("value at offset %d", record.offset()).isEqualTo(value((int) record.offset()));
                offsets.add(record.offset());
            }
        }
        return offsets;
    }

    private static byte[] value(int index) {
        byte[] value = new byte[VALUE_BYTES];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) (index * 31 + i);
        }
        return value;
    }
}
