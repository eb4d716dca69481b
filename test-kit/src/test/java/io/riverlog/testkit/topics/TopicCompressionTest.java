package io.riverlog.testkit.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.FetchResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;
import io.riverlog.testkit.RawKafkaConnection;
import io.riverlog.testkit.http.HttpCalls;

/**
 * compression.type through real clients: kafka-clients producers (idempotent, the default) send
 * batches in one codec, the broker stores them in the topic's, consumers read the same records back,
 * and a raw fetch shows the codec of each batch as stored.
 */
class TopicCompressionTest {
    private static final int RECORDS = 300;
    private static final short FETCH_VERSION = 12;
    private static final int FETCH_MAX_BYTES = 16 << 20;

    @TempDir
    static Path dataDir;
    private static EmbeddedBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedBroker.start(dataDir);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void gzipAndUncompressedBatchesToAnLz4TopicAreStoredInLz4AndReadBackExactly() throws Exception {
        String topic = "stored-lz4";
        KafkaClients.createTopic(broker.bootstrapServers(), topic, 1, Map.of("compression.type", "lz4"));
        List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
        List<Long> answeredOffsets = new ArrayList<>();
        for (String codec : List.of("gzip", "none")) {
            List<ProducerRecord<byte[], byte[]>> records = records(topic, codec, RECORDS);
            answeredOffsets.addAll(sendAll(codec, records));
            sent.addAll(records);
        }

        List<ConsumerRecord<byte[], byte[]>> read = KafkaClients.readAll(broker.bootstrapServers(),
                List.of(new TopicPartition(topic, 0)), sent.size());
        assertThat(read).extracting(TopicCompressionTest::describeRead)
                .containsExactlyElementsOf(sent.stream().map(TopicCompressionTest::describeSent).toList());
        assertThat(read).extracting(ConsumerRecord::offset).containsExactlyElementsOf(answeredOffsets);
        assertThat(read).extracting(ConsumerRecord::timestampType).containsOnly(TimestampType.CREATE_TIME);

        List<RecordBatch> stored = storedBatches(topic);
        assertThat(stored).hasSizeGreaterThan(2).extracting(RecordBatch::compressionType)
                .containsOnly(CompressionType.LZ4);
        // Each producer's batches kept its id and sequences: they follow on from one another.
        Map<Long, Integer> nextSequence = new HashMap<>();
        for (RecordBatch batch : stored) {
            assertThat(batch.producerId()).isNotNegative();
            assertThat(batch.baseSequence()).isEqualTo(nextSequence.getOrDefault(batch.producerId(), 0));
            nextSequence.put(batch.producerId(), batch.lastSequence() + 1);
        }
        assertThat(nextSequence).hasSize(2).containsValues(RECORDS, RECORDS);
    }

    @Test
    void aLiveChangeOfCompressionTypeAppliesToTheBatchesSentAfterIt() throws Exception {
        String topic = "recompressed-live";
        KafkaClients.createTopic(broker.bootstrapServers(), topic, 1);
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        List<ProducerRecord<byte[], byte[]>> sent = records(topic, "live", 4);
        try (KafkaProducer<byte[], byte[]> producer = producer("gzip")) {
            producer.send(sent.get(0)).get();
            alter(resource, List.of(set("compression.type", "zstd"), set("compression.zstd.level", "19")));
            producer.send(sent.get(1)).get();
            alter(resource, List.of(set("compression.type", "uncompressed")));
            producer.send(sent.get(2)).get();
            alter(resource, List.of(new AlterConfigOp(new ConfigEntry("compression.type", ""),
                    AlterConfigOp.OpType.DELETE)));
            producer.send(sent.get(3)).get();
        }

        assertThat(storedBatches(topic)).extracting(RecordBatch::compressionType).containsExactly(
                CompressionType.GZIP, CompressionType.ZSTD, CompressionType.NONE, CompressionType.GZIP);
        assertThat(KafkaClients.readAll(broker.bootstrapServers(), List.of(new TopicPartition(topic, 0)), 4))
                .extracting(TopicCompressionTest::describeRead)
                .containsExactlyElementsOf(sent.stream().map(TopicCompressionTest::describeSent).toList());
    }

