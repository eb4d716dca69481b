package io.riverlog.testkit.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Future;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.FetchResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.riverlog.testkit.BrokerProcess;
import io.riverlog.testkit.KafkaClients;
import io.riverlog.testkit.RawKafkaConnection;

/**
 * A real broker process is killed (kill -9) and its segments are damaged before it starts again, as
 * a crash mid-write or a bad disk leaves them. Past the last fsync (what was never acknowledged): a
 * batch torn in the middle, a whole batch with a flipped bit. The broker cuts them, logs where and
 * how much, and consumers read exactly the acknowledged records. Inside fsynced data (acknowledged):
 * a flipped bit in the last batch of a partition. That batch is kept, never cut and never served: a
 * fetch of its offsets is answered {@code KAFKA_STORAGE_ERROR} (the other partition of the same
 * fetch is served), {@code GET /v1/topics/{t}} lists it with file, positions and offsets, the log
 * names them, the records before it are read, and the partition takes appends after its
 * acknowledged records (its end is certain from the fsynced recovery point).
 */
class DamagedSegmentsAtStartIT {
    private static final int RECORDS_PER_PARTITION = 300;
    private static final String SEGMENT = "00000000000000000000.log";
    private static final int BASE_OFFSET_BYTES = 8;
    private static final int LENGTH_BYTES = 4;
    /** Bytes of a v2 batch header before its records: a flipped bit after it breaks the CRC32C. */
    private static final int BATCH_HEADER_BYTES = 61;
    private static final short FETCH_VERSION = 12;
    private static final int FETCH_MAX_BYTES = 1024 * 1024;

    @TempDir
    Path tmp;

