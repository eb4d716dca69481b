package io.riverlog.api.kafka.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The codec over every version kafka-clients knows of every API Riverlog serves. */
public class KafkaCodecTest {
    /** Every API the route table serves; {@code KafkaApisTest} holds the two to each other. */
    public static final List<ApiKeys> SERVED = List.of(ApiKeys.API_VERSIONS, ApiKeys.METADATA, ApiKeys.PRODUCE,
            ApiKeys.FETCH, ApiKeys.LIST_OFFSETS, ApiKeys.INIT_PRODUCER_ID, ApiKeys.CREATE_TOPICS,
            ApiKeys.DELETE_TOPICS, ApiKeys.CREATE_PARTITIONS, ApiKeys.DESCRIBE_CONFIGS,
            ApiKeys.INCREMENTAL_ALTER_CONFIGS, ApiKeys.ALTER_CONFIGS, ApiKeys.DESCRIBE_CLUSTER,
            ApiKeys.FIND_COORDINATOR, ApiKeys.JOIN_GROUP, ApiKeys.SYNC_GROUP, ApiKeys.HEARTBEAT, ApiKeys.LEAVE_GROUP,
            ApiKeys.OFFSET_COMMIT, ApiKeys.OFFSET_FETCH, ApiKeys.OFFSET_DELETE, ApiKeys.LIST_GROUPS,
            ApiKeys.DESCRIBE_GROUPS, ApiKeys.DELETE_GROUPS, ApiKeys.CONSUMER_GROUP_HEARTBEAT,
            ApiKeys.CONSUMER_GROUP_DESCRIBE, ApiKeys.DELETE_RECORDS, ApiKeys.DESCRIBE_LOG_DIRS,
            ApiKeys.DESCRIBE_PRODUCERS, ApiKeys.OFFSET_FOR_LEADER_EPOCH, ApiKeys.ELECT_LEADERS,
            ApiKeys.ALTER_PARTITION_REASSIGNMENTS, ApiKeys.LIST_PARTITION_REASSIGNMENTS);

    static Stream<Arguments> everyVersion() {
        List<Arguments> out = new ArrayList<>();
        for (ApiKeys key : SERVED) {
            for (short version : key.allVersions()) {
                out.add(Arguments.of(key, version));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} v{1}")
    @MethodSource("everyVersion")
    void aRequestDecodesToWhatWasSentAndItsErrorResponseEncodesForTheSameVersion(ApiKeys key, short version) {
        ApiMessage sent = ApiMessageType.fromApiKey(key.id).newRequest();
        if (sent instanceof org.apache.kafka.common.message.ProduceRequestData produce) {
            produce.setAcks((short) -1);
        }
        ByteBuffer frame = frame(key, version, 42, sent);
        ByteBuffer original = frame.duplicate();

        KafkaRequest request = KafkaRequestDecoder.decode(frame, 9092);
        assertThat(request.apiKey()).isEqualTo(key);
        assertThat(request.apiVersion()).isEqualTo(version);
        assertThat(request.header().correlationId()).isEqualTo(42);
        assertThat(request.header().clientId()).isEqualTo("codec-test");
        assertThat(frame(key, version, 42, request.body().data())).isEqualTo(original);

        AbstractResponse error = request.body().getErrorResponse(0, new UnknownServerException("boom"));
        ByteBuffer encoded = encoded(request.header(), error.data());
        AbstractResponse parsed = AbstractResponse.parseResponse(encoded, request.header());
        assertThat(parsed.apiKey()).isEqualTo(key);
        // Old versions of some APIs have no field for a top-level error: then the error reads as NONE.
        assertThat(parsed.errorCounts().keySet()).isSubsetOf(
                Errors.UNKNOWN_SERVER_ERROR, Errors.NONE);
    }

    @Test
    void anApiVersionsRequestNewerThanWeKnowIsDecodedAsVersionZero() {
        short newer = (short) (ApiKeys.API_VERSIONS.latestVersion() + 1);
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(ApiKeys.API_VERSIONS.id)
                .setRequestApiVersion(newer).setCorrelationId(7).setClientId("future-client");
        ByteBuffer frame = RequestUtils.serialize(header, (short) 2,
                ApiMessageType.API_VERSIONS.newRequest(), ApiKeys.API_VERSIONS.latestVersion());
        KafkaRequest request = KafkaRequestDecoder.decode(frame, 9092);
        assertThat(request.apiKey()).isEqualTo(ApiKeys.API_VERSIONS);
        assertThat(request.body().version()).isZero();
    }

    @Test
    void garbageUnknownKeysAndTruncatedBodiesAreMalformed() {
        assertThatThrownBy(() -> KafkaRequestDecoder.decode(ByteBuffer.wrap(new byte[] {1, 2, 3}), 9092))
                .isInstanceOf(MalformedRequestException.class);
        ByteBuffer unknownKey = ByteBuffer.allocate(20).putShort((short) 9999).putShort((short) 0).putInt(1)
                .putShort((short) -1).flip();
        assertThatThrownBy(() -> KafkaRequestDecoder.decode(unknownKey, 9092))
                .isInstanceOf(MalformedRequestException.class);
        ByteBuffer produceV2 = frameRaw(ApiKeys.PRODUCE.id, (short) 2);
        assertThatThrownBy(() -> KafkaRequestDecoder.decode(produceV2, 9092))
                .isInstanceOf(MalformedRequestException.class)
                .hasMessageContaining("PRODUCE version 2 is not supported");
        ByteBuffer metadata = frame(ApiKeys.METADATA, (short) 12, 1, ApiMessageType.METADATA.newRequest());
        ByteBuffer truncated = metadata.duplicate().limit(metadata.limit() - 3).slice();
        assertThatThrownBy(() -> KafkaRequestDecoder.decode(truncated, 9092))
                .isInstanceOf(MalformedRequestException.class);
    }

    /** A request frame as a client sends it, without its size prefix. */
    public static ByteBuffer frame(ApiKeys key, short version, int correlationId, ApiMessage body) {
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(key.id).setRequestApiVersion(version)
                .setCorrelationId(correlationId).setClientId("codec-test");
        return RequestUtils.serialize(header, key.requestHeaderVersion(version), body, version);
    }

    /** The answer to a request with this header as it is encoded, without its size prefix. */
    public static ByteBuffer encoded(RequestHeader requestHeader, ApiMessage answer) {
        return KafkaResponseEncoder.encode(requestHeader, answer).toByteString().drop(4).toByteBuffer();
    }

    private static ByteBuffer frameRaw(short apiKey, short version) {
        return ByteBuffer.allocate(16).putShort(apiKey).putShort(version).putInt(5).putShort((short) 4)
                .put("test".getBytes()).flip();
    }
}
