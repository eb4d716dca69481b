package io.riverlog.api.kafka.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestUtils;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.wal.LogSlice;

class KafkaResponseEncoderTest {
    private static final short VERSION = ApiKeys.FETCH.latestVersion();
    private static final org.apache.kafka.common.Uuid TOPIC_ID = org.apache.kafka.common.Uuid.randomUuid();

    @Test
    void aFetchAnswerIsTheSerializedResponseBehindItsSizePrefix() {
        MemoryRecords records = records("first", "second", "third");
        KafkaRequest request = fetchRequest();
        FetchResponseData answer = answer(records);

        ByteString frame = KafkaResponseEncoder.encode(request.header(), answer).toByteString();

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

        ResponseFrame frame = KafkaResponseEncoder.encode(request.header(), answer(records));
        ByteBuffer batch = records.buffer();
        batch.array()[batch.arrayOffset()] ^= (byte) 0xFF;
        byte[] changed = new byte[batch.remaining()];
        batch.get(changed);

        assertThat(indexOf(frame.toByteString().toArray(), changed)).isNotNegative();
    }

    @Test
    void batchesInASegmentFileStayARegionOfThatFile(@TempDir Path dir) throws IOException {
        MemoryRecords records = records("on", "disk");
        Path file = dir.resolve("00000000000000000000.log");
        byte[] before = "bytes before the region".getBytes(StandardCharsets.UTF_8);
        Files.write(file, ByteString.fromArray(before).concat(ByteString.fromByteBuffer(records.buffer())).toArray());
        KafkaRequest request = fetchRequest();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            LogSlice slice = new LogSlice(file, channel, before.length, records.sizeInBytes(), 0, 2);

            ResponseFrame frame = KafkaResponseEncoder.encode(request.header(), answer(new LogRegionRecords(slice)));

            assertThat(frame.parts()).filteredOn(ResponseFrame.FileRegion.class::isInstance).singleElement()
                    .isEqualTo(new ResponseFrame.FileRegion(channel, before.length, records.sizeInBytes()));
            assertThat(frame.toByteString()).isEqualTo(
                    KafkaResponseEncoder.encode(request.header(), answer(records)).toByteString());
        }
    }

    @Test
    void bufferedBatchesLeaveOneAfterTheOtherAsIfJoined() {
        MemoryRecords first = records("one", "two");
        MemoryRecords second = records("three");
        ByteBuffer joined = ByteBuffer.allocate(first.sizeInBytes() + second.sizeInBytes());
        joined.put(first.buffer()).put(second.buffer()).flip();
        KafkaRequest request = fetchRequest();

        ResponseFrame frame = KafkaResponseEncoder.encode(request.header(),
                answer(new BufferedBatchesRecords(List.of(first.buffer(), second.buffer()), 0, 3)));

        assertThat(frame.toByteString()).isEqualTo(KafkaResponseEncoder.encode(request.header(),
                answer(MemoryRecords.readableRecords(joined))).toByteString());
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

    private static FetchResponseData answer(BaseRecords records) {
        FetchResponseData answer = new FetchResponseData().setSessionId(0);
        FetchResponseData.FetchableTopicResponse topic = new FetchResponseData.FetchableTopicResponse()
                .setTopicId(TOPIC_ID);
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
