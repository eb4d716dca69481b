package io.riverlog.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.testkit.BrokerCluster;
import io.riverlog.testkit.Eventually;
import io.riverlog.testkit.KafkaClients;
import io.riverlog.testkit.NetworkNamespaces;

/**
 * Fault 3 of the cluster's proof, on a cluster of any size: broker processes each in a Linux network
 * namespace of its own, and the leader of a partition cut off from every other node by a network
 * partition while an idempotent producer streams to every partition with acks=all; clients still reach
 * every node. The others elect new leaders and go on: every partition takes records during the cut,
 * those the cut-off node led included. A reader that asks only the cut-off node is served nothing that
 * was not committed (every record it gets is the one acknowledged at that offset); after the partition
 * heals every send is acknowledged once, every record reads back at its offset, and every partition's
 * replicas are in sync and hold the same bytes. Skipped, saying why, where namespaces cannot be created
 * (not root).
 */
final class LeaderCutOff {
    private static final Logger log = LoggerFactory.getLogger(LeaderCutOff.class);
    /** Two partitions per partition group on three nodes: a request's appends to one group travel as one entry. */
    private static final int PARTITIONS = 12;
    private static final int RECORDS = 3_000;
    /** Longer than an election (1-2 s) plus a producer's request timeout (5 s) and its retry. */
    private static final Duration CUT_FOR = Duration.ofSeconds(10);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PAUSE = Duration.ofMillis(100);

    private LeaderCutOff() {
    }

    /** Runs the scenario on a cluster of {@code nodes} started in {@code dir} with {@code jvmArgs}. */
    static void check(Path dir, int nodes, List<String> jvmArgs) throws Exception {
        Optional<String> unavailable = NetworkNamespaces.unavailableBecause();
        Assumptions.assumeTrue(unavailable.isEmpty(), () -> "skipped: " + unavailable.orElseThrow());
        try (NetworkNamespaces namespaces = NetworkNamespaces.create(nodes);
             BrokerCluster cluster = BrokerCluster.start(dir, nodes, namespaces::host, jvmArgs)) {
            log.info("Cluster of {} nodes started in network namespaces: {}", nodes, cluster.bootstrapServers());
            check(namespaces, cluster);
        }
    }

    private static void check(NetworkNamespaces namespaces, BrokerCluster cluster) throws Exception {
        String topic = "partitioned";
        TopicDescription description = create(cluster, topic);
        int victim = description.partitions().get(0).leader().id();
        List<TopicPartition> led = description.partitions().stream().filter(p -> p.leader().id() == victim)
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        List<ConsumerRecord<byte[], byte[]>> servedByTheCutOff = new ArrayList<>();
        AtomicBoolean healed = new AtomicBoolean();
        AtomicReference<CompletableFuture<Void>> cutOffReader = new AtomicReference<>();
        StreamAcrossACut.Outcome outcome = StreamAcrossACut.run(cluster.bootstrapServers(), topic, RECORDS,
                RECORDS / 3, CUT_FOR, TIMEOUT, new StreamAcrossACut.Cut() {
                    @Override
                    public void cut() throws Exception {
                        namespaces.isolate(victim);
                        log.info("Node {} (leader of {}) cut off from the other nodes", victim, led);
                        cutOffReader.set(CompletableFuture.runAsync(
                                () -> readFrom(cluster, victim, led, healed, servedByTheCutOff)));
                    }

                    @Override
                    public void heal() throws Exception {
                        namespaces.heal(victim);
                        healed.set(true);
                        log.info("Node {} joined to the other nodes again", victim);
                    }
                });
        cutOffReader.get().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        Ledger ledger = outcome.ledger();
        Set<Integer> ledPartitions = led.stream().map(TopicPartition::partition).collect(Collectors.toSet());
        log.info("Partitions acknowledged during the cut of node {} (leader of {}), ms after the cut: {}", victim,
                ledPartitions, outcome.firstAcknowledgedDuringCutMs());
        assertThat(outcome.firstAcknowledgedDuringCutMs()).as("partitions that took records while node %d, leader"
                + " of %s, was cut off (ms after the cut)", victim, ledPartitions)
                .containsOnlyKeys(IntStream.range(0, PARTITIONS).boxed().toList());

        ledger.assertEverySendAcknowledgedOnce(RECORDS);
        for (ConsumerRecord<byte[], byte[]> record : servedByTheCutOff) {
            Integer number = ledger.at(record.partition(), record.offset());
            assertThat(number).as("the record the cut-off node served at %s-%d@%d was acknowledged there",
                    record.topic(), record.partition(), record.offset()).isNotNull();
            assertThat(record.value()).as("value served by the cut-off node at %s-%d@%d", record.topic(),
                    record.partition(), record.offset()).isEqualTo(KafkaClients.value(number));
        }
        log.info("The cut-off node served {} records while cut off, each committed", servedByTheCutOff.size());
        Read.everyAcknowledgedRecord(cluster.bootstrapServers(), topic, PARTITIONS, ledger);
        List<TopicPartitionInfo> partitions = new ArrayList<>();
        try (Admin admin = KafkaClients.admin(cluster.bootstrapServers())) {
            Eventually.until("every replica of " + topic + " is in sync again", TIMEOUT, PAUSE, () -> {
                partitions.clear();
                partitions.addAll(describe(admin, topic).partitions());
                return partitions.stream().allMatch(p -> p.isr().size() == p.replicas().size());
            }, () -> "; " + partitions);
        }
        for (TopicPartitionInfo partition : partitions) {
            ReplicaBytes.awaitSameOf(cluster, partition.replicas().stream().map(node -> node.id()).toList(), topic,
                    partition.partition(), TIMEOUT);
        }
    }

    /** Reads the partitions through node {@code node} only, from their start, until {@code healed}. */
    private static void readFrom(BrokerCluster cluster, int node, List<TopicPartition> partitions,
                                 AtomicBoolean healed, List<ConsumerRecord<byte[], byte[]>> served) {
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(cluster.node(node).bootstrapServers(),
                Map.of(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000))) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (!healed.get()) {
                try {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(PAUSE)) {
                        synchronized (served) {
                            served.add(record);
                        }
                    }
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    // The cut-off node stepped down and cannot name a leader: nothing more to read from it.
                }
            }
        }
    }

    private static TopicDescription create(BrokerCluster cluster, String topic) throws Exception {
        try (Admin admin = KafkaClients.admin(cluster.node(1).bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(PARTITIONS), Optional.empty()))).all()
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            AtomicReference<TopicDescription> described = new AtomicReference<>();
            Eventually.until("every partition of " + topic + " has a leader", TIMEOUT, PAUSE, () -> {
                try {
                    described.set(describe(admin, topic));
                } catch (ExecutionException e) {
                    return false;
                }
                return described.get().partitions().stream().map(TopicPartitionInfo::leader)
                        .allMatch(leader -> leader != null && !leader.isEmpty());
            }, () -> "; the last description was " + described.get());
            return described.get();
        }
    }

    private static TopicDescription describe(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                .get(topic);
    }
}
