package io.riverlog.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.cluster.ReplicatedStateMachine;

/**
 * Three nodes host six partition groups besides the metadata group; each group elects a leader,
 * preferred leaders (Ratis priorities) end up spread two per node, and what is submitted to a group
 * is applied by each of its members in the same order.
 */
class DataGroupsTest {
    private static final int GROUPS = 6;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private final Map<Integer, RaftNode> nodes = new TreeMap<>();
    /** node → group → entries applied, "index:text". */
    private final Map<Integer, Map<Integer, List<String>>> applied = new TreeMap<>();

    @AfterEach
    void close() {
        nodes.values().forEach(RaftNode::close);
    }

    @Test
    void everyGroupElectsItsPreferredLeaderAndAppliesInOneOrderOnEveryMember() throws Exception {
        String list = LoopbackMembers.ofThree();
        ClusterSettings settings = ClusterSettings.fromConfig(ConfigFactory.load(), 1);
        for (int id = 1; id <= 3; id++) {
            Map<Integer, List<String>> mine = new TreeMap<>();
            applied.put(id, mine);
            ReplicatedStateMachine metadata = (index, entry) -> new byte[0];
            nodes.put(id, RaftNode.start(ClusterSpec.parse(id, list), settings, dir.resolve("node-" + id), metadata,
                    GROUPS, group -> {
                        List<String> entries = new CopyOnWriteArrayList<>();
                        mine.put(group, entries);
                        return (index, entry) -> {
                            entries.add(index + ":" + new String(entry, StandardCharsets.UTF_8));
                            return entry;
                        };
                    }));
        }
        for (int id = 1; id <= 3; id++) {
            assertThat(nodes.get(id).dataGroups()).as("groups of node %d", id).hasSize(GROUPS);
        }

        long started = System.nanoTime();
        eventually(() -> {
            for (int g = 0; g < GROUPS; g++) {
                int preferred = g % 3 + 1;
                var seen = nodes.get(1).leaderAndTerm(g);
                if (seen.isEmpty() || seen.get()[0] != preferred) {
                    return false;
                }
            }
            return true;
        });
        System.out.printf("every group led by its preferred node after %d ms; threads in this JVM (3 nodes,"
                + " %d partition groups and the metadata group): %d%n", (System.nanoTime() - started) / 1_000_000,
                GROUPS, Thread.activeCount());

        for (int g = 0; g < GROUPS; g++) {
            int leader = g % 3 + 1;
            for (int i = 0; i < 10; i++) {
                nodes.get(leader).dataJournal(g).submit(("g" + g + "-" + i).getBytes(StandardCharsets.UTF_8))
                        .toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            // A member that no longer leads (leadership moved since it looked) passes the entry on.
            nodes.get(leader % 3 + 1).dataJournal(g).submit(("g" + g + "-10").getBytes(StandardCharsets.UTF_8))
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
            // A produce's journal takes entries only at the leader; elsewhere it refuses at once, and the
            // entry is not passed on (the producer sends it again, in its order).
            nodes.get(leader).leaderJournal(g).submit(("g" + g + "-11").getBytes(StandardCharsets.UTF_8))
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
            java.util.concurrent.CompletableFuture<?> refused = nodes.get(leader % 3 + 1).leaderJournal(g)
                    .submit(("g" + g + "-refused").getBytes(StandardCharsets.UTF_8)).toCompletableFuture();
            assertThatThrownBy(() -> refused.get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(org.apache.ratis.protocol.exceptions.NotLeaderException.class);
        }
        eventually(() -> applied.values().stream().allMatch(groups -> groups.values().stream()
                .allMatch(entries -> entries.size() == 12)));
        for (int g = 0; g < GROUPS; g++) {
            assertThat(applied.get(2).get(g)).isEqualTo(applied.get(1).get(g));
            assertThat(applied.get(3).get(g)).isEqualTo(applied.get(1).get(g));
        }
    }

    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited %s", WAIT).isLessThan(end);
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }
}
