package io.riverlog.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.apache.kafka.tools.reassign.ReassignPartitionsCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.testkit.BrokerCluster;
import io.riverlog.testkit.Eventually;
import io.riverlog.testkit.KafkaClients;
import io.riverlog.testkit.KafkaTool;

/**
 * Fault 6 of the cluster's proof: a replica reassignment under load, driven by Kafka's own
 * kafka-reassign-partitions. Four nodes, four partition groups of three members: the partitions on
 * nodes 1, 2, 3 move to nodes 4, 2, 3 while an idempotent acks=all stream writes to every partition.
 * Node 4 copies the group's log and takes over as preferred leader, node 1 leaves and removes its
 * replicas; every send is acknowledged once and read back at its offset, and the new replicas hold
 * the same bytes, also after both ends of the move restarted.
 */
class ReassignmentIT {
    private static final Logger log = LoggerFactory.getLogger(ReassignmentIT.class);
    private static final int NODES = 4;
    private static final int PARTITIONS = 4;
    private static final int RECORDS = 3_000;
    private static final int RECORDS_AFTER_RESTARTS = 500;
    private static final int IN_FLIGHT = 100;
    /** The stream's pace (500 records a second), so that it spans the move rather than racing ahead of it. */
    private static final Duration SEND_INTERVAL = Duration.ofMillis(2);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Duration PAUSE = Duration.ofMillis(100);
    private static final String TOPIC = "moving";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void aGroupMovesToAnotherNodeUnderAStreamAndLosesNothing() throws Exception {
        try (BrokerCluster cluster = BrokerCluster.start(dir, NODES, List.of(
                "-Driverlog.cluster.partition-groups=" + NODES, "-Driverlog.cluster.move-check-interval=200ms",
                "-Driverlog.cluster.raft-snapshot-entries=64"))) {
            String bootstrap = cluster.bootstrapServers();
            TopicDescription before;
            try (Admin admin = KafkaClients.admin(cluster.node(2).bootstrapServers())) {
                admin.createTopics(List.of(new NewTopic(TOPIC, Optional.of(PARTITIONS), Optional.empty()))).all()
                        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                before = led(admin);
            }
            List<Integer> moving = before.partitions().stream()
                    .filter(p -> ids(p.replicas()).equals(List.of(1, 2, 3))).map(TopicPartitionInfo::partition)
                    .toList();
            assertThat(moving).as("partitions on nodes 1, 2, 3 in %s", before).isNotEmpty();
            Path plan = dir.resolve("plan.json");
            Files.writeString(plan, "{\"version\":1,\"partitions\":[{\"topic\":\"" + TOPIC + "\",\"partition\":"
                    + moving.get(0) + ",\"replicas\":[4,2,3]}]}", StandardCharsets.UTF_8);

            Ledger ledger = new Ledger();
            AtomicInteger acknowledged = new AtomicInteger();
            long startedAt = System.nanoTime();
            long movedAt;
            long askedAt = 0;
            try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(bootstrap, Map.of(
                    ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000))) {
                Semaphore unanswered = new Semaphore(IN_FLIGHT);
                long nextAt = System.nanoTime();
                boolean asked = false;
                for (int i = 0; i < RECORDS; i++) {
                    nextAt += SEND_INTERVAL.toNanos();
                    java.util.concurrent.locks.LockSupport.parkNanos(nextAt - System.nanoTime());
                    ledger.sendInStream(producer, unanswered, TOPIC, i, TIMEOUT, (metadata, error) -> {
                        if (error == null) {
                            acknowledged.incrementAndGet();
                        }
                    });
                    if (!asked && acknowledged.get() >= RECORDS / 4) {
                        asked = true;
                        String executed = KafkaTool.run("kafka-reassign-partitions", ReassignPartitionsCommand::main,
                                KafkaTool.withBootstrap(cluster.node(3).bootstrapServers(),
                                        "--reassignment-json-file", plan.toString(), "--execute"));
                        assertThat(executed).contains("Successfully started partition reassignment");
                        askedAt = System.nanoTime();
                        log.info("Reassignment asked for after {} acknowledged records", acknowledged.get());
                    }
                }
                producer.flush();
                movedAt = awaitMoved(cluster, moving);
            }
            log.info("Reassignment of partitions {} under a stream of {} records: asked {} ms after the stream started,"
                    + " seen done on every node {} ms after it was asked (looked for once the stream ended)", moving,
                    RECORDS, TimeUnit.NANOSECONDS.toMillis(askedAt - startedAt),
                    TimeUnit.NANOSECONDS.toMillis(movedAt - askedAt));

            String verified = KafkaTool.run("kafka-reassign-partitions", ReassignPartitionsCommand::main,
                    KafkaTool.withBootstrap(cluster.node(1).bootstrapServers(), "--reassignment-json-file",
                            plan.toString(), "--verify"));
            assertThat(verified).contains("Reassignment of partition " + TOPIC + "-" + moving.get(0)
                    + " is completed");
            refusesMovesRaftCannotMake(cluster, moving.get(0));

            // Both ends of the move restart: node 4 recovers the group it joined from its storage, node 1
            // does not take back the one it left; then the partitions take records again.
            for (int node : List.of(1, 4)) {
                cluster.kill(node);
                cluster.restart(node);
            }
            int total = RECORDS + RECORDS_AFTER_RESTARTS;
            try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(bootstrap, Map.of(
                    ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000))) {
                Semaphore unanswered = new Semaphore(IN_FLIGHT);
                for (int i = RECORDS; i < total; i++) {
                    ledger.sendInStream(producer, unanswered, TOPIC, i, TIMEOUT, (metadata, error) -> { });
                }
                producer.flush();
            }
            awaitMoved(cluster, moving);