    @Test
    void aRebuiltBatchIsStampedWithTheAppendTimeUnderLogAppendTime() throws Exception {
        String topic = "stamped-zstd";
        KafkaClients.createTopic(broker.bootstrapServers(), topic, 1,
                Map.of("compression.type", "zstd", "message.timestamp.type", "LogAppendTime"));
        long sentAt = System.currentTimeMillis();
        List<RecordMetadata> answers = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = producer("none")) {
            List<Future<RecordMetadata>> pending = new ArrayList<>();
            records(topic, "stamped", RECORDS).forEach(record -> pending.add(producer.send(record)));
            for (Future<RecordMetadata> answer : pending) {
                answers.add(answer.get());
            }
        }
        long answeredBy = System.currentTimeMillis();

        List<ConsumerRecord<byte[], byte[]>> read = KafkaClients.readAll(broker.bootstrapServers(),
                List.of(new TopicPartition(topic, 0)), RECORDS);
        assertThat(read).extracting(ConsumerRecord::timestampType).containsOnly(TimestampType.LOG_APPEND_TIME);
        assertThat(read).extracting(ConsumerRecord::timestamp)
                .containsExactlyElementsOf(answers.stream().map(RecordMetadata::timestamp).toList())
                .allSatisfy(timestamp -> assertThat(timestamp).isBetween(sentAt, answeredBy));
        assertThat(storedBatches(topic)).allSatisfy(batch -> {
            assertThat(batch.compressionType()).isEqualTo(CompressionType.ZSTD);
            assertThat(batch.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        });
    }