    @Test
    void aDamagedUnflushedTailIsCutAndReportedAndDamagedFsyncedDataIsRefusedWhileTheRestIsServed() throws Exception {
        TopicPartition torn = new TopicPartition("tail", 0);
        TopicPartition flipped = new TopicPartition("tail", 1);
        TopicPartition corrupt = new TopicPartition("fsynced", 0);
        Random random = new Random(7);
        try (BrokerProcess broker = BrokerProcess.start(tmp.resolve("data"))) {
            KafkaClients.createTopic(broker.bootstrapServers(), "tail", 2);
            KafkaClients.createTopic(broker.bootstrapServers(), "fsynced", 1);
            Map<TopicPartition, List<byte[]>> acknowledged = produce(broker, List.of(torn, flipped, corrupt), random);
            broker.kill();

            Path topics = broker.dataDir().resolve("topics");
            Path tornSegment = topics.resolve("tail-0").resolve(SEGMENT);
            long tornEnd = Files.size(tornSegment);
            byte[] next = copyOfLastBatchAt(tornSegment, RECORDS_PER_PARTITION);
            append(tornSegment, java.util.Arrays.copyOf(next, next.length / 2));

            Path flippedSegment = topics.resolve("tail-1").resolve(SEGMENT);
            long flippedEnd = Files.size(flippedSegment);
            byte[] whole = copyOfLastBatchAt(flippedSegment, RECORDS_PER_PARTITION);
            whole[BATCH_HEADER_BYTES + random.nextInt(whole.length - BATCH_HEADER_BYTES)] ^= 1 << random.nextInt(8);
            append(flippedSegment, whole);

            Path corruptSegment = topics.resolve("fsynced-0").resolve(SEGMENT);
            long lastBatch = lastBatchPosition(corruptSegment);
            long flippedAt = lastBatch + BATCH_HEADER_BYTES
                    + random.nextInt((int) (Files.size(corruptSegment) - lastBatch - BATCH_HEADER_BYTES));
            flipBit(corruptSegment, flippedAt);

            broker.restart();
            assertThat(readBack(broker, torn)).containsExactlyElementsOf(texts(acknowledged.get(torn)));
            assertThat(readBack(broker, flipped)).containsExactlyElementsOf(texts(acknowledged.get(flipped)));

            long damagedBase = ByteBuffer.wrap(Files.readAllBytes(corruptSegment)).getLong((int) lastBatch);
            FetchResponseData answer = fetch(broker, Map.of(corrupt, damagedBase, torn, 0L));
            assertThat(errorOf(answer, corrupt)).isEqualTo(Errors.KAFKA_STORAGE_ERROR);
            assertThat(errorOf(answer, torn)).isEqualTo(Errors.NONE);
            assertThat(recordsOf(answer, torn)).as("the other partition of the fetch is served").isPositive();
            List<ConsumerRecord<byte[], byte[]>> beforeDamage = KafkaClients.readAll(broker.bootstrapServers(),
                    List.of(corrupt), (int) damagedBase);
            assertThat(texts(beforeDamage.stream().map(ConsumerRecord::value).toList()))
                    .containsExactlyElementsOf(texts(acknowledged.get(corrupt).subList(0, (int) damagedBase)));

            JsonNode damage = damageOf(broker, corrupt);
            assertThat(damage).hasSize(1);
            assertThat(damage.get(0).get("file").asText()).isEqualTo(corruptSegment.toString());
            assertThat(damage.get(0).get("position").asLong()).isEqualTo(lastBatch);
            assertThat(damage.get(0).get("baseOffset").asLong()).isEqualTo(damagedBase);
            assertThat(damage.get(0).get("nextOffset").asLong()).isEqualTo(RECORDS_PER_PARTITION);
            assertThat(damageOf(broker, torn)).isEmpty();

            String output = broker.output();
            assertThat(output).contains("Recovery truncated " + tornSegment + " at position " + tornEnd + ": cut "
                    + (next.length / 2) + " bytes");
            assertThat(output).contains("Recovery truncated " + flippedSegment + " at position " + flippedEnd + ": cut "
                    + whole.length + " bytes");
            assertThat(output).contains("Damaged data in " + corruptSegment + " at positions [" + lastBatch + ", ");
            assertThat(Files.size(corruptSegment)).as("nothing cut").isGreaterThan(flippedAt);

            // Every partition takes appends again, right after its acknowledged records.
            assertThat(sendOne(broker, torn).offset()).isEqualTo(RECORDS_PER_PARTITION);
            assertThat(sendOne(broker, corrupt).offset()).isEqualTo(RECORDS_PER_PARTITION);
        }
    }

