package io.riverlog.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.cluster.ReplicatedStateMachine;

/**
 * A member elected leader names itself leader of its partition group only once it carried out every
 * entry the earlier leader committed: Raft elects a member that holds them, not one that applied
 * them, and a partition served before would answer with an end of the log that moved back (a
 * consumer that had read further is told its position is past the end, or that the log diverged).
 */
class LeaderCatchUpTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** How long the new leader is watched while an entry before its term is still being carried out. */
    private static final Duration HELD = Duration.ofSeconds(2);

    @TempDir
    Path dir;
    private final Map<Integer, RaftNode> nodes = new TreeMap<>();
    /** Once holding, nodes 2 and 3 answer each entry of the partition group only when this completes. */
    private final CompletableFuture<Void> release = new CompletableFuture<>();
    private volatile boolean holding;

    @AfterEach
    void close() {
        release.complete(null);
        nodes.values().forEach(RaftNode::close);
    }

    @Test
    void aNewLeaderNamesItselfOnlyOnceItCarriedOutWhatTheOldOneCommitted() throws Exception {
        String list = LoopbackMembers.ofThree();
        ClusterSettings settings = ClusterSettings.fromConfig(ConfigFactory.load(), 1);
        for (int id = 1; id <= 3; id++) {
            ReplicatedStateMachine metadata = (index, entry) -> new byte[0];
            boolean held = id != 1;
            nodes.put(id, RaftNode.start(ClusterSpec.parse(id, list), settings, dir.resolve("node-" + id), metadata,
                    1, group -> new ReplicatedStateMachine() {
                        @Override
                        public byte[] apply(long index, byte[] entry) {
                            return entry;
                        }

                        @Override
                        public CompletionStage<byte[]> applyAsync(long index, long term, byte[] entry) {
                            return held && holding ? release.thenApply(released -> entry)
                                    : CompletableFuture.completedFuture(entry);
                        }
                    }));
        }
        // Group 0's preferred leader is node 1.
        eventually(() -> nodes.get(1).leaderOf(0).equals(OptionalInt.of(1)));
        nodes.get(1).dataJournal(0).submit(new byte[] {1}).toCompletableFuture().get(30, TimeUnit.SECONDS);

        // Committed and carried out by the leader; the others hold it when the leader stops.
        holding = true;
        nodes.get(1).dataJournal(0).submit(new byte[] {2}).toCompletableFuture().get(30, TimeUnit.SECONDS);
        nodes.remove(1).close();

        // One of the other two is elected; the other names it (not the stopped node, which it may still name).
        int[] elected = new int[1];
        eventually(() -> {
            for (int asking : new int[] {2, 3}) {
                OptionalInt named = nodes.get(asking).leaderOf(0);
                if (named.isPresent() && named.getAsInt() != asking && named.getAsInt() != 1) {
                    elected[0] = named.getAsInt();
                    return true;
                }
            }
            return false;
        });
        RaftNode leader = nodes.get(elected[0]);
        long watchUntil = System.nanoTime() + HELD.toNanos();
        while (System.nanoTime() < watchUntil) {
            assertThat(leader.leaderOf(0)).as("node %d's leader of the group while it still carries out an entry"
                    + " of the earlier term", elected[0]).isEmpty();
            TimeUnit.MILLISECONDS.sleep(50);
        }

        release.complete(null);
        eventually(() -> leader.leaderOf(0).equals(OptionalInt.of(elected[0])));
    }

    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited %s", WAIT).isLessThan(end);
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }
}
