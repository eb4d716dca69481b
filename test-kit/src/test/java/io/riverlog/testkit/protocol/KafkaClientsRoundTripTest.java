package io.riverlog.testkit.protocol;

import static io.riverlog.testkit.KafkaClients.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;

/** kafka-clients 4.4 against an embedded Riverlog: producers, consumers and the admin client, unchanged. */
class KafkaClientsRoundTripTest {
    @TempDir
    static Path dataDir;
    static EmbeddedBroker broker;

    @BeforeAll
    static void start() {
        broker = EmbeddedBroker.start(dataDir);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @ParameterizedTest(name = "acks={0} compression={1}")
    @CsvSource({"all, none", "all, gzip", "all, snappy", "all, lz4", "all, zstd", "1, none", "0, none", "1, zstd"})
    void recordsProducedWithEachAcksAndCompressionAreConsumedIdentically(String acks, String compression)
            throws Exception {
        String topic = "roundtrip-" + acks + "-" + compression;
        KafkaClients.createTopic(broker.bootstrapServers(), topic, 3);
        int count = 2_000;
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), Map.of(
                ProducerConfig.ACKS_CONFIG, acks, ProducerConfig.COMPRESSION_TYPE_CONFIG, compression,
                ProducerConfig.LINGER_MS_CONFIG, 5))) {
            for (int i = 0; i < count; i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, i % 3, ("k" + i).getBytes(), value(i))));
            }
            producer.flush();
            for (Future<RecordMetadata> ack : sent) {
                RecordMetadata metadata = ack.get();
                if (!acks.equals("0")) {
                    assertThat(metadata.offset()).isGreaterThanOrEqualTo(0);
                }
            }
        }
        List<ConsumerRecord<byte[], byte[]>> read = KafkaClients.readAll(broker.bootstrapServers(),
                KafkaClients.partitions(topic, 3), count);
        assertThat(read).hasSize(count);
        for (ConsumerRecord<byte[], byte[]> record : read) {
            int i = Integer.parseInt(new String(record.key(), StandardCharsets.UTF_8).substring(1));
            assertThat(record.partition()).isEqualTo(i % 3);
            assertThat(record.value()).isEqualTo(value(i));
        }
        for (int p = 0; p < 3; p++) {
            int partition = p;
            List<Long> offsets = read.stream().filter(r -> r.partition() == partition).map(ConsumerRecord::offset)
                    .toList();
            for (int i = 0; i < offsets.size(); i++) {
                assertThat(offsets.get(i)).isEqualTo(i);
            }
        }
    }

    @Test
    void aProducerWithDefaultSettingsIsIdempotentAndItsOffsetsAreContiguous() throws Exception {
        String topic = "defaults";
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), Map.of())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, 0, null, value(i))));
            }
            for (int i = 0; i < sent.size(); i++) {
                assertThat(sent.get(i).get().offset()).isEqualTo(i);
            }
        }
        assertThat(KafkaClients.readAll(broker.bootstrapServers(), List.of(new TopicPartition(topic, 0)), 500))
                .hasSize(500);
    }

    @Test
    void theAdminClientCreatesDescribesAltersAndDeletesTopics() throws Exception {
        try (Admin admin = KafkaClients.admin(broker.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic("admin-topic", 2, (short) 1)
                    .configs(Map.of("retention.ms", "3600000")))).all().get();
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("admin-topic", 2, (short) 1))).all().get())
                    .hasCauseInstanceOf(TopicExistsException.class);
            assertThat(admin.listTopics().names().get()).contains("admin-topic");

            TopicDescription description = admin.describeTopics(List.of("admin-topic")).allTopicNames().get()
                    .get("admin-topic");
            assertThat(description.partitions()).hasSize(2);
            assertThat(description.topicId().toString()).isNotEqualTo("AAAAAAAAAAAAAAAAAAAAAA");

            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "admin-topic");
            Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            assertThat(config.get("retention.ms").value()).isEqualTo("3600000");
            admin.incrementalAlterConfigs(Map.of(resource, List.<AlterConfigOp>of(new AlterConfigOp(
                    new ConfigEntry("retention.ms", "7200000"), AlterConfigOp.OpType.SET)))).all().get();
            assertThat(admin.describeConfigs(List.of(resource)).all().get().get(resource).get("retention.ms").value())
                    .isEqualTo("7200000");

            admin.createPartitions(Map.of("admin-topic", NewPartitions.increaseTo(4))).all().get();
            assertThat(admin.describeTopics(List.of("admin-topic")).allTopicNames().get().get("admin-topic")
                    .partitions()).hasSize(4);

            DescribeClusterResult cluster = admin.describeCluster();
            assertThat(cluster.nodes().get()).hasSize(1);
            assertThat(cluster.clusterId().get()).isNotBlank();

            var latest = admin.listOffsets(Map.of(new TopicPartition("admin-topic", 0), OffsetSpec.latest()))
                    .all().get();
            assertThat(latest.get(new TopicPartition("admin-topic", 0)).offset()).isZero();

            // The only replica leads: no election is needed.
            assertThat(admin.electLeaders(org.apache.kafka.common.ElectionType.PREFERRED,
                    Set.of(new TopicPartition("admin-topic", 0))).partitions().get()
                    .get(new TopicPartition("admin-topic", 0)))
                    .containsInstanceOf(org.apache.kafka.common.errors.ElectionNotNeededException.class);

            // The only replica is this node: a reassignment to it is done at once, any other is refused.
            TopicPartition first = new TopicPartition("admin-topic", 0);
            TopicPartition second = new TopicPartition("admin-topic", 1);
            var moves = admin.alterPartitionReassignments(Map.of(
                    first, Optional.of(new org.apache.kafka.clients.admin.NewPartitionReassignment(
                            List.of(cluster.nodes().get().iterator().next().id()))),
                    second, Optional.of(new org.apache.kafka.clients.admin.NewPartitionReassignment(List.of(7))),
                    new TopicPartition("admin-topic", 2), Optional.empty())).values();
            moves.get(first).get();
            assertThatThrownBy(() -> moves.get(second).get()).hasCauseInstanceOf(
                    org.apache.kafka.common.errors.InvalidReplicaAssignmentException.class);
            assertThatThrownBy(() -> moves.get(new TopicPartition("admin-topic", 2)).get()).hasCauseInstanceOf(
                    org.apache.kafka.common.errors.NoReassignmentInProgressException.class);
            assertThat(admin.listPartitionReassignments().reassignments().get()).isEmpty();

            // Replica assignments: this node for every partition is what a single node gives; another is refused.
            int self = cluster.nodes().get().iterator().next().id();
            admin.createTopics(List.of(new NewTopic("assigned", Map.of(0, List.of(self), 1, List.of(self))))).all()
                    .get();
            assertThat(admin.describeTopics(List.of("assigned")).allTopicNames().get().get("assigned").partitions())
                    .hasSize(2);
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("misassigned",
                    Map.of(0, List.of(self + 1))))).all().get()).hasCauseInstanceOf(
                    org.apache.kafka.common.errors.InvalidReplicaAssignmentException.class);
            admin.createPartitions(Map.of("assigned", NewPartitions.increaseTo(3, List.of(List.of(self))))).all()
                    .get();
            assertThatThrownBy(() -> admin.createPartitions(Map.of("assigned", NewPartitions.increaseTo(4,
                    List.of(List.of(self + 1))))).all().get()).hasCauseInstanceOf(
                    org.apache.kafka.common.errors.InvalidReplicaAssignmentException.class);

            admin.deleteTopics(List.of("admin-topic")).all().get();
            Collection<String> names = admin.listTopics().names().get();
            assertThat(names).doesNotContain("admin-topic");
            assertThatThrownBy(() -> admin.describeTopics(Set.of("admin-topic")).allTopicNames().get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
        }
    }

    @Test
    void aConsumerCanSeekToAnyOffsetAndListOffsetsByTime() throws Exception {
        String topic = "seek";
        KafkaClients.createTopic(broker.bootstrapServers(), topic, 1);
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), Map.of())) {
            for (int i = 0; i < 5_000; i++) {
                producer.send(new ProducerRecord<>(topic, 0, 1_000_000L + i, null, value(i)));
            }
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        try (var consumer = KafkaClients.consumer(broker.bootstrapServers())) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 1485);
            List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
            long deadline = System.nanoTime() + KafkaClients.TIMEOUT.toNanos();
            while (got.size() < 100 && System.nanoTime() < deadline) {
                consumer.poll(java.time.Duration.ofMillis(200)).forEach(got::add);
            }
            assertThat(got.get(0).offset()).isEqualTo(1485);
            assertThat(got.get(0).value()).isEqualTo(value(1485));
            var byTime = consumer.offsetsForTimes(Map.of(tp, 1_000_000L + 3210));
            assertThat(byTime.get(tp).offset()).isEqualTo(3210);
            assertThat(consumer.endOffsets(List.of(tp)).get(tp)).isEqualTo(5_000);
            assertThat(consumer.beginningOffsets(List.of(tp)).get(tp)).isZero();
        }
    }

    @Test
    void theAdminClientFindsTheRecordWithTheLargestTimestampAcrossSegments() throws Exception {
        String topic = "max-timestamp";
        // Small segments, so that the largest timestamp is neither in the first nor in the last one.
        KafkaClients.createTopic(broker.bootstrapServers(), topic, 1, Map.of("segment.bytes", "16384"));
        long[] timestamps = new long[1_000];
        for (int i = 0; i < timestamps.length; i++) {
            timestamps[i] = 5_000_000L + (i % 97) * 10;
        }
        timestamps[400] = 9_000_000L;
        timestamps[700] = 9_000_000L;
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(),
                Map.of(ProducerConfig.LINGER_MS_CONFIG, 0, ProducerConfig.BATCH_SIZE_CONFIG, 1024))) {
            for (int i = 0; i < timestamps.length; i++) {
                producer.send(new ProducerRecord<>(topic, 0, timestamps[i], null, value(i)));
            }
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        try (var admin = KafkaClients.admin(broker.bootstrapServers())) {
            var largest = admin.listOffsets(Map.of(tp, OffsetSpec.maxTimestamp())).all().get().get(tp);

            assertThat(largest.offset()).as("the first record with the largest timestamp").isEqualTo(400);
            assertThat(largest.timestamp()).isEqualTo(9_000_000L);
        }
    }
}