    /** One fetch of the partitions at their offsets, as a consumer sends it. */
    private static FetchResponseData fetch(BrokerProcess broker, Map<TopicPartition, Long> offsets) throws IOException {
        FetchRequestData body = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1)
                .setMaxBytes(FETCH_MAX_BYTES).setIsolationLevel((byte) 0);
        Map<String, FetchRequestData.FetchTopic> topics = new java.util.TreeMap<>();
        offsets.forEach((partition, offset) -> topics
                .computeIfAbsent(partition.topic(), name -> new FetchRequestData.FetchTopic().setTopic(name))
                .partitions().add(new FetchRequestData.FetchPartition().setPartition(partition.partition())
                        .setFetchOffset(offset).setPartitionMaxBytes(FETCH_MAX_BYTES).setLogStartOffset(-1)
                        .setCurrentLeaderEpoch(-1)));
        body.topics().addAll(topics.values());
        try (RawKafkaConnection connection = new RawKafkaConnection(broker.bootstrapServers())) {
            return ((FetchResponse) connection.call(ApiKeys.FETCH, FETCH_VERSION, body)).data();
        }
    }

    private static FetchResponseData.PartitionData answerFor(FetchResponseData answer, TopicPartition partition) {
        return answer.responses().stream().filter(topic -> topic.topic().equals(partition.topic()))
                .flatMap(topic -> topic.partitions().stream())
                .filter(p -> p.partitionIndex() == partition.partition()).findFirst().orElseThrow();
    }

    private static Errors errorOf(FetchResponseData answer, TopicPartition partition) {
        return Errors.forCode(answerFor(answer, partition).errorCode());
    }

    private static int recordsOf(FetchResponseData answer, TopicPartition partition) {
        int count = 0;
        for (RecordBatch batch : ((MemoryRecords) answerFor(answer, partition).records()).batches()) {
            batch.ensureValid();
            count += (int) (batch.lastOffset() - batch.baseOffset() + 1);
        }
        return count;
    }

    /** The damaged ranges {@code GET /v1/topics/{t}} lists for the partition. */
    private static JsonNode damageOf(BrokerProcess broker, TopicPartition partition) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(broker.httpUrl() + "/v1/topics/" + partition.topic())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new ObjectMapper().readTree(response.body()).get("partitionStates").get(partition.partition())
                .get("damage");
    }

    private static Map<TopicPartition, List<byte[]>> produce(BrokerProcess broker, List<TopicPartition> partitions,
                                                            Random random) throws Exception {
        Map<TopicPartition, List<byte[]>> sent = new java.util.HashMap<>();
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(),
                Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5))) {
            for (int i = 0; i < RECORDS_PER_PARTITION; i++) {
                for (TopicPartition partition : partitions) {
                    byte[] value = new byte[20 + random.nextInt(200)];
                    random.nextBytes(value);
                    sent.computeIfAbsent(partition, p -> new ArrayList<>()).add(value);
                    acks.add(producer.send(
                            new ProducerRecord<>(partition.topic(), partition.partition(), null, value)));
                }
            }
            for (Future<RecordMetadata> ack : acks) {
                ack.get();
            }
        }
        return sent;
    }

    private static RecordMetadata sendOne(BrokerProcess broker, TopicPartition partition) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(),
                Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.RETRIES_CONFIG, 0))) {
            return producer.send(new ProducerRecord<>(partition.topic(), partition.partition(), null, new byte[] {1}))
                    .get();
        }
    }

    /** Every record of the partition, after checking that it ends right after them. */
    private static List<String> readBack(BrokerProcess broker, TopicPartition partition) throws Exception {
        long end;
        try (Admin admin = KafkaClients.admin(broker.bootstrapServers())) {
            end = admin.listOffsets(Map.of(partition, OffsetSpec.latest())).all().get().get(partition).offset();
        }
        assertThat(end).isEqualTo(RECORDS_PER_PARTITION);
        List<ConsumerRecord<byte[], byte[]>> records = KafkaClients.readAll(broker.bootstrapServers(),
                List.of(partition), RECORDS_PER_PARTITION);
        return texts(records.stream().map(ConsumerRecord::value).toList());
    }

    private static List<String> texts(List<byte[]> values) {
        return values.stream().map(v -> new String(v, java.nio.charset.StandardCharsets.ISO_8859_1)).toList();
    }

    /** Position of the last batch of a segment, found by walking the batches' length fields. */
    private static long lastBatchPosition(Path segment) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segment));
        int position = 0;
        int last = 0;
        while (position < bytes.limit()) {
            last = position;
            position += BASE_OFFSET_BYTES + LENGTH_BYTES + bytes.getInt(position + BASE_OFFSET_BYTES);
        }
        return last;
    }

    /**
     * The segment's last batch, given the base offset {@code baseOffset}: a valid next batch (the
     * CRC does not cover it).
     */
    private static byte[] copyOfLastBatchAt(Path segment, long baseOffset) throws IOException {
        byte[] file = Files.readAllBytes(segment);
        int last = (int) lastBatchPosition(segment);
        ByteBuffer copy = ByteBuffer.wrap(java.util.Arrays.copyOfRange(file, last, file.length));
        copy.putLong(0, baseOffset);
        return copy.array();
    }

    private static void append(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes, java.nio.file.StandardOpenOption.APPEND);
    }

    private static void flipBit(Path file, long position) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            int b = raf.read();
            raf.seek(position);
            raf.write(b ^ 0x10);
        }
    }
}
