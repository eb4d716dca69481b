package io.riverlog.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    private static final int TIMEOUT_MS = 60_000;
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
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(CLIENT_RECEIVE_BUFFER);
            String[] hostPort = broker.bootstrapServers().split(":");
            socket.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            // Both requests leave before anything is read: the first answer fills the socket.
            RequestHeader first = send(socket, 1, 0, ANSWER_MAX_BYTES);
            RequestHeader second = send(socket, 2, RECORDS / 2, ANSWER_MAX_BYTES);
            DataInputStream in = new DataInputStream(socket.getInputStream());

            List<Long> firstOffsets = offsetsAndValuesChecked(read(in, first));
            List<Long> secondOffsets = offsetsAndValuesChecked(read(in, second));

            assertThat(firstOffsets).hasSize(RECORDS).first().isEqualTo(0L);
            assertThat(firstOffsets).last().isEqualTo(RECORDS - 1L);
            assertThat(secondOffsets).hasSizeGreaterThanOrEqualTo(RECORDS / 2).last().isEqualTo(RECORDS - 1L);
        }
    }

    private static RequestHeader send(Socket socket, int correlationId, long offset, int maxBytes) throws Exception {
        FetchRequestData body = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1)
                .setMaxBytes(maxBytes).setIsolationLevel((byte) 0);
        body.topics().add(new FetchRequestData.FetchTopic().setTopic(TOPIC).setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(offset)
                        .setPartitionMaxBytes(maxBytes).setLogStartOffset(-1).setCurrentLeaderEpoch(-1))));
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(ApiKeys.FETCH.id)
                .setRequestApiVersion(FETCH_VERSION).setCorrelationId(correlationId).setClientId("large-answers");
        short headerVersion = ApiKeys.FETCH.requestHeaderVersion(FETCH_VERSION);
        ByteBuffer bytes = RequestUtils.serialize(header, headerVersion, body, FETCH_VERSION);
        socket.getOutputStream().write(ByteBuffer.allocate(4 + bytes.remaining()).putInt(bytes.remaining())
                .put(bytes).array());
        socket.getOutputStream().flush();
        return new RequestHeader(header, headerVersion);
    }

    /** Reads one answer; parsing checks its correlation id against the request's. */
    private static FetchResponseData read(DataInputStream in, RequestHeader request) throws Exception {
        byte[] frame = new byte[in.readInt()];
        in.readFully(frame);
        FetchResponse response = (FetchResponse) AbstractResponse.parseResponse(ByteBuffer.wrap(frame), request);
        return response.data();
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
