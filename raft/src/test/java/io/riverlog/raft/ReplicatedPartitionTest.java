package io.riverlog.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.actors.replica.ReplicaApplier;
import io.riverlog.actors.replica.ReplicaEntry;
import io.riverlog.actors.replica.ReplicaProgress;
import io.riverlog.actors.replica.ReplicaStateMachine;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogRecord;
import io.riverlog.wal.Storage;

/**
 * One partition replicated by a partition group of three in-JVM Raft nodes, each
 * with its own partition actor and files. Appends submitted through any node are answered with their
 * offsets once committed; every replica holds the same records at the same offsets; after the
 * group's leader is closed, the others go on from where it stopped.
 */
class ReplicatedPartitionTest {
    private static final ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());
    private static final PartitionSettings SETTINGS = PartitionSettings.fromConfig(ConfigFactory.load());
    private static final PartitionId ID = new PartitionId("orders", 0);
    private static final UUID TOPIC_ID = UUID.randomUUID();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private final Map<Integer, RaftNode> nodes = new TreeMap<>();
    private final Map<Integer, ActorRef<PartitionActor.Command>> replicas = new TreeMap<>();
    private String list;
    private ClusterSettings clusterSettings = ClusterSettings.fromConfig(ConfigFactory.load(), 1);

    @AfterEach
    void close() {
        nodes.values().forEach(RaftNode::close);
    }

    @AfterAll
    static void stopKit() {
        kit.shutdownTestKit();
    }

    @Test
    void everyReplicaHoldsTheSameRecordsAndTheOthersGoOnAfterTheLeaderStops() throws Exception {
        pickPorts();
        for (int id = 1; id <= 3; id++) {
            start(id);
        }

        List<Long> offsets = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            offsets.add(append("r" + i));
        }
        assertThat(offsets).containsExactlyElementsOf(java.util.stream.LongStream.range(0, 30).boxed().toList());

        int leader = (int) nodes.get(1).leaderAndTerm(0).orElseThrow()[0];
        nodes.remove(leader).close();
        for (int i = 30; i < 40; i++) {
            assertThat(append("r" + i)).isEqualTo(i);
        }

        List<String> expected = java.util.stream.IntStream.range(0, 40).mapToObj(i -> "r" + i).toList();
        for (int id : nodes.keySet()) {
            long end = System.nanoTime() + WAIT.toNanos();
            while (values(replicas.get(id)).size() < 40 && System.nanoTime() < end) {
                TimeUnit.MILLISECONDS.sleep(50);
            }
            assertThat(values(replicas.get(id))).as("replica %d", id).containsExactlyElementsOf(expected);
        }
        assertThat(values(replicas.get(leader))).as("the stopped leader").containsExactlyElementsOf(
                expected.subList(0, 30));

        // Every node stops, then all start again on their files: the group applies its log again from
        // the start, and each replica skips what it had applied (no record twice), then catches up.
        restartAll();
        assertThat(append("r40")).isEqualTo(40);
        List<String> after = new ArrayList<>(expected);
        after.add("r40");
        everyReplicaHolds(after);
    }

    /**
     * With a snapshot every few entries each member keeps markers of them and purges its log behind
     * them (every member has committed that far), and a restart of all applies only what came after
     * the newest: every replica ends with the same records, none twice, none missing.
     */
    @Test
    void aRestartGoesOnFromTheNewestSnapshot() throws Exception {
        clusterSettings = ClusterSettings.fromConfig(ConfigFactory.parseString(
                "riverlog.cluster.raft-snapshot-entries = 8\n"
                + "riverlog.cluster.raft-log-segment-size = 1MiB").withFallback(ConfigFactory.load()), 1);
        pickPorts();
        for (int id = 1; id <= 3; id++) {
            start(id);
        }
        String padding = "x".repeat(60_000);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            expected.add(i + padding);
            assertThat(append(i + padding)).isEqualTo(i);
        }
        for (int id = 1; id <= 3; id++) {
            Path raftDir = dir.resolve("raft-" + id);
            long end = System.nanoTime() + WAIT.toNanos();
            while ((markers(raftDir) == 0 || nodes.get(id).logStartIndex(0) == 0) && System.nanoTime() < end) {
                TimeUnit.MILLISECONDS.sleep(50);
            }
            // Two are kept; a third lives between its writing and the deletion of the oldest.
            assertThat(markers(raftDir)).as("snapshot markers of node %d (older ones deleted)", id).isBetween(1L, 3L);
            assertThat(nodes.get(id).logStartIndex(0)).as("start of node %d's log: purged", id).isPositive();
        }

        restartAll();
        expected.add("last");
        assertThat(append("last")).isEqualTo(80);
        everyReplicaHolds(expected);
    }

    /** Snapshot markers in the groups' state machine directories: names only, as the node deletes files meanwhile. */
    private static long markers(Path raftDir) throws java.io.IOException {
        long markers = 0;
        try (java.util.stream.Stream<Path> groups = java.nio.file.Files.list(raftDir)) {
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

    /** Every node stops, then all start again on their files. */
    private void restartAll() throws Exception {
        for (int id : List.copyOf(nodes.keySet())) {
            nodes.remove(id).close();
        }
        for (int id = 1; id <= 3; id++) {
            kit.stop(replicas.remove(id));
        }
        for (int id = 1; id <= 3; id++) {
            start(id);
        }
    }

    private void everyReplicaHolds(List<String> expected) throws InterruptedException {
        for (int id = 1; id <= 3; id++) {
            long end = System.nanoTime() + WAIT.toNanos();
            while (values(replicas.get(id)).size() < expected.size() && System.nanoTime() < end) {
                TimeUnit.MILLISECONDS.sleep(50);
            }
            assertThat(values(replicas.get(id))).as("replica %d after a restart of all", id)
                    .containsExactlyElementsOf(expected);
        }
    }

    private void pickPorts() throws java.io.IOException {
        list = LoopbackMembers.ofThree();
    }

    private void start(int id) throws Exception {
        ClusterSettings settings = clusterSettings;
        ReplicaApplier applier = new ReplicaApplier(kit.scheduler(), WAIT, Storage.LOCAL);
        Path partitionDir = dir.resolve("data-" + id).resolve(ID.directoryName());
        // The actor's writer cuts the log back to what was applied before it opens it.
        ActorRef<PartitionActor.Command> actor = kit.spawn(PartitionActor.create(ID, partitionDir, SETTINGS,
                Storage.LOCAL, PartitionMetrics.NONE, ReplicaProgress.OPENER));
        applier.register(ID, TOPIC_ID, actor, partitionDir, ReplicaProgress.read(partitionDir, Storage.LOCAL));
        replicas.put(id, actor);
        nodes.put(id, RaftNode.start(ClusterSpec.parse(id, list), settings, dir.resolve("raft-" + id),
                (index, entry) -> new byte[0], 1, group -> new ReplicaStateMachine(applier, entry ->
                        CompletableFuture.failedFuture(new UnsupportedOperationException("no offsets here")))));
    }

    /**
     * Appends through the group's leader, as a broker's produce handler does (a member that does not
     * lead refuses, and the value goes to the leader once one is known).
     */
    private long append(String value) throws Exception {
        byte[] entry = ReplicaEntry.encode(ID, TOPIC_ID, System.currentTimeMillis(), BatchFormat.validate(
                MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(value.getBytes())).buffer()));
        long end = System.nanoTime() + WAIT.toNanos();
        while (true) {
            java.util.Optional<Integer> leader = nodes.values().iterator().next().leaderAndTerm(0)
                    .map(known -> (int) known[0]).filter(nodes::containsKey);
            try {
                if (leader.isPresent()) {
                    byte[] reply = nodes.get(leader.get()).dataJournal(0).submit(entry).toCompletableFuture()
                            .get(WAIT.toSeconds(), TimeUnit.SECONDS).reply();
                    return ((PartitionActor.Appended) ReplicaStateMachine.decode(reply)).baseOffset();
                }
            } catch (java.util.concurrent.ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.ratis.protocol.exceptions.NotLeaderException)
                        || System.nanoTime() > end) {
                    throw e;
                }
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("no leader took " + value + " within " + WAIT);
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    private static List<String> values(ActorRef<PartitionActor.Command> actor) {
        TestProbe<PartitionActor.ReadReply> probe = kit.createTestProbe();
        List<String> values = new ArrayList<>();
        long offset = 0;
        while (true) {
            actor.tell(new PartitionActor.Read(offset, Integer.MAX_VALUE, Duration.ZERO, probe.getRef()));
            PartitionActor.Records records = probe.expectMessageClass(PartitionActor.Records.class, WAIT);
            for (LogRecord record : BatchFormat.decode(records.batches(), offset)) {
                values.add(new String(record.value()));
            }
            if (records.isEmpty() || records.nextOffset() >= records.highWatermark()) {
                return values;
            }
            offset = records.nextOffset();
        }
    }
}
