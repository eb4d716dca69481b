package io.riverlog.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.testkit.BrokerCluster;
import io.riverlog.testkit.Eventually;
import io.riverlog.testkit.KafkaClients;

/**
 * A node whose disk was replaced rejoins a cluster whose partition group's Raft log was purged behind
 * its snapshots: it cannot be sent the entries, so it copies the group's state from a member (the
 * partitions' segments and the committed offsets), and then applies the entries after the copy's
 * snapshot. One partition group carries everything, so that its log holds several segments to purge,
 * and its preferred leader, node 1, is the node wiped: once it has caught up it leads again, and
 * serves the records and the committed offsets from what it copied. Then node 3 is down while more
 * entries are written than a lagging member may hold the purge back by: the others purge their logs
 * past it anyway, and when it returns it copies the state. Then the group moves to a fourth node,
 * which joins it after the purge and so copies the state too.
 */
class SnapshotInstallIT {
    private static final Logger log = LoggerFactory.getLogger(SnapshotInstallIT.class);
    /** Three members of the one partition group, and a fourth node that it moves to. */
    private static final int NODES = 4;
    private static final String TOPIC = "copied";
    private static final int PARTITIONS = 3;
    private static final int RECORDS = 4_000;
    private static final int RECORDS_AFTER = 500;
    /** Written while node 3 is down: 4 MB, several of the log's segments and far more entries than it may lag. */
    private static final int RECORDS_WHILE_DOWN = 2_000;
    private static final int LAGGING_MEMBER_ENTRIES = 64;
    /** Records of 2 KiB: 8 MB in all, eight segments of the group's Raft log to purge. */
    private static final int VALUE_BYTES = 2048;
    private static final int IN_FLIGHT = 200;
    private static final String GROUP = "copied-offsets";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Duration PAUSE = Duration.ofMillis(200);
    /** How a node that installed a snapshot says what it copied. */
    private static final Pattern COPIED = Pattern.compile("\\((\\d+) bytes fetched, (\\d+) reused");

