package io.riverlog.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.cluster.ReplicatedJournal;
import io.riverlog.actors.cluster.ReplicatedStateMachine;

/**
 * Three Raft nodes in one JVM on loopback (real Netty transport, real files): what one node submits is applied by
 * every node, in the same order at the same indexes; two of three still commit; a restarted node
 * applies its group's log again from the start; and with no majority a submission fails within the
 * request timeout instead of hanging.
 */
class RaftNodeTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Long enough for a new leader to be elected and found after one is closed. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration SHORT_REQUEST_TIMEOUT = Duration.ofSeconds(3);
    private Duration requestTimeout = REQUEST_TIMEOUT;
    /** The minimum election timeout: a leader sends heartbeats every half of it. */
    private Duration electionTimeoutMin = Duration.ofSeconds(1);

    @TempDir
    Path dir;
    private final Map<Integer, RaftNode> nodes = new java.util.TreeMap<>();
    private final Map<Integer, Applied> applied = new java.util.TreeMap<>();
    private ClusterSpec[] specs;

    /** What one node's state machine applied, in order: "index:entry". */
    private static final class Applied implements ReplicatedStateMachine {
        final List<String> entries = new CopyOnWriteArrayList<>();

        @Override
        public byte[] apply(long index, byte[] entry) {
            String text = new String(entry, StandardCharsets.UTF_8);
            entries.add(index + ":" + text);
            return ("ok " + text).getBytes(StandardCharsets.UTF_8);
        }
    }

    @AfterEach
    void close() {
        nodes.values().forEach(RaftNode::close);
    }

    private ClusterSettings settings() {
        return ClusterSettings.fromConfig(ConfigFactory.parseMap(Map.of(
                "riverlog.cluster.request-timeout", requestTimeout.toMillis() + "ms",
                "riverlog.cluster.election-timeout-min", electionTimeoutMin.toMillis() + "ms",
                "riverlog.cluster.election-timeout-max", electionTimeoutMin.multipliedBy(2).toMillis() + "ms"))
                .withFallback(ConfigFactory.load()), 1);
    }

    private void startCluster() throws IOException {
        String list = LoopbackMembers.ofThree();
        specs = new ClusterSpec[] {null, ClusterSpec.parse(1, list), ClusterSpec.parse(2, list),
            ClusterSpec.parse(3, list)};
        for (int id = 1; id <= 3; id++) {
            start(id);
        }
    }

    private void start(int id) throws IOException {
        Applied machine = new Applied();
        applied.put(id, machine);
        nodes.put(id, RaftNode.start(specs[id], settings(), dir.resolve("node-" + id), machine));
    }

    private String submit(int via, String entry) {
        ReplicatedJournal.Committed committed = nodes.get(via).metadataJournal()
                .submit(entry.getBytes(StandardCharsets.UTF_8)).toCompletableFuture().join();
        return new String(committed.reply(), StandardCharsets.UTF_8);
    }

    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited %s", WAIT).isLessThan(end);
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    private List<String> entriesOf(int id, String prefix) {
        return applied.get(id).entries.stream().filter(e -> e.contains(":" + prefix)).collect(Collectors.toList());
    }

    @Test
    void whatOneNodeSubmitsEveryNodeAppliesInTheSameOrder() throws Exception {
        startCluster();

        for (int i = 0; i < 20; i++) {
            assertThat(submit(1 + i % 3, "e" + i)).isEqualTo("ok e" + i);
        }

        eventually(() -> entriesOf(1, "e").size() == 20 && entriesOf(2, "e").size() == 20
                && entriesOf(3, "e").size() == 20);
        assertThat(entriesOf(2, "e")).isEqualTo(entriesOf(1, "e"));
        assertThat(entriesOf(3, "e")).isEqualTo(entriesOf(1, "e"));
        assertThat(entriesOf(1, "e")).extracting(e -> e.substring(e.indexOf(':') + 1))
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "e" + i).toList());
    }

    /**
     * Every node applies a metadata entry soon after it was answered, though nothing follows it: the
     * nodes that did not answer must know a topic just created. Heartbeats here come every 3 s, the
     * commit index would otherwise reach the followers only with the next one.
     */
    @Test
    void everyNodeAppliesAnAnsweredEntryBeforeTheNextHeartbeat() throws Exception {
        electionTimeoutMin = Duration.ofSeconds(6);
        startCluster();
        submit(1, "first");
        eventually(() -> entriesOf(2, "first").size() == 1 && entriesOf(3, "first").size() == 1);

        for (int i = 0; i < 3; i++) {
            String entry = "idle-" + i;
            submit(1 + i % 3, entry);
            long answeredAt = System.nanoTime();
            eventually(() -> entriesOf(1, entry).size() == 1 && entriesOf(2, entry).size() == 1
                    && entriesOf(3, entry).size() == 1);
            assertThat(Duration.ofNanos(System.nanoTime() - answeredAt)).as("until every node applied %s", entry)
                    .isLessThan(electionTimeoutMin.dividedBy(4));
        }
    }

    @Test
    void twoOfThreeCommitAndARestartedNodeAppliesTheWholeLogAgain() throws Exception {
        startCluster();
        submit(1, "before");
        nodes.remove(3).close();

        submit(2, "while-down");

        start(3);
        submit(1, "after");
        // A submission is answered once the leader applied it; a follower applies it once it hears the commit.
        eventually(() -> entriesOf(3, "after").size() == 1 && entriesOf(1, "after").size() == 1);
        assertThat(entriesOf(3, "")).extracting(e -> e.substring(e.indexOf(':') + 1))
                .containsSubsequence("before", "while-down", "after");
        assertThat(entriesOf(3, "")).isEqualTo(entriesOf(1, ""));
    }

    @Test
    void withoutAMajorityASubmissionFailsWithinTheRequestTimeout() throws Exception {
        requestTimeout = SHORT_REQUEST_TIMEOUT;
        startCluster();
        submit(1, "first");
        nodes.remove(2).close();
        nodes.remove(3).close();

        long start = System.nanoTime();
        // Retries run out (no leader), or the request timeout ends the wait: either way it fails.
        assertThatThrownBy(() -> submit(1, "lost")).isInstanceOf(java.util.concurrent.CompletionException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(SHORT_REQUEST_TIMEOUT.plusSeconds(5));
    }
}
