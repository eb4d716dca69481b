package io.riverlog.testkit.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeReplicaLogDirsResult.ReplicaLogDirInfo;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionReplica;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData.DescribableLogDirTopic;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeLogDirsResponse;
import org.apache.kafka.tools.LogDirsCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;
import io.riverlog.testkit.KafkaTool;
import io.riverlog.testkit.RawKafkaConnection;
import io.riverlog.wal.LogFiles;

/**
 * DescribeLogDirs: the admin client's describeLogDirs and describeReplicaLogDirs, and Apache Kafka's
 * log-dirs command, see the broker's data directory with the size of every partition, which is what
 * its segment files hold, and the space of the file system.
 */
class LogDirsTest {
    private static final String SIZED = "sized";
    private static final String EMPTY = "empty";
    /** Records produced to partitions 0 and 1 of {@link #SIZED}, and the bytes of each record's value. */
    private static final int[] RECORDS = {40, 7};
    private static final int VALUE_BYTES = 1000;
    /** DescribeLogDirs answers the total and usable bytes of the file system from this version on. */
    private static final short FIRST_VERSION_WITH_SPACE = 4;

    @TempDir
    static Path dataDir;
    private static EmbeddedBroker broker;
    /** The broker's id, which the admin client addresses it by. */
    private static int nodeId;

