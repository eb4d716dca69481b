package io.riverlog.testkit.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;

/**
 * An idempotent producer keeps several produce requests in flight on one connection. They must be
 * appended in the order they were sent, even the first ones, while the broker is still looking the
 * new partition up: otherwise a later batch arrives first and is refused as out of order.
 */
class PipelinedProduceKeepsRequestOrderTest {
    private static final short PRODUCE_VERSION = 9;
    private static final int REQUESTS = 20;
    private static final int RECORDS_PER_BATCH = 5;
    private static final long PRODUCER_ID = 4242;

    @TempDir
    Path dataDir;

    @RepeatedTest(3)
    void pipelinedIdempotentRequestsToAFreshTopicAreAllAppendedInOrder() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir)) {
            KafkaClients.createTopic(broker.bootstrapServers(), "pipelined", 1);
            String[] hostPort = broker.bootstrapServers().split(":");
            try (Socket socket = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
                socket.setSoTimeout(30_000);
                List<RequestHeader> headers = new ArrayList<>();
                for (int i = 0; i < REQUESTS; i++) {
                    headers.add(sendProduce(socket, i));
                }
                DataInputStream in = new DataInputStream(socket.getInputStream());
                long previousOffset = -1;
                for (RequestHeader header : headers) {
                    byte[] frame = new byte[in.readInt()];
                    in.readFully(frame);
                    AbstractResponse response = AbstractResponse.parseResponse(ByteBuffer.wrap(frame), header);
                    var partition = ((ProduceResponse) response).data().responses().iterator().next()
                            .partitionResponses().get(0);
                    assertThat(Errors.forCode(partition.errorCode())).as("request %d", header.correlationId())
                            .isEqualTo(Errors.NONE);
                    assertThat(partition.baseOffset()).isGreaterThan(previousOffset);
                    previousOffset = partition.baseOffset();
                }
                assertThat(previousOffset).isEqualTo((long) (REQUESTS - 1) * RECORDS_PER_BATCH);
            }
        }
    }

    private static RequestHeader sendProduce(Socket socket, int index) throws Exception {
        SimpleRecord[] records = new SimpleRecord[RECORDS_PER_BATCH];
        for (int r = 0; r < RECORDS_PER_BATCH; r++) {
            records[r] = new SimpleRecord(r, null, ("r" + (index * RECORDS_PER_BATCH + r)).getBytes());
        }
        MemoryRecords batch = MemoryRecords.withIdempotentRecords(Compression.NONE, PRODUCER_ID, (short) 0,
                index * RECORDS_PER_BATCH, records);
        ProduceRequestData request = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName("pipelined");
        topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(batch));
        request.topicData().add(topic);
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(ApiKeys.PRODUCE.id)
                .setRequestApiVersion(PRODUCE_VERSION).setCorrelationId(index).setClientId("pipelined");
        short headerVersion = ApiKeys.PRODUCE.requestHeaderVersion(PRODUCE_VERSION);
        ByteBuffer bytes = RequestUtils.serialize(header, headerVersion, request, PRODUCE_VERSION);
        ByteBuffer frame = ByteBuffer.allocate(4 + bytes.remaining()).putInt(bytes.remaining()).put(bytes).flip();
        socket.getOutputStream().write(frame.array());
        return new RequestHeader(header, headerVersion);
    }
}