            ledger.assertEverySendAcknowledgedOnce(total);
            Read.everyAcknowledgedRecord(bootstrap, TOPIC, PARTITIONS, ledger);
            for (int partition : moving) {
                ReplicaBytes.awaitSameOf(cluster, List.of(4, 2, 3), TOPIC, partition, TIMEOUT);
                Path left = cluster.node(1).dataDir().resolve("topics").resolve(TOPIC + "-" + partition);
                Eventually.until("node 1 removed its replica of " + TOPIC + "-" + partition, TIMEOUT, PAUSE,
                        () -> !Files.exists(left), () -> "");
            }
        }
    }

    /**
     * A move that adds as many replicas as it keeps (the new ones could elect a leader among themselves)
     * and one to an unknown node are refused; a cancel where no move runs is told so.
     */
    private static void refusesMovesRaftCannotMake(BrokerCluster cluster, int partition) throws Exception {
        TopicPartition moved = new TopicPartition(TOPIC, partition);
        TopicPartition other = new TopicPartition(TOPIC, (partition + 1) % PARTITIONS);
        TopicPartition third = new TopicPartition(TOPIC, (partition + 2) % PARTITIONS);
        try (Admin admin = KafkaClients.admin(cluster.node(2).bootstrapServers())) {
            Map<TopicPartition, org.apache.kafka.common.KafkaFuture<Void>> results = admin.alterPartitionReassignments(
                    Map.of(moved, Optional.of(new NewPartitionReassignment(List.of(1, 4))),
                            other, Optional.of(new NewPartitionReassignment(List.of(9, 2, 3))),
                            third, Optional.empty())).values();
            for (TopicPartition refused : List.of(moved, other)) {
                assertThatThrownBy(() -> results.get(refused).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                        .as("moving %s", refused).hasCauseInstanceOf(InvalidReplicaAssignmentException.class);
            }
            assertThatThrownBy(() -> results.get(third).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                    .hasCauseInstanceOf(NoReassignmentInProgressException.class);
        }
    }

    /**
     * Waits until every node describes the moved partitions on nodes 4, 2, 3, all in sync, with node 4
     * leading, and lists no reassignment; returns when.
     */
    private static long awaitMoved(BrokerCluster cluster, List<Integer> moving) throws Exception {
        for (int node = 1; node <= NODES; node++) {
            try (Admin admin = KafkaClients.admin(cluster.node(node).bootstrapServers())) {
                String[] seen = {""};
                Eventually.until("node " + NODES + " sees partitions " + moving + " on nodes 4, 2, 3", TIMEOUT, PAUSE,
                        () -> {
                            TopicDescription now = led(admin);
                            seen[0] = now.toString();
                            return admin.listPartitionReassignments().reassignments()
                                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).isEmpty()
                                    && moving.stream().map(p -> now.partitions().get(p)).allMatch(p ->
                                            ids(p.replicas()).equals(List.of(4, 2, 3)) && p.leader().id() == 4
                                            && ids(p.isr()).containsAll(List.of(4, 2, 3)));
                        }, () -> "; last seen " + seen[0]);
            }
        }
        return System.nanoTime();
    }

    /** The topic once every partition has a leader. */
    private static TopicDescription led(Admin admin) throws Exception {
        TopicDescription[] found = new TopicDescription[1];
        Eventually.until(TOPIC + " has a leader for every partition", TIMEOUT, PAUSE, () -> {
            found[0] = admin.describeTopics(List.of(TOPIC)).allTopicNames().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                    .get(TOPIC);
            return found[0].partitions().stream().allMatch(p -> p.leader() != null);
        }, () -> "");
        return found[0];
    }

    private static List<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).toList();
    }
}