    /** Kept when the test fails: each node's data and its output (node-N-broker.out) are the evidence. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void aNodeWhoseDiskWasReplacedOrThatAGroupMovesToCopiesThePurgedState() throws Exception {
        try (BrokerCluster cluster = BrokerCluster.start(dir, NODES, List.of(
                "-Driverlog.cluster.partition-groups=1", "-Driverlog.cluster.raft-snapshot-entries=16",
                "-Driverlog.cluster.raft-log-segment-size=1MiB", "-Driverlog.cluster.replica-lag-time=3s",
                "-Driverlog.cluster.snapshot-install-retry-interval=500ms",
                "-Driverlog.cluster.lagging-member-entries=" + LAGGING_MEMBER_ENTRIES));
             Admin admin = KafkaClients.admin(cluster.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic(TOPIC, Optional.of(PARTITIONS), Optional.empty()))).all()
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            awaitLeaders(admin, 1);
            // Committed before the records, so that the entry holding them is among those purged.
            Map<TopicPartition, OffsetAndMetadata> committed = Map.of(new TopicPartition(TOPIC, 0),
                    new OffsetAndMetadata(100, "zero"), new TopicPartition(TOPIC, 1), new OffsetAndMetadata(200),
                    new TopicPartition(TOPIC, 2), new OffsetAndMetadata(300, "two"));
            admin.alterConsumerGroupOffsets(GROUP, committed).all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

            Ledger ledger = new Ledger();
            send(cluster, ledger, 0, RECORDS);
            Eventually.until("node 2 purged the partition group's Raft log", TIMEOUT, PAUSE,
                    () -> firstRaftIndex(cluster.node(2).dataDir()) > 0,
                    () -> "; its data group's log starts at " + firstRaftIndex(cluster.node(2).dataDir()));

            cluster.kill(1);
            deleteTree(cluster.node(1).dataDir());
            long restartedAt = System.nanoTime();
            cluster.restart(1);
            Eventually.until("node 1 copied the group's state from a member", TIMEOUT, PAUSE,
                    () -> cluster.node(1).output().contains("installed the leader's snapshot"), () -> "");
            awaitLeaders(admin, 1);
            log.info("Node 1, its disk replaced, copied the group's state and leads again {} ms after its restart",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartedAt));

            send(cluster, ledger, RECORDS, RECORDS + RECORDS_AFTER);
            ledger.assertEverySendAcknowledgedOnce(RECORDS + RECORDS_AFTER);
            // Read from node 1, the leader of every partition: what it copied, then what it applied since.
            Read.everyAcknowledgedRecord(cluster.node(1).bootstrapServers(), TOPIC, PARTITIONS, ledger, VALUE_BYTES);
            ReplicaBytes.awaitSame(cluster, List.of(1, 2, 3), TOPIC, PARTITIONS, TIMEOUT);
            // Node 1 coordinates the group again (its shard is the one group), from the offsets it copied.
            Eventually.until("node 1 coordinates " + GROUP, TIMEOUT, PAUSE, () -> admin.describeConsumerGroups(
                    List.of(GROUP)).describedGroups().get(GROUP).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                    .coordinator().id() == 1, () -> "");
            assertThat(admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata()
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(committed);

            // Node 3 is down while the others write on: without a bound on how far it may lag, it would hold
            // the purge back behind what it had committed, in the log's segment open when it went down.
            int sent = RECORDS + RECORDS_AFTER;
            cluster.kill(3);
            long openAtKill = newestRaftSegmentStart(cluster.node(2).dataDir());
            send(cluster, ledger, sent, sent + RECORDS_WHILE_DOWN);
            sent += RECORDS_WHILE_DOWN;
            Eventually.until("node 2 purged its log past the segment open when node 3 went down", TIMEOUT, PAUSE,
                    () -> firstRaftIndex(cluster.node(2).dataDir()) > openAtKill,
                    () -> "; its log starts at " + firstRaftIndex(cluster.node(2).dataDir()) + ", that segment at "
                            + openAtKill);
            cluster.restart(3);
            Eventually.until("node 3 copied the group's state from a member", TIMEOUT, PAUSE,
                    () -> cluster.node(3).output().contains("installed the leader's snapshot"), () -> "");
            // It fetched what it missed; the segments' bytes it held already it took from its own replicas.
            Matcher copied = COPIED.matcher(cluster.node(3).output());
            assertThat(copied.find()).as("node 3 says what it copied").isTrue();
            long fetched = Long.parseLong(copied.group(1));
            long reused = Long.parseLong(copied.group(2));
            log.info("Node 3, back after {} records, fetched {} bytes and reused {} of its own", RECORDS_WHILE_DOWN,
                    fetched, reused);
            assertThat(reused).as("bytes reused").isGreaterThan(fetched);
            ReplicaBytes.awaitSame(cluster, List.of(1, 2, 3), TOPIC, PARTITIONS, TIMEOUT);

            // The group moves from nodes 1, 2, 3 to 1, 2, 4: node 4 needs entries purged long ago.
            admin.alterPartitionReassignments(Map.of(new TopicPartition(TOPIC, 0),
                    Optional.of(new NewPartitionReassignment(List.of(1, 2, 4))))).all()
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            Eventually.until("every partition of " + TOPIC + " has replicas 1, 2, 4 and no move under way", TIMEOUT,
                    PAUSE, () -> admin.listPartitionReassignments().reassignments()
                            .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).isEmpty()
                            && admin.describeTopics(List.of(TOPIC)).allTopicNames()
                            .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).get(TOPIC).partitions().stream()
                            .allMatch(p -> p.replicas().stream().map(Node::id).sorted().toList()
                                    .equals(List.of(1, 2, 4))), () -> "");
            assertThat(cluster.node(4).output()).contains("installed the leader's snapshot");
            send(cluster, ledger, sent, sent + RECORDS_AFTER);
            ledger.assertEverySendAcknowledgedOnce(sent + RECORDS_AFTER);
            Read.everyAcknowledgedRecord(cluster.bootstrapServers(), TOPIC, PARTITIONS, ledger, VALUE_BYTES);
            ReplicaBytes.awaitSame(cluster, List.of(1, 2, 4), TOPIC, PARTITIONS, TIMEOUT);
        }
    }

    private static void send(BrokerCluster cluster, Ledger ledger, int from, int to) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(cluster.bootstrapServers(), Map.of(
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000))) {
            Semaphore unanswered = new Semaphore(IN_FLIGHT);
            for (int i = from; i < to; i++) {
                ledger.sendInStream(producer, unanswered, TOPIC, i, TIMEOUT, (metadata, error) -> { }, VALUE_BYTES);
            }
            producer.flush();
        }
    }

    /** Waits until {@code node} leads every partition of the topic (the group's preferred leader, once caught up). */
    private static void awaitLeaders(Admin admin, int node) throws Exception {
        Eventually.until("node " + node + " leads every partition of " + TOPIC, TIMEOUT, PAUSE, () -> {
            TopicDescription description = admin.describeTopics(List.of(TOPIC)).allTopicNames()
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).get(TOPIC);
            return description.partitions().stream().map(TopicPartitionInfo::leader)
                    .allMatch(leader -> leader != null && leader.id() == node);
        }, () -> "");
    }

    /** The first index in the partition group's Raft log on the node, or -1 if it has none. */
    private static long firstRaftIndex(Path dataDir) throws IOException {
        return raftSegmentStarts(dataDir).stream().mapToLong(Long::longValue).min().orElse(-1);
    }

    /** Where the newest segment of the partition group's Raft log on the node starts, or -1 if it has none. */
    private static long newestRaftSegmentStart(Path dataDir) throws IOException {
        return raftSegmentStarts(dataDir).stream().mapToLong(Long::longValue).max().orElse(-1);
    }

    /**
     * The first indexes of the partition group's Raft log segments on the node (closed ones are named
     * {@code log_<start>-<end>}, the open one {@code log_inprogress_<start>}). The metadata group's
     * directory is the one whose log starts at 0 and is never purged; the data group's is the other,
     * so the one whose first start is the larger is the data group's.
     */
    private static List<Long> raftSegmentStarts(Path dataDir) throws IOException {
        Path raft = dataDir.resolve("raft");
        List<Long> data = List.of();
        if (!Files.isDirectory(raft)) {
            return data;
        }
        try (Stream<Path> groups = Files.list(raft)) {
            for (Path group : groups.filter(d -> Files.isDirectory(d.resolve("current"))).toList()) {
                try (Stream<Path> files = Files.list(group.resolve("current"))) {
                    List<Long> starts = files.map(f -> f.getFileName().toString())
                            .filter(name -> name.startsWith("log_"))
                            .map(name -> Long.parseLong(name.replace("log_inprogress_", "").replace("log_", "")
                                    .split("-")[0])).sorted().toList();
                    if (!starts.isEmpty() && (data.isEmpty() || starts.get(0) > data.get(0))) {
                        data = starts;
                    }
                }
            }
        }
        return data;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(path);
            }
        }
    }
}
