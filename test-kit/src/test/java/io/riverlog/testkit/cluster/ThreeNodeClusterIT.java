package io.riverlog.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.testkit.BrokerCluster;
import io.riverlog.testkit.Eventually;
import io.riverlog.testkit.KafkaClients;
import io.riverlog.testkit.RawKafkaConnection;

/**
 * Three broker processes started as one cluster, used only through kafka-clients, each client
 * bootstrapped from a single node: a topic created through one node is known to every node, each
 * partition replicated on all three and led one third by each node; records produced through one
 * node are consumed through another exactly once, at the offsets acknowledged, and read back the
 * same after a node restarts or a leader is killed; two nodes asked at once to create the same topic
 * create it once.
 */
class ThreeNodeClusterIT {
    private static final Logger log = LoggerFactory.getLogger(ThreeNodeClusterIT.class);
    private static final int NODES = 3;
    /** The pace of the rolling restart's stream: 500 records a second. */
    private static final Duration ROLLING_SEND_INTERVAL = Duration.ofMillis(2);
    private static final int SNAPSHOT_ENTRIES = 32;
    private static final int PARTITIONS = 6;
    private static final int RECORDS = 3_000;
    /** Sends of the fault tests' stream that may wait for their answer at once. */
    private static final int IN_FLIGHT = 200;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PAUSE = Duration.ofMillis(100);
    private static final Duration REPLICA_LAG = Duration.ofSeconds(3);