    @Test
    void maxMessageBytesHoldsForTheBatchAsStored() throws Exception {
        String topic = "stored-uncompressed";
        int maxMessageBytes = 2048;
        KafkaClients.createTopic(broker.bootstrapServers(), topic, 1, Map.of("compression.type", "uncompressed",
                "max.message.bytes", Integer.toString(maxMessageBytes)));
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(),
                Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip", ProducerConfig.RETRIES_CONFIG, 0))) {
            // A few dozen bytes as gzip, twice the limit once stored uncompressed.
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, 0, null,
                    new byte[2 * maxMessageBytes])).get()).hasCauseInstanceOf(RecordTooLargeException.class);
            assertThat(producer.send(new ProducerRecord<>(topic, 0, null, new byte[maxMessageBytes / 2])).get()
                    .offset()).isZero();
        }
        assertThat(storedBatches(topic)).extracting(RecordBatch::compressionType).containsExactly(CompressionType.NONE);
    }

    @Test
    void recordsProducedOverHttpAreStoredInTheTopicsCodec() throws Exception {
        String topic = "http-snappy";
        KafkaClients.createTopic(broker.bootstrapServers(), topic, 1, Map.of("compression.type", "snappy"));
        HttpCalls.Answer answer = new HttpCalls(broker.httpUrl()).postJson("/v1/topics/" + topic + "/records",
                "{\"records\":[{\"key\":\"k\",\"value\":\"first\",\"partition\":0,\"timestamp\":1000},"
                        + "{\"value\":\"second\",\"partition\":0,\"timestamp\":2000,\"headers\":{\"via\":\"http\"}}]}");
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);

        assertThat(storedBatches(topic)).extracting(RecordBatch::compressionType)
                .containsExactly(CompressionType.SNAPPY);
        List<ConsumerRecord<byte[], byte[]>> read = KafkaClients.readAll(broker.bootstrapServers(),
                List.of(new TopicPartition(topic, 0)), 2);
        assertThat(read).extracting(TopicCompressionTest::describeRead).containsExactly(
                "key=k value=first timestamp=1000 headers=[]",
                "key=null value=second timestamp=2000 headers=[via=http]");
    }

    /** Records with keys (some null), values that compress, headers and timestamps not in order. */
    private static List<ProducerRecord<byte[], byte[]>> records(String topic, String tag, int count) {
        long base = System.currentTimeMillis() - 60_000;
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] key = i % 3 == 0 ? null : (tag + "-key-" + i).getBytes(StandardCharsets.UTF_8);
            byte[] value = (tag + " record " + i + " with a value that repeats; ").repeat(i % 5 + 1)
                    .getBytes(StandardCharsets.UTF_8);
            List<Header> headers = i % 2 == 0 ? List.of()
                    : List.of(new RecordHeader("trace", (tag + i).getBytes(StandardCharsets.UTF_8)));
            out.add(new ProducerRecord<>(topic, 0, base + (i * 7919L) % 5000, key, value, headers));
        }
        return out;
    }

    private static KafkaProducer<byte[], byte[]> producer(String codec) {
        return KafkaClients.producer(broker.bootstrapServers(), Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec,
                ProducerConfig.LINGER_MS_CONFIG, 20));
    }

    /** Sends the records with one producer in {@code codec}, and returns the offsets the broker answered. */
    private static List<Long> sendAll(String codec, List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        List<Future<RecordMetadata>> pending = new ArrayList<>(records.size());
        try (KafkaProducer<byte[], byte[]> producer = producer(codec)) {
            records.forEach(record -> pending.add(producer.send(record)));
            producer.flush();
        }
        List<Long> offsets = new ArrayList<>(pending.size());
        for (Future<RecordMetadata> answer : pending) {
            offsets.add(answer.get().offset());
        }
        return offsets;
    }

    /** The batches of the topic's partition 0 as the broker serves them, its bytes as stored, fetched raw. */
    private static List<RecordBatch> storedBatches(String topic) throws IOException {
        FetchRequestData body = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1)
                .setMaxBytes(FETCH_MAX_BYTES).setIsolationLevel((byte) 0);
        body.topics().add(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                        .setPartitionMaxBytes(FETCH_MAX_BYTES).setLogStartOffset(-1).setCurrentLeaderEpoch(-1))));
        try (RawKafkaConnection connection = new RawKafkaConnection(broker.bootstrapServers())) {
            FetchResponseData.PartitionData partition = ((FetchResponse) connection.call(ApiKeys.FETCH, FETCH_VERSION,
                    body)).data().responses().get(0).partitions().get(0);
            assertThat(Errors.forCode(partition.errorCode())).isEqualTo(Errors.NONE);
            List<RecordBatch> batches = new ArrayList<>();
            for (RecordBatch batch : ((MemoryRecords) partition.records()).batches()) {
                batch.ensureValid();
                batches.add(batch);
            }
            return batches;
        }
    }

    private static String describeSent(ProducerRecord<byte[], byte[]> record) {
        return describe(record.key(), record.value(), record.timestamp(), record.headers().toArray());
    }

    private static String describeRead(ConsumerRecord<byte[], byte[]> record) {
        return describe(record.key(), record.value(), record.timestamp(), record.headers().toArray());
    }

    private static String describe(byte[] key, byte[] value, long timestamp, Header[] headers) {
        List<String> named = new ArrayList<>();
        for (Header header : headers) {
            named.add(header.key() + "=" + new String(header.value(), StandardCharsets.UTF_8));
        }
        return "key=" + (key == null ? null : new String(key, StandardCharsets.UTF_8)) + " value="
                + new String(value, StandardCharsets.UTF_8) + " timestamp=" + timestamp + " headers=" + named;
    }

    private static AlterConfigOp set(String name, String value) {
        return new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET);
    }

    private static void alter(ConfigResource resource, List<AlterConfigOp> ops)
            throws ExecutionException, InterruptedException {
        try (Admin admin = KafkaClients.admin(broker.bootstrapServers())) {
            admin.incrementalAlterConfigs(Map.of(resource, ops)).all().get();
        }
    }
}
