package io.riverlog.testkit.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.requests.AlterConfigsResponse;
import org.apache.kafka.tools.ConfigCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;
import io.riverlog.testkit.KafkaTool;
import io.riverlog.testkit.RawKafkaConnection;

/**
 * Every topic config of Kafka, through real clients and Apache Kafka's own kafka-configs command:
 * set, validated with Kafka's error and reason, described with source and synonyms, and applied to
 * running partitions without a restart.
 */
class TopicConfigsOverKafkaTest {
    @TempDir
    static Path dataDir;
    private static EmbeddedBroker broker;
    private static Admin admin;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedBroker.start(dataDir);
        admin = KafkaClients.admin(broker.bootstrapServers());
    }

    @AfterAll
    static void stopBroker() {
        admin.close();
        broker.close();
    }

    @Test
    void theConfigsStreamsAndConnectAskForAreTakenAndReportedBack() throws Exception {
        // What Kafka Streams asks for on a repartition topic, and Kafka Connect on its offsets topic.
        CreateTopicsResult created = admin.createTopics(List.of(
                new NewTopic("app-repartition", 2, (short) -1).configs(Map.of("cleanup.policy", "delete",
                        "segment.bytes", "52428800", "retention.ms", "-1", "message.timestamp.type", "CreateTime")),
                new NewTopic("connect-offsets", 1, (short) 1).configs(Map.of("cleanup.policy", "compact"))));
        created.all().get();
        assertThat(created.config("connect-offsets").get().get("cleanup.policy").value()).isEqualTo("compact");

        Config offsets = describe("connect-offsets");
        assertThat(offsets.get("cleanup.policy").value()).isEqualTo("compact");
        assertThat(offsets.get("cleanup.policy").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(offsets.get("min.insync.replicas").value()).isEqualTo("1");
        assertThat(offsets.get("min.insync.replicas").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
        assertThat(offsets.entries()).hasSize(37);
        assertThat(describe("app-repartition").get("retention.ms").value()).isEqualTo("-1");
    }

    @Test
    void describeReportsSynonymsWithTheirSourcesAndTheBrokersDefaults() throws Exception {
        KafkaClients.createTopic(broker.bootstrapServers(), "synonyms", 1, Map.of("retention.ms", "3600000"));
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "synonyms");
        ConfigEntry retention = admin.describeConfigs(List.of(resource),
                new DescribeConfigsOptions().includeSynonyms(true).includeDocumentation(true)).all().get()
                .get(resource).get("retention.ms");

        assertThat(retention.synonyms()).extracting(ConfigEntry.ConfigSynonym::name, ConfigEntry.ConfigSynonym::value,
                        ConfigEntry.ConfigSynonym::source)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("retention.ms", "3600000",
                                ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG),
                        org.assertj.core.groups.Tuple.tuple("log.retention.ms", "604800000",
                                ConfigEntry.ConfigSource.DEFAULT_CONFIG));
        assertThat(retention.documentation()).isNotBlank();

        ConfigResource brokerResource = new ConfigResource(ConfigResource.Type.BROKER, "1");
        Config brokerConfig = admin.describeConfigs(List.of(brokerResource)).all().get().get(brokerResource);
        assertThat(brokerConfig.get("log.retention.ms").value()).isEqualTo("604800000");
        assertThat(brokerConfig.get("message.max.bytes").value()).isEqualTo("1048588");
        assertThat(brokerConfig.get("log.cleanup.policy").value()).isEqualTo("delete");
        assertThat(brokerConfig.get("default.replication.factor").value()).isEqualTo("1");
    }

    @Test
    void kafkaConfigsAltersDescribesAndDeletesTheConfigsItCouldNotSetBefore() throws Exception {
        KafkaClients.createTopic(broker.bootstrapServers(), "altered", 1);
        String altered = run("--entity-type", "topics", "--entity-name", "altered", "--alter", "--add-config",
                "cleanup.policy=[compact,delete],max.message.bytes=2048,min.insync.replicas=1,"
                        + "message.timestamp.type=LogAppendTime,compression.type=lz4,segment.ms=600000");
        assertThat(altered).contains("Completed updating config for topic altered.");

        String described = run("--entity-type", "topics", "--entity-name", "altered", "--describe");
        assertThat(described).contains("cleanup.policy=compact,delete", "max.message.bytes=2048",
                "min.insync.replicas=1", "message.timestamp.type=LogAppendTime", "compression.type=lz4",
                "segment.ms=600000");

        run("--entity-type", "topics", "--entity-name", "altered", "--alter", "--delete-config", "compression.type");
        assertThat(describe("altered").get("compression.type").value()).isEqualTo("producer");
        assertThat(describe("altered").get("cleanup.policy").value()).isEqualTo("compact,delete");

        assertThatThrownBy(() -> run("--entity-type", "topics", "--entity-name", "altered", "--alter",
                "--add-config", "min.insync.replicas=0")).isInstanceOf(AssertionError.class)
                .hasMessageContaining("min.insync.replicas");
        assertThat(describe("altered").get("min.insync.replicas").value()).isEqualTo("1");
    }

    @Test
    void badValuesAreRefusedWithInvalidConfigAndTheReason() {
        assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("refused", 1, (short) 1)
                .configs(Map.of("cleanup.policy", "shred")))).all().get())
                .hasCauseInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("shred");
        assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("refused", 1, (short) 1)
                .configs(Map.of("retention.hours", "1"))), new CreateTopicsOptions().validateOnly(true)).all().get())
                .hasCauseInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("retention.hours");
        ConfigResource missing = new ConfigResource(ConfigResource.Type.TOPIC, "no-such-topic");
        assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(missing, List.of(new AlterConfigOp(
                new ConfigEntry("retention.ms", "1"), AlterConfigOp.OpType.SET)))).all().get())
                .hasMessageContaining("no-such-topic");
    }

    @Test
    void appendAndSubtractChangeListConfigsStartingFromTheDefault() throws Exception {
        KafkaClients.createTopic(broker.bootstrapServers(), "listed", 1);
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "listed");
        alter(resource, new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.APPEND));
        assertThat(describe("listed").get("cleanup.policy").value()).isEqualTo("delete,compact");
        alter(resource, new AlterConfigOp(new ConfigEntry("cleanup.policy", "delete"), AlterConfigOp.OpType.SUBTRACT));
        assertThat(describe("listed").get("cleanup.policy").value()).isEqualTo("compact");
        assertThatThrownBy(() -> alter(resource, new AlterConfigOp(new ConfigEntry("retention.ms", "5"),
                AlterConfigOp.OpType.APPEND))).hasCauseInstanceOf(InvalidConfigurationException.class);
    }

    @Test
    void theOlderAlterConfigsReplacesTheWholeSet() throws Exception {
        KafkaClients.createTopic(broker.bootstrapServers(), "replaced", 1,
                Map.of("retention.ms", "3600000", "segment.ms", "600000"));
        AlterConfigsRequestData request = new AlterConfigsRequestData();
        AlterConfigsRequestData.AlterConfigsResource resource = new AlterConfigsRequestData.AlterConfigsResource()
                .setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName("replaced");
        resource.configs().add(new AlterConfigsRequestData.AlterableConfig().setName("max.message.bytes")
                .setValue("4096"));
        request.resources().add(resource);
        try (RawKafkaConnection connection = new RawKafkaConnection(broker.bootstrapServers())) {
            AlterConfigsResponse response = (AlterConfigsResponse) connection.call(ApiKeys.ALTER_CONFIGS,
                    ApiKeys.ALTER_CONFIGS.latestVersion(), request);
            assertThat(response.data().responses().get(0).errorCode()).isEqualTo(Errors.NONE.code());
        }
        Config config = describe("replaced");
        assertThat(config.get("max.message.bytes").value()).isEqualTo("4096");
        assertThat(config.get("retention.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
        assertThat(config.get("segment.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
    }

    @Test
    void maxMessageBytesChangedLiveRefusesLargerBatchesAtOnce() throws Exception {
        KafkaClients.createTopic(broker.bootstrapServers(), "bounded", 1);
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "bounded");
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(),
                Map.of("retries", 0))) {
            producer.send(new ProducerRecord<>("bounded", new byte[3000])).get();

            alter(resource, new AlterConfigOp(new ConfigEntry("max.message.bytes", "2048"), AlterConfigOp.OpType.SET));
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("bounded", new byte[3000])).get())
                    .hasCauseInstanceOf(RecordTooLargeException.class);
            producer.send(new ProducerRecord<>("bounded", new byte[100])).get();

            alter(resource, new AlterConfigOp(new ConfigEntry("max.message.bytes", ""), AlterConfigOp.OpType.DELETE));
            producer.send(new ProducerRecord<>("bounded", new byte[3000])).get();
        }
    }

    @Test
    void logAppendTimeStampsRecordsWithTheBrokersTimeFromTheChangeOn() throws Exception {
        KafkaClients.createTopic(broker.bootstrapServers(), "stamped", 1);
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "stamped");
        long producerTimestamp = System.currentTimeMillis() - 600_000;
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), Map.of())) {
            RecordMetadata before = producer.send(new ProducerRecord<>("stamped", 0, producerTimestamp, null,
                    new byte[] {1})).get();
            assertThat(before.timestamp()).isEqualTo(producerTimestamp);

            alter(resource, new AlterConfigOp(new ConfigEntry("message.timestamp.type", "LogAppendTime"),
                    AlterConfigOp.OpType.SET));
            long sentAt = System.currentTimeMillis();
            RecordMetadata after = producer.send(new ProducerRecord<>("stamped", 0, producerTimestamp, null,
                    new byte[] {2})).get();
            assertThat(after.timestamp()).isBetween(sentAt, System.currentTimeMillis());

            List<ConsumerRecord<byte[], byte[]>> read = KafkaClients.readAll(broker.bootstrapServers(),
                    List.of(new TopicPartition("stamped", 0)), 2);
            assertThat(read.get(0).timestamp()).isEqualTo(producerTimestamp);
            assertThat(read.get(0).timestampType()).isEqualTo(TimestampType.CREATE_TIME);
            assertThat(read.get(1).timestamp()).isEqualTo(after.timestamp());
            assertThat(read.get(1).timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        }
    }

    @Test
    void createTimeRecordsTooFarFromTheBrokersClockAreRefused() throws Exception {
        KafkaClients.createTopic(broker.bootstrapServers(), "timely", 1,
                Map.of("message.timestamp.before.max.ms", "60000"));
        long now = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(),
                Map.of("retries", 0))) {
            // Kafka's default message.timestamp.after.max.ms is one hour.
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("timely", 0, now + 7_200_000, null,
                    new byte[] {1})).get()).hasCauseInstanceOf(InvalidTimestampException.class);
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("timely", 0, now - 3_600_000, null,
                    new byte[] {1})).get()).hasCauseInstanceOf(InvalidTimestampException.class);
            assertThat(producer.send(new ProducerRecord<>("timely", 0, now, null, new byte[] {1})).get().offset())
                    .isZero();
        }
    }

    private static Config describe(String topic) throws ExecutionException, InterruptedException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource)).all().get().get(resource);
    }

    private static void alter(ConfigResource resource, AlterConfigOp op)
            throws ExecutionException, InterruptedException {
        admin.incrementalAlterConfigs(Map.of(resource, List.of(op))).all().get();
    }

    private static String run(String... args) throws Exception {
        return KafkaTool.run("kafka-configs", ConfigCommand::main,
                KafkaTool.withBootstrap(broker.bootstrapServers(), args));
    }
}
