package io.riverlog.testkit.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DeletedRecords;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteRecordsResponse;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.tools.DeleteRecordsCommand;
import org.apache.kafka.tools.GetOffsetShell;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;
import io.riverlog.testkit.KafkaTool;
import io.riverlog.testkit.RawKafkaConnection;
import io.riverlog.testkit.http.HttpCalls;

/**
 * DeleteRecords end to end: the Java admin client and Apache Kafka's own command-line tools
 * ({@code kafka-delete-records}, {@code kafka-get-offsets}, run in this JVM) move partitions' log start
 * offsets; consumers from the earliest offset start there, fetches below it are out of range,
 * ListOffsets and the HTTP API report it, the segments below it are gone, and a restarted broker
 * keeps it. Each error a partition can get is checked over the bare protocol, in every version.
 */
class DeleteRecordsTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TOPIC = "purged";
    /** Records produced to partitions 0 and 1, one batch each. */
    private static final int[] PRODUCED = {100, 50};
    /** Small segments: a partition of 100 records spans several, so that whole ones can go. */
    private static final String SEGMENT_BYTES = "2048";

    @TempDir
    Path dataDir;

    @Test
    void deletedRecordsAreGoneForConsumersListOffsetsHttpAndTheToolsAndStayGoneAfterARestart() throws Exception {
        TopicPartition p0 = new TopicPartition(TOPIC, 0);
        TopicPartition p1 = new TopicPartition(TOPIC, 1);
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            KafkaClients.createTopic(bootstrap, TOPIC, 2, Map.of("segment.bytes", SEGMENT_BYTES));
            produce(bootstrap);
            List<Long> segmentsBefore = segmentBases(0);
            assertThat(segmentsBefore).hasSizeGreaterThan(3);

            try (Admin admin = KafkaClients.admin(bootstrap)) {
                Map<TopicPartition, DeletedRecords> deleted = getAll(admin.deleteRecords(Map.of(
                        p0, RecordsToDelete.beforeOffset(40),
                        p1, RecordsToDelete.beforeOffset(-1))).lowWatermarks());
                assertThat(deleted.get(p0).lowWatermark()).isEqualTo(40);
                assertThat(deleted.get(p1).lowWatermark()).as("-1: up to the high watermark").isEqualTo(50);

                assertThatThrownBy(() -> admin.deleteRecords(Map.of(p0, RecordsToDelete.beforeOffset(101))).all().get())
                        .hasCauseInstanceOf(org.apache.kafka.common.errors.OffsetOutOfRangeException.class);
                assertThat(admin.deleteRecords(Map.of(p0, RecordsToDelete.beforeOffset(10))).lowWatermarks().get(p0)
                        .get().lowWatermark()).as("a lower offset changes nothing").isEqualTo(40);
                assertThat(earliest(admin, p0)).isEqualTo(40);
                assertThat(earliest(admin, p1)).isEqualTo(50);
            }
            assertThat(firstRecordFromEarliest(bootstrap, p0).offset()).isEqualTo(40);
            assertThatThrownBy(() -> fetchWithoutReset(bootstrap, p0, 39))
                    .isInstanceOf(OffsetOutOfRangeException.class);

            List<Long> segmentsAfter = segmentBases(0);
            assertThat(segmentsAfter.get(0)).as("the first segment left").isPositive().isLessThanOrEqualTo(40);
            assertThat(segmentsBefore).containsAll(segmentsAfter);

            HttpCalls http = new HttpCalls(broker.httpUrl());
            JsonNode topic = http.get("/v1/topics/" + TOPIC).json();
            assertThat(topic.toString()).contains("\"logStartOffset\":40").contains("\"logStartOffset\":50");
            HttpCalls.Answer below = http.get("/v1/topics/" + TOPIC + "/partitions/0/records?offset=39&follow=false",
                    "application/x-ndjson");
            assertThat(below.status()).isEqualTo(400);
            assertThat(below.json().get("error").asText()).isEqualTo("offset_out_of_range");
            HttpCalls.Answer earliest = http.get(
                    "/v1/topics/" + TOPIC + "/partitions/0/records?offset=earliest&limit=1&follow=false",
                    "application/x-ndjson");
            assertThat(earliest.body()).startsWith("{").contains("\"offset\":40,");

            Path offsets = Files.writeString(dataDir.resolve("delete-offsets.json"),
                    "{\"partitions\":[{\"topic\":\"" + TOPIC + "\",\"partition\":0,\"offset\":60}],\"version\":1}");
            String printed = deleteRecordsCommand(bootstrap, "--offset-json-file", offsets.toString());
            assertThat(printed).contains("Records delete operation completed:")
                    .contains("partition: " + TOPIC + "-0\tlow_watermark: 60");
            assertThat(getOffsetShell(bootstrap, "--topic", TOPIC, "--time", "-2"))
                    .containsExactlyInAnyOrder(TOPIC + ":0:60", TOPIC + ":1:50");
        }

        try (EmbeddedBroker restarted = EmbeddedBroker.start(dataDir)) {
            String bootstrap = restarted.bootstrapServers();
            assertThat(getOffsetShell(bootstrap, "--topic", TOPIC, "--time", "-2"))
                    .as("after a restart").containsExactlyInAnyOrder(TOPIC + ":0:60", TOPIC + ":1:50");
            assertThat(getOffsetShell(bootstrap, "--topic", TOPIC, "--time", "-1"))
                    .containsExactlyInAnyOrder(TOPIC + ":0:100", TOPIC + ":1:50");
            assertThat(firstRecordFromEarliest(bootstrap, p0).offset()).isEqualTo(60);
            assertThat(firstRecordFromEarliest(bootstrap, p0).value()).isEqualTo(KafkaClients.value(60));
            assertThatThrownBy(() -> fetchWithoutReset(bootstrap, p0, 59))
                    .isInstanceOf(OffsetOutOfRangeException.class);
        }
    }

    @Test
    void eachPartitionIsAnsweredWithItsOwnErrorInEveryVersion() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            KafkaClients.createTopic(bootstrap, TOPIC, 2);
            produce(bootstrap);
            try (RawKafkaConnection connection = new RawKafkaConnection(bootstrap)) {
                for (short version : ApiKeys.DELETE_RECORDS.allVersions()) {
                    long start = 10L * (version + 1);
                    DeleteRecordsRequestData request = new DeleteRecordsRequestData().setTimeoutMs(30_000)
                            .setTopics(List.of(
                                    new DeleteRecordsTopic().setName(TOPIC).setPartitions(List.of(
                                            new DeleteRecordsPartition().setPartitionIndex(0).setOffset(start),
                                            new DeleteRecordsPartition().setPartitionIndex(1).setOffset(51),
                                            new DeleteRecordsPartition().setPartitionIndex(7).setOffset(0))),
                                    new DeleteRecordsTopic().setName("no-such-topic").setPartitions(List.of(
                                            new DeleteRecordsPartition().setPartitionIndex(0).setOffset(0)))));
                    DeleteRecordsResponse response = (DeleteRecordsResponse) connection.call(ApiKeys.DELETE_RECORDS,
                            version, request);
                    Map<String, DeleteRecordsPartitionResult> results = new HashMap<>();
                    for (DeleteRecordsTopicResult topic : response.data().topics()) {
                        topic.partitions().forEach(p -> results.put(topic.name() + "-" + p.partitionIndex(), p));
                    }
                    assertThat(results).as("v%d", version).hasSize(4);
                    assertThat(results.get(TOPIC + "-0").errorCode()).isEqualTo(Errors.NONE.code());
                    assertThat(results.get(TOPIC + "-0").lowWatermark()).isEqualTo(start);
                    assertThat(results.get(TOPIC + "-1").errorCode()).as("past the high watermark")
                            .isEqualTo(Errors.OFFSET_OUT_OF_RANGE.code());
                    assertThat(results.get(TOPIC + "-7").errorCode())
                            .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                    assertThat(results.get("no-such-topic-0").errorCode())
                            .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                    assertThat(results.get("no-such-topic-0").lowWatermark())
                            .isEqualTo(DeleteRecordsResponse.INVALID_LOW_WATERMARK);
                }
            }
        }
    }

    /** Produces {@link #PRODUCED} records, each in a batch of its own, and waits until all are acknowledged. */
    private static void produce(String bootstrap) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(bootstrap, Map.of())) {
            for (int partition = 0; partition < PRODUCED.length; partition++) {
                for (int i = 0; i < PRODUCED[partition]; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, partition, null, KafkaClients.value(i))).get();
                }
            }
        }
    }

    private static long earliest(Admin admin, TopicPartition partition) throws Exception {
        return admin.listOffsets(Map.of(partition, OffsetSpec.earliest())).partitionResult(partition).get().offset();
    }

    private static ConsumerRecord<byte[], byte[]> firstRecordFromEarliest(String bootstrap, TopicPartition partition) {
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(bootstrap)) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    return record;
                }
            }
            throw new AssertionError("no record of " + partition + " within " + WAIT);
        }
    }

    /** Polls {@code partition} from {@code offset} with no reset policy, so an offset out of range throws. */
    private static void fetchWithoutReset(String bootstrap, TopicPartition partition, long offset) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, offset);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                if (!consumer.poll(Duration.ofMillis(200)).isEmpty()) {
                    throw new AssertionError("records fetched at offset " + offset + " of " + partition);
                }
            }
            throw new AssertionError("no answer for offset " + offset + " of " + partition + " within " + WAIT);
        }
    }

    private static <K, V> Map<K, V> getAll(Map<K, org.apache.kafka.common.KafkaFuture<V>> futures) throws Exception {
        Map<K, V> out = new HashMap<>();
        for (Map.Entry<K, org.apache.kafka.common.KafkaFuture<V>> entry : futures.entrySet()) {
            out.put(entry.getKey(), entry.getValue().get());
        }
        return out;
    }

    /** Base offsets of the segment files of partition {@code partition}, oldest first. */
    private List<Long> segmentBases(int partition) throws IOException {
        List<Long> bases = new ArrayList<>();
        try (Stream<Path> files = Files.list(dataDir.resolve("topics").resolve(TOPIC + "-" + partition))) {
            files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".log"))
                    .forEach(name -> bases.add(Long.parseLong(name.substring(0, name.length() - ".log".length()))));
        }
        bases.sort(null);
        return bases;
    }

    /** Runs {@code kafka-delete-records} with {@code --bootstrap-server} and {@code args}; returns what it printed. */
    private static String deleteRecordsCommand(String bootstrap, String... args) throws IOException {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            DeleteRecordsCommand.execute(KafkaTool.withBootstrap(bootstrap, args), out);
        }
        String output = printed.toString(StandardCharsets.UTF_8);
        System.out.println("kafka-delete-records " + Arrays.toString(args) + ":\n" + output);
        return output;
    }

    /**
     * Runs {@code kafka-get-offsets} with {@code --bootstrap-server} and {@code args}; returns the
     * {@code topic:partition:offset} lines it printed.
     */
    private static List<String> getOffsetShell(String bootstrap, String... args) throws Exception {
        String output = KafkaTool.run("kafka-get-offsets", GetOffsetShell::main,
                KafkaTool.withBootstrap(bootstrap, args));
        return output.lines().filter(line -> line.matches(TOPIC + ":\\d+:\\d+")).toList();
    }
}
