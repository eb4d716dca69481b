package io.riverlog.api.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestUtils;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;

class KafkaResponseEncoderTest {
    private static final short VERSION = ApiKeys.FETCH.latestVersion();

    @Test
    void aFetchAnswerIsTheSerializedResponseBehindItsSizePrefix() {
        MemoryRecords records = records("first", "second", "third");
        KafkaRequest request = fetchRequest();
        FetchResponseData answer = answer(records);

        ByteString frame = KafkaResponseEncoder.encode(request.header(), answer);

        ResponseHeader header = request.header().toResponseHeader();
        ByteBuffer expected = RequestUtils.serialize(header.data(), header.headerVersion(), answer, VERSION);
        assertThat(frame.take(4).toByteBuffer().getInt()).isEqualTo(expected.remaining());
        assertThat(frame.drop(4).toByteBuffer()).isEqualTo(expected);
        FetchResponse parsed = (FetchResponse) org.apache.kafka.common.requests.AbstractResponse.parseResponse(
                frame.drop(4).toByteBuffer(), request.header());
        assertThat(parsed.data().responses().get(0).partitions().get(0).records().sizeInBytes())
                .isEqualTo(records.sizeInBytes());
    }

    @Test
    void theBatchesAreSharedNotCopied() {
        MemoryRecords records = records("shared");
        KafkaRequest request = fetchRequest();

        ByteString frame = KafkaResponseEncoder.encode(request.header(), answer(records));
        ByteBuffer batch = records.buffer();
        batch.array()[batch.arrayOffset()] ^= (byte) 0xFF;
        byte[] changed = new byte[batch.remaining()];
        batch.get(changed);

        assertThat(indexOf(frame.toArray(), changed)).isNotNegative();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static KafkaRequest fetchRequest() {
        FetchRequestData body = new FetchRequestData().setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20);
        return KafkaRequestDecoder.decode(KafkaCodecTest.frame(ApiKeys.FETCH, VERSION, 7, body), 9092);
    }

    private static FetchResponseData answer(MemoryRecords records) {
        FetchResponseData answer = new FetchResponseData().setSessionId(0);
        FetchResponseData.FetchableTopicResponse topic = new FetchResponseData.FetchableTopicResponse()
                .setTopicId(org.apache.kafka.common.Uuid.randomUuid());
        topic.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(0).setHighWatermark(3)
                .setLastStableOffset(3).setLogStartOffset(0).setRecords(records));
        answer.responses().add(topic);
        return answer;
    }

    private static MemoryRecords records(String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }
}
