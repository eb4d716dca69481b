package io.riverlog.testkit.groups;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.tools.consumer.group.ConsumerGroupCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;
import io.riverlog.testkit.KafkaTool;

/**
 * Apache Kafka's consumer-groups command ({@code kafka-consumer-groups.sh}), run in this JVM
 * against the broker: it lists a classic group, describes its partitions with the offsets produced
 * and committed, resets an empty group's offsets to the earliest and deletes them.
 */
class ConsumerGroupsCommandTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TOPIC = "described";
    private static final String GROUP = "described-group";
    /** Records produced to partitions 0, 1, 2, and the offsets the group commits there. */
    private static final int[] PRODUCED = {10, 20, 30};
    private static final int[] COMMITTED = {4, 5, 6};

    @TempDir
    Path dataDir;

    @Test
    void theCommandListsDescribesResetsAndDeletesAClassicGroup() throws Exception {
        try (EmbeddedBroker broker =
                     EmbeddedBroker.start(dataDir, Map.of("riverlog.groups.initial-rebalance-delay", "0s"))) {
            listDescribeResetAndDelete(broker.bootstrapServers());
        }
    }

    private static void listDescribeResetAndDelete(String bootstrap) throws Exception {
        KafkaClients.createTopic(bootstrap, TOPIC, PRODUCED.length);
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(bootstrap, Map.of())) {
            for (int partition = 0; partition < PRODUCED.length; partition++) {
                for (int i = 0; i < PRODUCED[partition]; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, partition, null, new byte[] {(byte) i}));
                }
            }
            producer.flush();
        }
        try (KafkaConsumer<byte[], byte[]> member = KafkaClients.groupConsumer(bootstrap, GROUP,
                ConsumerGroupTest.QUICK_MEMBER)) {
            member.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (member.assignment().size() < PRODUCED.length && System.nanoTime() < deadline) {
                member.poll(Duration.ofMillis(100));
            }
            assertThat(member.assignment()).hasSize(PRODUCED.length);
            member.commitSync(Map.of(partition(0), new OffsetAndMetadata(COMMITTED[0]),
                    partition(1), new OffsetAndMetadata(COMMITTED[1]),
                    partition(2), new OffsetAndMetadata(COMMITTED[2])), WAIT);

            assertThat(run(bootstrap, "--list")).contains(GROUP);

            List<String[]> rows = rowsOf(run(bootstrap, "--describe", "--group", GROUP));
            assertThat(rows).hasSize(PRODUCED.length);
            for (String[] row : rows) {
                // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
                int p = Integer.parseInt(row[2]);
                assertThat(row[1]).isEqualTo(TOPIC);
                assertThat(Long.parseLong(row[3])).as("CURRENT-OFFSET of %d", p).isEqualTo(COMMITTED[p]);
                assertThat(Long.parseLong(row[4])).as("LOG-END-OFFSET of %d", p).isEqualTo(PRODUCED[p]);
                assertThat(Long.parseLong(row[5])).as("LAG of %d", p).isEqualTo(PRODUCED[p] - COMMITTED[p]);
                assertThat(row[6]).as("CONSUMER-ID of %d", p).startsWith("consumer-" + GROUP);
            }
        }

        // The member left: the group is empty, so its offsets may be reset and deleted.
        String reset = run(bootstrap, "--reset-offsets", "--group", GROUP, "--topic", TOPIC, "--to-earliest",
                "--execute");
        assertThat(rowsOf(reset)).hasSize(PRODUCED.length);
        try (Admin admin = KafkaClients.admin(bootstrap)) {
            assertThat(admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get()).containsOnly(
                    Map.entry(partition(0), new OffsetAndMetadata(0)),
                    Map.entry(partition(1), new OffsetAndMetadata(0)),
                    Map.entry(partition(2), new OffsetAndMetadata(0)));

            String deleted = run(bootstrap, "--delete-offsets", "--group", GROUP, "--topic", TOPIC);
            assertThat(deleted).contains("Request succeeded for deleting offsets from group " + GROUP);
            assertThat(deleted.lines().filter(line -> line.matches(TOPIC + "\\s+\\d\\s+Successful\\s*"))).hasSize(3);
            assertThat(admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get()).isEmpty();
        }
    }

    private static TopicPartition partition(int partition) {
        return new TopicPartition(TOPIC, partition);
    }

    /** The table rows of the group in the command's output, split into columns. */
    private static List<String[]> rowsOf(String output) {
        return output.lines().map(String::trim).filter(line -> line.startsWith(GROUP + " "))
                .map(line -> line.split("\\s+")).toList();
    }

    private static String run(String bootstrap, String... args) throws Exception {
        return KafkaTool.run("kafka-consumer-groups", ConsumerGroupCommand::main,
                KafkaTool.withBootstrap(bootstrap, args));
    }
}