    /** Kept when a test fails: each node's data and its output (node-N-broker.out) are the evidence. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path dir;

    private static BrokerCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        long startedAt = System.nanoTime();
        // No wait for more members before a classic group's first rebalance.
        // Snapshots every few entries, so that the faults below also meet restarts from a snapshot.
        // A follower out of sync after 3 s rather than 10, so that the fault tests see it leave the ISR soon.
        cluster = BrokerCluster.start(dir, NODES, List.of("-Driverlog.groups.initial-rebalance-delay=0s",
                "-Driverlog.cluster.raft-snapshot-entries=" + SNAPSHOT_ENTRIES,
                "-Driverlog.cluster.replica-lag-time=" + REPLICA_LAG.toMillis() + "ms"));
        log.info("Cluster of {} nodes started in {} ms; their output is in {}", NODES, millisSince(startedAt), dir);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * CreateTopics with replica assignments: those that follow the partition groups (consecutive
     * partitions on consecutive groups) are taken, and each partition is led by its first replica;
     * others are refused, saying what would fit.
     */
    @Test
    void aTopicCreatedWithReplicaAssignmentsThatFollowThePartitionGroupsHasThem() throws Exception {
        Map<Integer, List<Integer>> assignments = Map.of(0, List.of(2, 3, 1), 1, List.of(3, 1, 2),
                2, List.of(1, 2, 3));
        try (Admin admin = KafkaClients.admin(cluster.node(2).bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic("assigned", assignments))).all()
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            AtomicReference<TopicDescription> described = new AtomicReference<>();
            Eventually.until("each partition of assigned led by its first replica", TIMEOUT, PAUSE, () -> {
                described.set(awaitTopic(admin, "assigned"));
                return described.get().partitions().stream().allMatch(p -> p.leader().id() == assignments
                        .get(p.partition()).get(0) && p.replicas().stream().map(Node::id).sorted().toList()
                        .equals(List.of(1, 2, 3)));
            }, () -> "; described " + described.get());
            Throwable refused = failureOf(admin.createTopics(List.of(new NewTopic("misassigned", Map.of(
                    0, List.of(1, 2, 3), 1, List.of(1, 2, 3))))).all());
            assertThat(refused).isInstanceOf(org.apache.kafka.common.errors.InvalidReplicaAssignmentException.class)
                    .hasMessageContaining("consecutive partition groups");
        }
    }

    @Test
    void aTopicCreatedThroughOneNodeIsKnownToAnotherWithItsPartitionsLedByEveryNode() throws Exception {
        try (Admin first = KafkaClients.admin(cluster.node(1).bootstrapServers());
             Admin third = KafkaClients.admin(cluster.node(3).bootstrapServers())) {
            first.createTopics(List.of(new NewTopic("spread", Optional.of(PARTITIONS), Optional.empty()))).all()
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

            Collection<Node> nodes = third.describeCluster().nodes().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertThat(nodes).extracting(Node::id).containsExactlyInAnyOrder(1, 2, 3);
            assertThat(nodes).extracting(node -> node.host() + ":" + node.port())
                    .containsExactlyInAnyOrder(cluster.bootstrapServers().split(","));

            // Each partition group's preferred leader takes over once it has caught up after the start.
            AtomicReference<Map<Integer, Integer>> leaders = new AtomicReference<>();
            Eventually.until("every node leads two partitions of spread", TIMEOUT, PAUSE, () -> {
                leaders.set(leaders(awaitTopic(third, "spread")));
                return leaders.get().values().stream().collect(Collectors.groupingBy(Function.identity(),
                        Collectors.counting())).equals(Map.of(1, 2L, 2, 2L, 3, 2L));
            }, () -> "; leaders " + leaders.get());
            TopicDescription seenByThird = awaitTopic(third, "spread");
            assertThat(seenByThird.partitions()).hasSize(PARTITIONS).allSatisfy(partition -> {
                assertThat(partition.replicas()).extracting(Node::id).containsExactlyInAnyOrder(1, 2, 3);
                assertThat(partition.isr()).extracting(Node::id).containsExactlyInAnyOrder(1, 2, 3);
            });
            Eventually.until("node 1 names the same leaders as node 3", TIMEOUT, PAUSE,
                    () -> leaders(awaitTopic(first, "spread")).equals(leaders(awaitTopic(third, "spread"))),
                    () -> "");
        }
    }

    @Test
    void recordsProducedThroughOneNodeAreConsumedThroughAnotherExactlyOnceAndReadBackAfterARestart()
            throws Exception {
        String topic = "ledger";
        try (Admin first = KafkaClients.admin(cluster.node(1).bootstrapServers())) {
            first.createTopics(List.of(new NewTopic(topic, Optional.of(PARTITIONS), Optional.empty()))).all()
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
        long startedAt = System.nanoTime();
        Ledger ledger = produce(topic, cluster.node(2).bootstrapServers());
        log.info("{} records produced through node 2 in {} ms", RECORDS, millisSince(startedAt));
        ledger.assertEverySendAcknowledgedOnce(RECORDS);
        assertThat(ledger.recordsByPartition()).as("records acknowledged in each partition")
                .containsOnlyKeys(range(PARTITIONS)).doesNotContainValue(0);

        startedAt = System.nanoTime();
        consumeInGroup(topic, cluster.node(3).bootstrapServers(), ledger);
        log.info("{} records consumed in a group through node 3 in {} ms", RECORDS, millisSince(startedAt));

        startedAt = System.nanoTime();
        assertThat(cluster.stop(1)).as("exit code of node 1 after SIGTERM").isZero();
        cluster.restart(1);
        try (Admin first = KafkaClients.admin(cluster.node(1).bootstrapServers())) {
            awaitTopic(first, topic);
        }
        log.info("Node 1 restarted and knows {} again in {} ms", topic, millisSince(startedAt));
        awaitPreferredLeaders(topic);

        Read.everyAcknowledgedRecord(cluster.node(1).bootstrapServers(), topic, PARTITIONS, ledger);
    }

    /**
     * kill -9 of every node at once, then all of them started again: the topic is still there (the
     * metadata group's log was fsynced on a majority before each change was answered) and every
     * acknowledged record is read back at its offset (each node fsyncs its partitions' appends).
     */
    @Test
    void everyNodeKilledAtOnceComesBackWithItsTopicsAndEveryAcknowledgedRecord() throws Exception {
        String topic = "survivors";
        try (Admin second = KafkaClients.admin(cluster.node(2).bootstrapServers())) {
            second.createTopics(List.of(new NewTopic(topic, Optional.of(PARTITIONS), Optional.empty()))).all()
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
        Ledger ledger = produce(topic, cluster.bootstrapServers());
        ledger.assertEverySendAcknowledgedOnce(RECORDS);

        for (int node = 1; node <= NODES; node++) {
            cluster.kill(node);
        }
        long startedAt = System.nanoTime();
        for (int node = 1; node <= NODES; node++) {
            cluster.restart(node);
        }
        try (Admin third = KafkaClients.admin(cluster.node(3).bootstrapServers())) {
            awaitTopic(third, topic);
        }
        log.info("All {} nodes killed and restarted; {} described again after {} ms", NODES, topic,
                millisSince(startedAt));
        awaitPreferredLeaders(topic);

        Read.everyAcknowledgedRecord(cluster.bootstrapServers(), topic, PARTITIONS, ledger);
    }

    /**
     * Fault 1 of the cluster's proof: kill -9 of a partition's leader while an idempotent producer
     * streams to every partition with acks=all, then its restart.
     */
    @Test
    void aLeaderKilledDuringAnAcksAllStreamLosesNothingAndAnotherReplicaTakesOver() throws Exception {
        survivesALeaderFault("failover", "killed", cluster::kill, cluster::restart);
    }

    /**
     * Fault 2: SIGSTOP of a partition's leader for longer than the election timeout while the stream
     * runs, then SIGCONT: the paused node finds itself deposed and catches up as a follower.
     */
    @Test
    void aLeaderPausedDuringAnAcksAllStreamLosesNothingAndRejoinsAsAFollower() throws Exception {
        survivesALeaderFault("paused", "paused", cluster::pause, cluster::resume);
    }

    /** What is done to a node, and undone. */
    @FunctionalInterface
    private interface NodeAction {
        void apply(int node) throws Exception;
    }

    /**
     * Another replica takes the victim's partitions over, every send is acknowledged once, each
     * record is read back at the offset it was acknowledged at, and after the victim is back every
     * replica holds the same bytes.
     */
    private static void survivesALeaderFault(String topic, String done, NodeAction fault, NodeAction recovery)
            throws Exception {
        TopicDescription description = createThroughNode1(topic);
        int victim = description.partitions().get(0).leader().id();
        List<Integer> led = description.partitions().stream().filter(p -> p.leader().id() == victim)
                .map(TopicPartitionInfo::partition).toList();
        Ledger ledger = new Ledger();
        Map<Integer, Long> firstAckAfterFault = new java.util.concurrent.ConcurrentHashMap<>();
        AtomicReference<Long> faultAt = new AtomicReference<>();
        // A request to a paused node is given up after 5 s and sent to the new leader.
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(cluster.bootstrapServers(), Map.of(
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000))) {
            // A stream, not one burst: at most IN_FLIGHT sends wait for their answer, so sends keep coming
            // while the partitions change leader.
            java.util.concurrent.Semaphore unanswered = new java.util.concurrent.Semaphore(IN_FLIGHT);
            for (int i = 0; i < RECORDS; i++) {
                ledger.sendInStream(producer, unanswered, topic, i, TIMEOUT, (metadata, error) -> {
                    Long at = faultAt.get();
                    if (error == null && at != null) {
                        firstAckAfterFault.putIfAbsent(metadata.partition(), System.nanoTime() - at);
                    }
                });
                if (i == RECORDS / 3) {
                    producer.flush();
                    fault.apply(victim);
                    faultAt.set(System.nanoTime());
                }
            }
            producer.flush();
        }
        log.info("Node {} (leader of partitions {}) {}; first acknowledgement after that, per partition, in ms: {}",
                victim, led, done, firstAckAfterFault.entrySet().stream().collect(Collectors.toMap(
                        Map.Entry::getKey, e -> e.getValue() / 1_000_000, (a, b) -> a, TreeMap::new)));
        int survivor = victim % NODES + 1;
        try {
            awaitInSyncReplicas(topic, survivor, "without node " + victim,
                    isr -> isr.values().stream().noneMatch(nodes -> nodes.contains(victim)));
        } finally {
            // Whatever the check found, the victim comes back: the next tests need every node.
            recovery.apply(victim);
        }
        awaitInSyncReplicas(topic, survivor, "with every replica again",
                isr -> isr.values().stream().allMatch(nodes -> nodes.size() == NODES));
        assertThat(firstAckAfterFault).as("partitions acknowledged after the fault").containsKeys(led.toArray(
                Integer[]::new));
        Read read = checkStream(topic, ledger, RECORDS);
        for (int partition : led) {
            checkLeaderEpochs(topic, partition, read);
        }
    }

    /**
     * The victim's partition changed leader during the stream: the records committed by the new leader
     * carry a later leader epoch (its Raft term). A consumer positioned at the first of them, with the
     * epoch of the record before it, has its position checked by the new leader (OffsetsForLeaderEpoch,
     * KIP-320) and reads on from there: were the old epoch's end answered too low, it would see a
     * truncation and, with auto.offset.reset=none, fail.
     */
    private static void checkLeaderEpochs(String topic, int partition, Read read) {
        List<long[]> changes = read.epochChanges(partition);
        assertThat(changes).as("(offset, epoch) where the epoch of %s-%d changes", topic, partition)
                .hasSizeGreaterThanOrEqualTo(2);
        long firstOfNewEpoch = changes.get(1)[0];
        int oldEpoch = (int) changes.get(0)[1];
        TopicPartition tp = new TopicPartition(topic, partition);
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(cluster.bootstrapServers(),
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"))) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, new OffsetAndMetadata(firstOfNewEpoch, Optional.of(oldEpoch), ""));
            long end = consumer.endOffsets(List.of(tp), TIMEOUT).get(tp);
            List<Long> offsets = new ArrayList<>();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (consumer.position(tp, TIMEOUT) < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(record -> offsets.add(record.offset()));
            }
            assertThat(offsets).as("offsets read from %d with epoch %d", firstOfNewEpoch, oldEpoch)
                    .isEqualTo(java.util.stream.LongStream.range(firstOfNewEpoch, end).boxed().toList());
        }
    }

    /**
     * Fault 5: a rolling restart while the stream runs: each node in turn is stopped (SIGTERM),
     * started again, and waited for until it describes the topic with a leader for every partition,
     * before the next one goes. The stream goes on throughout, at a steady rate; the checks are
     * those of the faults above, and once the stream ends the preferred leaders take their groups back.
     */
    @Test
    @Tag("volume")
    void aRollingRestartDuringAnAcksAllStreamLosesNothing() throws Exception {
        String topic = "rolling";
        createThroughNode1(topic);
        Ledger ledger = new Ledger();
        long startedAt = System.nanoTime();
        CompletableFuture<Void> rolling = CompletableFuture.runAsync(() -> {
            try {
                for (int node = 1; node <= NODES; node++) {
                    assertThat(cluster.stop(node)).as("exit code of node %d after SIGTERM", node).isZero();
                    cluster.restart(node);
                    // Back as a member, not necessarily as a leader: under a steady stream a group's leader
                    // does not hand leadership back, since the restarted node is never fully caught up.
                    try (Admin admin = KafkaClients.admin(cluster.node(node).bootstrapServers())) {
                        awaitTopic(admin, topic);
                    }
                    log.info("Rolling restart: node {} back after {} ms", node, millisSince(startedAt));
                }
                // Under a steady stream the groups do not go back to their preferred leaders by themselves
                // (seen here: not within 30 s); an election of the preferred leaders moves them.
                try (Admin admin = KafkaClients.admin(cluster.bootstrapServers())) {
                    Map<TopicPartition, Optional<Throwable>> elected = admin.electLeaders(ElectionType.PREFERRED,
                            new java.util.HashSet<>(KafkaClients.partitions(topic, PARTITIONS))).partitions()
                            .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    elected.forEach((partition, error) -> assertThat(error).as("election in %s", partition)
                            .satisfiesAnyOf(e -> assertThat(e).isEmpty(),
                                    e -> assertThat(e).containsInstanceOf(ElectionNotNeededException.class)));
                }
                awaitPreferredLeaders(topic);
                log.info("Rolling restart: preferred leaders elected again under the stream after {} ms",
                        millisSince(startedAt));
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        int sent = 0;
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(cluster.bootstrapServers(), Map.of(
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000))) {
            java.util.concurrent.Semaphore unanswered = new java.util.concurrent.Semaphore(IN_FLIGHT);
            long nextAt = System.nanoTime();
            for (; sent < RECORDS || !rolling.isDone(); sent++) {
                // A steady rate, so that the stream spans every restart rather than racing ahead of it.
                nextAt += ROLLING_SEND_INTERVAL.toNanos();
                java.util.concurrent.locks.LockSupport.parkNanos(nextAt - System.nanoTime());
                ledger.sendInStream(producer, unanswered, topic, sent, TIMEOUT, (metadata, error) -> { });
            }
            producer.flush();
        }
        rolling.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        log.info("Rolling restart of {} nodes under a stream of {} records took {} ms", NODES, sent,
                millisSince(startedAt));
        checkStream(topic, ledger, sent);
    }

    /**
     * Kafka's ElectLeaders, from any node: where the preferred leaders lead, a preferred election is not
     * needed, nor an unclean one (Raft has none); an unknown partition is refused; asked for every
     * partition, the answer lists none. (That an election moves leaders under load is shown in the
     * rolling restart.)
     */
    @Test
    void electingLeadersIsAnsweredByAnyNode() throws Exception {
        String topic = "elect";
        createThroughNode1(topic);
        awaitPreferredLeaders(topic);
        java.util.Set<TopicPartition> partitions = new java.util.HashSet<>(KafkaClients.partitions(topic, PARTITIONS));
        TopicPartition missing = new TopicPartition(topic, PARTITIONS);
        try (Admin third = KafkaClients.admin(cluster.node(3).bootstrapServers())) {
            for (ElectionType type : ElectionType.values()) {
                java.util.Set<TopicPartition> asked = new java.util.HashSet<>(partitions);
                asked.add(missing);
                Map<TopicPartition, Optional<Throwable>> results = third.electLeaders(type, asked).partitions()
                        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                for (TopicPartition partition : partitions) {
                    assertThat(results.get(partition)).as("%s election of %s", type, partition)
                            .containsInstanceOf(ElectionNotNeededException.class);
                }
                assertThat(results.get(missing)).as("%s election of %s", type, missing)
                        .containsInstanceOf(UnknownTopicOrPartitionException.class);
            }
            assertThat(third.electLeaders(ElectionType.PREFERRED, null).partitions()
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("a preferred election of every partition")
                    .isEmpty();
        }
    }

    /**
     * Every one of {@code sent} sends was acknowledged once, each record is read back at the offset it
     * was acknowledged at, and once the preferred leaders are back every replica holds the same bytes.
     */
    private static Read checkStream(String topic, Ledger ledger, int sent) throws Exception {
        ledger.assertEverySendAcknowledgedOnce(sent);
        Read read = Read.everyAcknowledgedRecord(cluster.bootstrapServers(), topic, PARTITIONS, ledger);
        awaitPreferredLeaders(topic);
        ReplicaBytes.awaitSame(cluster, cluster.ids(), topic, PARTITIONS, TIMEOUT);
        for (int node = 1; node <= NODES; node++) {
            assertThat(snapshotMarkers(node)).as("partition-group snapshots on node %d", node).isPositive();
        }
        return read;
    }

    /** Creates {@code topic} with {@link #PARTITIONS} partitions through node 1 and waits until it has its leaders. */
    private static TopicDescription createThroughNode1(String topic) throws Exception {
        try (Admin first = KafkaClients.admin(cluster.node(1).bootstrapServers())) {
            first.createTopics(List.of(new NewTopic(topic, Optional.of(PARTITIONS), Optional.empty()))).all()
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return awaitTopic(first, topic);
        }
    }

    /** How many partition-group snapshots node {@code node} keeps (markers in its Raft directory). */
    private static long snapshotMarkers(int node) throws java.io.IOException {
        // Names only, group by group: the node purges its Raft logs and old markers meanwhile, and a walk
        // that reads each file's attributes fails on one deleted under it.
        long markers = 0;
        try (java.util.stream.Stream<Path> groups = java.nio.file.Files.list(cluster.node(node).dataDir()
                .resolve("raft"))) {
            for (Path group : groups.toList()) {
                try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(group.resolve("sm"))) {
                    markers += files.filter(file -> file.getFileName().toString().startsWith("snapshot.")).count();
                } catch (java.nio.file.NoSuchFileException | java.nio.file.NotDirectoryException notAGroup) {
                    // removed-groups, or a group without a state machine directory yet
                }
            }
        }
        return markers;
    }

    /**
     * HTTP on any node: records produced through one node's HTTP API land on their partitions'
     * leaders, and every partition reads back through another node's HTTP API.
     */
    @Test
    void recordsProducedOverHttpThroughOneNodeAreReadOverHttpThroughAnother() throws Exception {
        String topic = "over-http";
        createThroughNode1(topic);
        try (Admin third = KafkaClients.admin(cluster.node(3).bootstrapServers())) {
            awaitTopic(third, topic);
        }
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        StringBuilder body = new StringBuilder("{\"records\": [");
        int count = 60;
        for (int i = 0; i < count; i++) {
            body.append(i == 0 ? "" : ",").append("{\"key\": \"k").append(i).append("\", \"value\": \"v").append(i)
                    .append("\"}");
        }
        body.append("]}");
        java.net.http.HttpResponse<String> produced = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(cluster.node(3).httpUrl() + "/v1/topics/" + topic + "/records"))
                        .header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(produced.statusCode()).as("produce answer %s", produced.body()).isEqualTo(200);
        assertThat(produced.body()).doesNotContain("null");

        List<String> values = new ArrayList<>();
        for (int partition = 0; partition < PARTITIONS; partition++) {
            java.net.http.HttpResponse<String> read = http.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(cluster.node(1).httpUrl() + "/v1/topics/" + topic + "/partitions/"
                                    + partition + "/records?follow=false")).GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(read.statusCode()).as("read of partition %d: %s", partition, read.body()).isEqualTo(200);
            read.body().lines().filter(line -> !line.isBlank())
                    .forEach(line -> values.add(line.replaceAll(".*\"value\":\"([^\"]*)\".*", "$1")));
        }
        assertThat(values).containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, count)
                .mapToObj(i -> "v" + i).toList());
    }

    /**
     * KIP-951: a node asked to produce to or fetch from a partition another node leads answers
     * NOT_LEADER_OR_FOLLOWER naming the leader, with the leader's endpoint (Produce v11, Fetch v16).
     */
    @Test
    void aNodeThatDoesNotLeadAPartitionNamesItsLeader() throws Exception {
        String topic = "hints";
        TopicDescription description = createThroughNode1(topic);
        TopicPartitionInfo elsewhere = description.partitions().stream().filter(p -> p.leader().id() != 1)
                .findFirst().orElseThrow();
        int leader = elsewhere.leader().id();
        try (RawKafkaConnection connection = new RawKafkaConnection(cluster.node(1).bootstrapServers())) {
            ProduceRequestData produce = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000);
            produce.topicData().add(new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(
                    List.of(new ProduceRequestData.PartitionProduceData().setIndex(elsewhere.partition())
                            .setRecords(MemoryRecords.withRecords(Compression.NONE,
                                    new SimpleRecord(KafkaClients.value(1)))))));
            ProduceResponseData produced = ((ProduceResponse) connection.call(ApiKeys.PRODUCE, (short) 11, produce))
                    .data();
            ProduceResponseData.PartitionProduceResponse refused = produced.responses().iterator().next()
                    .partitionResponses().get(0);
            assertThat(Errors.forCode(refused.errorCode())).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
            assertThat(refused.currentLeader().leaderId()).isEqualTo(leader);
            assertThat(produced.nodeEndpoints()).singleElement().satisfies(node -> {
                assertThat(node.nodeId()).isEqualTo(leader);
                assertThat(cluster.node(leader).bootstrapServers()).endsWith(":" + node.port());
            });

            FetchRequestData fetch = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1)
                    .setMaxBytes(1 << 20).setIsolationLevel((byte) 0);
            fetch.topics().add(new FetchRequestData.FetchTopic().setTopicId(description.topicId()).setPartitions(
                    List.of(new FetchRequestData.FetchPartition().setPartition(elsewhere.partition())
                            .setFetchOffset(0).setPartitionMaxBytes(1 << 20).setLogStartOffset(-1)
                            .setCurrentLeaderEpoch(-1))));
            FetchResponseData fetched = ((FetchResponse) connection.call(ApiKeys.FETCH, (short) 16, fetch)).data();
            FetchResponseData.PartitionData notHere = fetched.responses().get(0).partitions().get(0);
            assertThat(Errors.forCode(notHere.errorCode())).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
            assertThat(notHere.currentLeader().leaderId()).isEqualTo(leader);
            assertThat(fetched.nodeEndpoints()).singleElement()
                    .satisfies(node -> assertThat(node.nodeId()).isEqualTo(leader));
        }
    }

    @Test
    void aTopicCreatedThroughTwoNodesAtOnceIsCreatedOnce() throws Exception {
        String topic = "contested";
        try (Admin first = KafkaClients.admin(cluster.node(1).bootstrapServers());
             Admin second = KafkaClients.admin(cluster.node(2).bootstrapServers())) {
            // Both connected first, so that the two requests are in flight together.
            first.describeCluster().nodes().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            second.describeCluster().nodes().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

            // Different partition counts tell which of the two requests created the topic.
            KafkaFuture<Void> withTwo = first.createTopics(List.of(new NewTopic(topic, Optional.of(2),
                    Optional.empty()))).all();
            KafkaFuture<Void> withThree = second.createTopics(List.of(new NewTopic(topic, Optional.of(3),
                    Optional.empty()))).all();
            Throwable twoFailed = failureOf(withTwo);
            Throwable threeFailed = failureOf(withThree);

            String outcomes = "through node 1: " + (twoFailed == null ? "created" : twoFailed)
                    + "; through node 2: " + (threeFailed == null ? "created" : threeFailed);
            assertThat(twoFailed == null ^ threeFailed == null).as("exactly one creation succeeds (%s)", outcomes)
                    .isTrue();
            assertThat(twoFailed == null ? threeFailed : twoFailed).isInstanceOf(TopicExistsException.class);
            try (Admin third = KafkaClients.admin(cluster.node(3).bootstrapServers())) {
                assertThat(awaitTopic(third, topic).partitions()).as("partitions of the topic created")
                        .hasSize(twoFailed == null ? 2 : 3);
            }
        }
    }

    /**
     * The committed offsets are replicated by the log of the partition group the consumer group's id
     * hashes to, whose leader coordinates the group: a consumer commits what it read, its
     * coordinator is killed (-9), and the next consumer of the group, through another coordinator,
     * finds the same committed offsets and reads on from exactly there (no record skipped or read
     * twice); after the old coordinator is back, every node that coordinates the group still has them.
     */
    @Test
    void committedOffsetsSurviveTheKillOfTheirCoordinator() throws Exception {
        String topic = "positions";
        String group = "position-keepers";
        createThroughNode1(topic);
        Ledger ledger = produce(topic, cluster.bootstrapServers());
        ledger.assertEverySendAcknowledgedOnce(RECORDS);
        Collection<TopicPartition> partitions = KafkaClients.partitions(topic, PARTITIONS);
        Map<String, Object> member = Map.of(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 200,
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
        Read read = new Read(ledger);
        Map<TopicPartition, OffsetAndMetadata> committed;
        try (KafkaConsumer<byte[], byte[]> first = KafkaClients.groupConsumer(cluster.bootstrapServers(), group,
                member)) {
            first.subscribe(List.of(topic));
            readInGroup(first, read, RECORDS / 2);
            first.commitSync(TIMEOUT);
            committed = first.committed(java.util.Set.copyOf(partitions), TIMEOUT);
        }
        // A partition the consumer got no record of yet has no committed offset (null).
        assertThat(committed.values().stream().filter(java.util.Objects::nonNull).mapToLong(OffsetAndMetadata::offset)
                .sum()).as("offsets committed after reading %d records", read.count()).isEqualTo(read.count());
        int coordinator;
        try (Admin admin = KafkaClients.admin(cluster.bootstrapServers())) {
            coordinator = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).coordinator().id();
        }
        cluster.kill(coordinator);
        long killedAt = System.nanoTime();
        try (KafkaConsumer<byte[], byte[]> next = KafkaClients.groupConsumer(cluster.bootstrapServers(), group,
                member)) {
            assertThat(next.committed(java.util.Set.copyOf(partitions), TIMEOUT))
                    .as("the offsets committed through node %d, after its kill", coordinator).isEqualTo(committed);
            log.info("Node {} (coordinator of {}) killed; its committed offsets served by another node after {} ms",
                    coordinator, group, millisSince(killedAt));
            next.subscribe(List.of(topic));
            // Read checks that each partition goes on at the offset the first consumer committed.
            readInGroup(next, read, RECORDS);
            next.commitSync(TIMEOUT);
        }
        try (KafkaConsumer<byte[], byte[]> plain = KafkaClients.consumer(cluster.bootstrapServers(), Map.of())) {
            read.finish(topic, plain.endOffsets(partitions, TIMEOUT));
        }
        cluster.restart(coordinator);
        awaitPreferredLeaders(topic);
        try (KafkaConsumer<byte[], byte[]> after = KafkaClients.groupConsumer(cluster.bootstrapServers(), group,
                member)) {
            Map<TopicPartition, OffsetAndMetadata> end = after.committed(java.util.Set.copyOf(partitions), TIMEOUT);
            assertThat(end.values().stream().filter(java.util.Objects::nonNull).mapToLong(OffsetAndMetadata::offset)
                    .sum())
                    .as("offsets committed at the end, after node %d is back", coordinator).isEqualTo(RECORDS);
        }
    }

    /** Polls until {@code read} holds {@code records} records (each checked as it comes); fails after a quiet spell. */
    private static void readInGroup(KafkaConsumer<byte[], byte[]> consumer, Read read, int records) {
        long lastProgress = System.nanoTime();
        while (read.count() < records) {
            if (System.nanoTime() - lastProgress > TIMEOUT.toNanos()) {
                throw new AssertionError("no record within " + TIMEOUT + " after " + read.count() + " were read;"
                        + " assigned " + consumer.assignment());
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(PAUSE)) {
                read.accept(record);
                lastProgress = System.nanoTime();
            }
        }
    }

    /** Sends {@link #RECORDS} keyed records with an idempotent producer; returns what was acknowledged. */
    private static Ledger produce(String topic, String bootstrap) {
        Ledger ledger = new Ledger();
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(bootstrap, Map.of(
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true))) {
            for (int i = 0; i < RECORDS; i++) {
                int number = i;
                producer.send(new ProducerRecord<>(topic, key(number), KafkaClients.value(number)),
                        (metadata, error) -> ledger.completed(number, metadata, error));
            }
            producer.flush();
        }
        return ledger;
    }

    /** A consumer in a group of its own reads every record once, each as acknowledged. */
    private static void consumeInGroup(String topic, String bootstrap, Ledger ledger) {
        Read read = new Read(ledger);
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.groupConsumer(bootstrap, "ledger-readers",
                Map.of(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 200,
                        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000))) {
            consumer.subscribe(List.of(topic));
            long lastProgress = System.nanoTime();
            while (read.count() < RECORDS) {
                if (System.nanoTime() - lastProgress > TIMEOUT.toNanos()) {
                    throw new AssertionError("no record within " + TIMEOUT + " after " + read.count() + " of "
                            + RECORDS + " were read; assigned " + consumer.assignment());
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(PAUSE)) {
                    read.accept(record);
                    lastProgress = System.nanoTime();
                }
            }
            read.finish(topic, consumer.endOffsets(KafkaClients.partitions(topic, PARTITIONS), TIMEOUT));
        }
    }

    /**
     * The topic as {@code admin}'s node describes it, once it knows the topic and a leader for each
     * partition; a node learns of a topic created through another when its metadata catches up.
     */
    private static TopicDescription awaitTopic(Admin admin, String topic) throws Exception {
        AtomicReference<Object> lastAnswer = new AtomicReference<>();
        Eventually.until("the topic " + topic + " is described with a leader for each partition", TIMEOUT, PAUSE,
                () -> {
                    try {
                        TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                                .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).get(topic);
                        lastAnswer.set(description);
                        return description.partitions().stream()
                                .allMatch(partition -> partition.leader() != null && !partition.leader().isEmpty());
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                            throw e;
                        }
                        lastAnswer.set(e.getCause());
                        return false;
                    }
                }, () -> "; the last answer was " + lastAnswer.get());
        return (TopicDescription) lastAnswer.get();
    }

    /**
     * Waits until each node leads two of the topic's partitions again: a restarted node takes back the
     * groups it is the preferred leader of once it has caught up, and while leadership moves a
     * partition briefly has no leader (an HTTP produce is then answered 503), which the next test
     * must not meet.
     */
    private static void awaitPreferredLeaders(String topic) throws Exception {
        try (Admin admin = KafkaClients.admin(cluster.bootstrapServers())) {
            AtomicReference<Map<Integer, Integer>> leaders = new AtomicReference<>();
            Eventually.until("every node leads two partitions of " + topic + " again", TIMEOUT, PAUSE, () -> {
                leaders.set(leaders(awaitTopic(admin, topic)));
                return leaders.get().values().stream().collect(Collectors.groupingBy(Function.identity(),
                        Collectors.counting())).equals(Map.of(1, 2L, 2, 2L, 3, 2L));
            }, () -> "; leaders " + leaders.get());
        }
    }

    /**
     * Waits until node {@code node}'s Metadata answer gives the topic's in-sync replicas (partition →
     * node ids) as {@code expected} says: a follower that stopped leaves them after the replica lag
     * time, and comes back once it caught up. Asked on one connection to that node: an admin client
     * would send its requests to whichever node it likes, the paused one included.
     */
    private static void awaitInSyncReplicas(String topic, int node, String what,
                                            java.util.function.Predicate<Map<Integer, List<Integer>>> expected)
            throws Exception {
        AtomicReference<Map<Integer, List<Integer>>> last = new AtomicReference<>();
        long startedAt = System.nanoTime();
        try (RawKafkaConnection connection = new RawKafkaConnection(cluster.node(node).bootstrapServers())) {
            Eventually.until("node " + node + " gives the in-sync replicas of " + topic + " " + what, TIMEOUT, PAUSE,
                    () -> {
                        org.apache.kafka.common.requests.MetadataResponse response =
                                (org.apache.kafka.common.requests.MetadataResponse) connection.call(ApiKeys.METADATA,
                                        (short) 12, new org.apache.kafka.common.message.MetadataRequestData()
                                                .setTopics(List.of(new org.apache.kafka.common.message
                                                        .MetadataRequestData.MetadataRequestTopic().setName(topic))));
                        Map<Integer, List<Integer>> isr = new TreeMap<>();
                        response.data().topics().find(topic).partitions()
                                .forEach(p -> isr.put(p.partitionIndex(), p.isrNodes()));
                        last.set(isr);
                        return isr.size() == PARTITIONS && expected.test(isr);
                    }, () -> "; the last answer was " + last.get());
        }
        log.info("In-sync replicas of {} {} after {} ms", topic, what, millisSince(startedAt));
    }

    /** Partition → the id of its leader. */
    private static Map<Integer, Integer> leaders(TopicDescription description) {
        return description.partitions().stream()
                .collect(Collectors.toMap(TopicPartitionInfo::partition, partition -> partition.leader().id()));
    }

    /** Null if {@code future} succeeds within the timeout, else why it failed. */
    private static Throwable failureOf(KafkaFuture<Void> future) throws Exception {
        try {
            future.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    private static byte[] key(int number) {
        return Ledger.key(number);
    }

    private static Integer[] range(int count) {
        Integer[] out = new Integer[count];
        Arrays.setAll(out, i -> i);
        return out;
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