    @BeforeAll
    static void startAndProduce() throws Exception {
        broker = EmbeddedBroker.start(dataDir);
        try (Admin admin = KafkaClients.admin(broker.bootstrapServers())) {
            nodeId = admin.describeCluster().nodes().get().iterator().next().id();
        }
        KafkaClients.createTopic(broker.bootstrapServers(), SIZED, RECORDS.length);
        KafkaClients.createTopic(broker.bootstrapServers(), EMPTY, 1);
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), Map.of())) {
            for (int partition = 0; partition < RECORDS.length; partition++) {
                for (int i = 0; i < RECORDS[partition]; i++) {
                    producer.send(new ProducerRecord<>(SIZED, partition, null, new byte[VALUE_BYTES])).get();
                }
            }
        }
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void theAdminClientSeesTheDataDirectoryWithEachPartitionsSizeOnDiskAndTheSpaceOfItsFileSystem()
            throws Exception {
        try (Admin admin = KafkaClients.admin(broker.bootstrapServers())) {
            Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(nodeId)).allDescriptions().get()
                    .get(nodeId);

            assertThat(dirs).containsOnlyKeys(logDir());
            LogDirDescription dir = dirs.get(logDir());
            assertThat(dir.error()).isNull();
            Map<TopicPartition, ReplicaInfo> replicas = dir.replicaInfos();
            assertThat(replicas).containsOnlyKeys(sized(0), sized(1), new TopicPartition(EMPTY, 0));
            for (int partition = 0; partition < RECORDS.length; partition++) {
                ReplicaInfo replica = replicas.get(sized(partition));
                assertThat(replica.size()).as("size of %s", sized(partition))
                        .isGreaterThan((long) RECORDS[partition] * VALUE_BYTES)
                        .isEqualTo(segmentBytes(sized(partition)));
                assertThat(replica.offsetLag()).isZero();
                assertThat(replica.isFuture()).isFalse();
            }
            assertThat(replicas.get(new TopicPartition(EMPTY, 0)).size()).isZero();

            FileStore store = Files.getFileStore(dataDir);
            assertThat(dir.totalBytes()).hasValue(store.getTotalSpace());
            assertThat(dir.usableBytes()).isPresent();
            assertThat(dir.usableBytes().getAsLong()).isPositive().isLessThanOrEqualTo(store.getTotalSpace());
        }
    }

    @Test
    void theAdminClientFindsTheDirectoryOfEachReplicaAskedFor() throws Exception {
        TopicPartitionReplica held = new TopicPartitionReplica(SIZED, 1, nodeId);
        TopicPartitionReplica missing = new TopicPartitionReplica(SIZED, RECORDS.length, nodeId);
        try (Admin admin = KafkaClients.admin(broker.bootstrapServers())) {
            Map<TopicPartitionReplica, ReplicaLogDirInfo> infos =
                    admin.describeReplicaLogDirs(List.of(held, missing)).all().get();

            assertThat(infos.get(held).getCurrentReplicaLogDir()).isEqualTo(logDir());
            assertThat(infos.get(held).getCurrentReplicaOffsetLag()).isZero();
            assertThat(infos.get(held).getFutureReplicaLogDir()).isNull();
            assertThat(infos.get(missing).getCurrentReplicaLogDir()).as("a partition that does not exist").isNull();
        }
    }

    @Test
    void everyVersionAnswersThePartitionsAskedForThatExistAndFromVersion4TheSpace() throws Exception {
        DescribeLogDirsRequestData request = new DescribeLogDirsRequestData();
        request.topics().add(new DescribableLogDirTopic().setTopic(SIZED).setPartitions(List.of(1, RECORDS.length)));
        request.topics().add(new DescribableLogDirTopic().setTopic("no-such-topic").setPartitions(List.of(0)));
        try (RawKafkaConnection connection = new RawKafkaConnection(broker.bootstrapServers())) {
            for (short version : ApiKeys.DESCRIBE_LOG_DIRS.allVersions()) {
                DescribeLogDirsResponseData response = ((DescribeLogDirsResponse) connection.call(
                        ApiKeys.DESCRIBE_LOG_DIRS, version, request)).data();

                assertThat(response.results()).as("version %d", version).hasSize(1);
                DescribeLogDirsResult dir = response.results().get(0);
                assertThat(dir.errorCode()).isEqualTo(Errors.NONE.code());
                assertThat(dir.logDir()).isEqualTo(logDir());
                assertThat(dir.topics()).hasSize(1);
                assertThat(dir.topics().get(0).name()).isEqualTo(SIZED);
                assertThat(dir.topics().get(0).partitions()).singleElement().satisfies(partition -> {
                    assertThat(partition.partitionIndex()).isEqualTo(1);
                    assertThat(partition.partitionSize()).isEqualTo(segmentBytes(sized(1)));
                });
                if (version >= FIRST_VERSION_WITH_SPACE) {
                    assertThat(dir.totalBytes()).as("version %d", version).isPositive();
                    assertThat(dir.usableBytes()).as("version %d", version).isPositive();
                } else {
                    assertThat(dir.totalBytes()).as("version %d has no field for it", version).isEqualTo(-1);
                }
            }
        }
    }

    @Test
    void theLogDirsCommandPrintsEveryPartitionOrThoseOfTheTopicsListed() throws Exception {
        JsonNode all = printedJson(KafkaTool.run("kafka-log-dirs", LogDirsCommand::main,
                "--describe", "--bootstrap-server", broker.bootstrapServers()));
        JsonNode listed = printedJson(KafkaTool.run("kafka-log-dirs", LogDirsCommand::main,
                "--describe", "--bootstrap-server", broker.bootstrapServers(), "--topic-list", SIZED));

        assertThat(sizesIn(all)).containsOnly(Map.entry(SIZED + "-0", segmentBytes(sized(0))),
                Map.entry(SIZED + "-1", segmentBytes(sized(1))), Map.entry(EMPTY + "-0", 0L));
        assertThat(sizesIn(listed)).containsOnly(Map.entry(SIZED + "-0", segmentBytes(sized(0))),
                Map.entry(SIZED + "-1", segmentBytes(sized(1))));
        assertThat(segmentBytes(sized(0))).isGreaterThan((long) RECORDS[0] * VALUE_BYTES);
    }

    /**
     * The partitions of the one broker's one log directory, as the command prints them: name and
     * size; every offset lag 0, none a future log.
     */
    private static Map<String, Long> sizesIn(JsonNode printed) {
        assertThat(printed.get("brokers")).hasSize(1);
        JsonNode brokerNode = printed.get("brokers").get(0);
        assertThat(brokerNode.get("broker").asInt()).isEqualTo(nodeId);
        assertThat(brokerNode.get("logDirs")).hasSize(1);
        JsonNode dir = brokerNode.get("logDirs").get(0);
        assertThat(dir.get("logDir").asText()).isEqualTo(logDir());
        assertThat(dir.get("error").isNull()).isTrue();
        Map<String, Long> sizes = new HashMap<>();
        for (JsonNode partition : dir.get("partitions")) {
            assertThat(partition.get("offsetLag").asLong()).isZero();
            assertThat(partition.get("isFuture").asBoolean()).isFalse();
            sizes.put(partition.get("partition").asText(), partition.get("size").asLong());
        }
        return sizes;
    }

    /** The one JSON line of the command's output (the rest is what it and this JVM logged). */
    private static JsonNode printedJson(String output) throws IOException {
        String json = output.lines().filter(line -> line.startsWith("{")).findFirst()
                .orElseThrow(() -> new AssertionError("no JSON in " + output));
        return new ObjectMapper().readTree(json);
    }

    /** The data directory as the broker reports it: absolute. */
    private static String logDir() {
        return dataDir.toAbsolutePath().normalize().toString();
    }

    private static TopicPartition sized(int partition) {
        return new TopicPartition(SIZED, partition);
    }

    /** The bytes of the partition's segment files. */
    private static long segmentBytes(TopicPartition partition) {
        Path dir = dataDir.resolve("topics").resolve(partition.topic() + "-" + partition.partition());
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(file -> file.getFileName().toString().endsWith(LogFiles.LOG_SUFFIX)).mapToLong(file -> {
                try {
                    return Files.size(file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
