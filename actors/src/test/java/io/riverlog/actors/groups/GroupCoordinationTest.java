package io.riverlog.actors.groups;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.groups.consumer.ConsumerGroupSettings;
import io.riverlog.actors.groups.offsets.OffsetsReplication;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.Storage;

/**
 * In a cluster the committed offsets live in the partition groups' logs (here one in-memory log,
 * "shard 0", applied by two nodes' group managers in order) and the leader of a group's shard
 * coordinates it: a new leader answers COORDINATOR_LOAD_IN_PROGRESS until it applied what earlier
 * leaders committed, a node that does not lead answers NOT_COORDINATOR, and after leadership moves
 * the new coordinator serves the offsets committed through the old one, also after its restart.
 */
class GroupCoordinationTest {
    private static final ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final PartitionId PARTITION = new PartitionId("orders", 0);

    @TempDir
    Path dataDir;

    @AfterAll
    static void stopKit() {
        kit.shutdownTestKit();
    }

    /** One shard's log, applied by every node's manager in the order the entries were submitted. */
    private static final class ShardLog {
        private final List<ActorRef<GroupManager.Command>> managers = new ArrayList<>();
        private volatile int leader;
        private volatile int term;

        synchronized CompletionStage<?> submit(int node, byte[] entry) {
            if (node != leader) {
                return CompletableFuture.failedFuture(new IllegalStateException("node " + node + " does not lead"));
            }
            return CompletableFuture.allOf(managers.stream()
                    .map(manager -> GroupManager.applyReplicated(manager, entry).toCompletableFuture())
                    .toArray(CompletableFuture[]::new));
        }

        void lead(int node) {
            leader = node;
            term++;
        }
    }

    /** Node {@code node}'s view: groups named "elsewhere…" are in shard 1, which another node leads. */
    private static OffsetsReplication nodeOf(ShardLog log, int node) {
        return new OffsetsReplication() {
            @Override
            public int shardOf(String groupId) {
                return groupId.startsWith("elsewhere") ? 1 : 0;
            }

            @Override
            public OptionalInt leadingTerm(int shard) {
                return shard == 0 && log.leader == node ? OptionalInt.of(log.term) : OptionalInt.empty();
            }

            @Override
            public CompletionStage<?> submit(int shard, byte[] entry) {
                return log.submit(node, entry);
            }
        };
    }

    private ActorRef<GroupManager.Command> manager(ShardLog log, int node) {
        GroupSettings settings = GroupSettings.fromConfig(ConfigFactory.parseMap(
                Map.of("riverlog.data-dir", dataDir.resolve("node-" + node).toString()))
                .withFallback(ConfigFactory.load()));
        return kit.spawn(GroupManager.create(settings, ConsumerGroupSettings.fromConfig(ConfigFactory.load()),
                Storage.LOCAL, nodeOf(log, node)));
    }

    @Test
    void theLeaderOfAGroupsShardCoordinatesItAndTheNextLeaderServesItsOffsets() {
        ShardLog log = new ShardLog();
        log.lead(1);
        ActorRef<GroupManager.Command> first = manager(log, 1);
        ActorRef<GroupManager.Command> second = manager(log, 2);
        log.managers.addAll(List.of(first, second));

        assertThat(commitUntilServed(first, "readers", 42)).isEqualTo(GroupError.NONE);
        assertThat(fetch(second, "readers").error()).as("a node that does not lead the shard")
                .isEqualTo(GroupError.NOT_COORDINATOR);
        assertThat(fetch(first, "elsewhere-readers").error()).as("a group of a shard led elsewhere")
                .isEqualTo(GroupError.NOT_COORDINATOR);

        log.lead(2);
        assertThat(fetch(first, "readers").error()).as("the old leader").isEqualTo(GroupError.NOT_COORDINATOR);
        assertThat(fetchUntilServed(second, "readers").offsets().get(PARTITION).offset())
                .as("the offset committed through the old leader, served by the new one").isEqualTo(42);
        assertThat(commitUntilServed(second, "readers", 43)).isEqualTo(GroupError.NONE);

        // The new leader's node restarts: its offsets log holds what it applied.
        kit.stop(second);
        log.managers.remove(second);
        ActorRef<GroupManager.Command> restarted = manager(log, 2);
        log.managers.add(restarted);
        log.lead(2);
        assertThat(fetchUntilServed(restarted, "readers").offsets().get(PARTITION).offset())
                .as("after a restart").isEqualTo(43);
        log.lead(1);
        assertThat(fetchUntilServed(first, "readers").offsets().get(PARTITION).offset())
                .as("back on the first node, which applied every entry").isEqualTo(43);
    }

    private static GroupError commitUntilServed(ActorRef<GroupManager.Command> manager, String group, long offset) {
        TestProbe<GroupRequests.CommitResult> probe = kit.createTestProbe();
        List<GroupError> answers = new ArrayList<>();
        probe.awaitAssert(WAIT, () -> {
            manager.tell(new GroupRequests.CommitOffsets(group, -1, "", Optional.empty(),
                    Map.of(PARTITION, new CommittedOffset(offset, 1, Optional.empty(), 0L)), probe.ref()));
            GroupError error = probe.receiveMessage(WAIT).partitions().get(PARTITION);
            answers.add(error);
            assertThat(error).isNotEqualTo(GroupError.COORDINATOR_LOAD_IN_PROGRESS);
            return null;
        });
        return answers.get(answers.size() - 1);
    }

    private static GroupRequests.FetchResult fetchUntilServed(ActorRef<GroupManager.Command> manager, String group) {
        List<GroupRequests.FetchResult> answers = new ArrayList<>();
        kit.createTestProbe().awaitAssert(WAIT, () -> {
            GroupRequests.FetchResult result = fetch(manager, group);
            answers.add(result);
            assertThat(result.error()).isEqualTo(GroupError.NONE);
            return null;
        });
        return answers.get(answers.size() - 1);
    }

    private static GroupRequests.FetchResult fetch(ActorRef<GroupManager.Command> manager, String group) {
        TestProbe<GroupRequests.FetchResult> probe = kit.createTestProbe();
        manager.tell(new GroupRequests.FetchOffsets(group, Optional.empty(), Optional.empty(),
                GroupRequests.FetchOffsets.NO_MEMBER_EPOCH, probe.ref()));
        return probe.receiveMessage(WAIT);
    }
}
