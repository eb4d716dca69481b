package io.riverlog.actors.groups;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.groups.consumer.ConsumerGroupSettings;
import io.riverlog.actors.groups.offsets.OffsetsEntry;
import io.riverlog.actors.groups.offsets.OffsetsReplication;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.Storage;

/**
 * A member behind a purge of a shard's log is sent the shard's committed offsets: exported by a
 * member that has them ({@link GroupManager#exportShard}) and put in place of its own
 * ({@link GroupManager#replaceShard}), durably, without touching its other shards. Each node here
 * leads both shards alone (groups "a-…" are in shard A, "b-…" in shard B; a node's entries are
 * applied by its own manager), so the two nodes' offsets went different ways.
 */
class ShardTransferTest {
    private static final ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int A = 0;
    private static final int B = 1;
    private static final PartitionId ORDERS_0 = new PartitionId("orders", 0);
    private static final PartitionId ORDERS_1 = new PartitionId("orders", 1);
    private static final PartitionId ORDERS_2 = new PartitionId("orders", 2);
    private static final PartitionId PAYMENTS_0 = new PartitionId("payments", 0);

    @TempDir
    Path dataDir;

    @AfterAll
    static void stopKit() {
        kit.shutdownTestKit();
    }

    /** One node's shards, both led by it in one term: its manager alone applies each entry, at once. */
    private static final class SoloShards implements OffsetsReplication {
        private volatile ActorRef<GroupManager.Command> manager;

        @Override
        public int shardOf(String groupId) {
            return groupId.startsWith("a-") ? A : B;
        }

        @Override
        public OptionalInt leadingTerm(int shard) {
            return OptionalInt.of(1);
        }

        @Override
        public CompletionStage<?> submit(int shard, byte[] entry) {
            return GroupManager.applyReplicated(manager, entry);
        }
    }

    private ActorRef<GroupManager.Command> node(int node) {
        SoloShards shards = new SoloShards();
        shards.manager = kit.spawn(GroupManager.create(settings("node-" + node),
                ConsumerGroupSettings.fromConfig(ConfigFactory.load()), Storage.LOCAL, shards));
        return shards.manager;
    }

    private GroupSettings settings(String dir) {
        return GroupSettings.fromConfig(ConfigFactory.parseMap(Map.of("riverlog.data-dir",
                dataDir.resolve(dir).toString())).withFallback(ConfigFactory.load()));
    }

    @Test
    void aMemberBehindGetsExactlyTheShardsOffsetsOfAnotherDurablyAndKeepsItsOtherShard() throws Exception {
        ActorRef<GroupManager.Command> first = node(1);
        CommittedOffset readers0 = new CommittedOffset(42, 3, Optional.of("checkpoint"), 1_000L);
        CommittedOffset readers1 = new CommittedOffset(7, CommittedOffset.NO_LEADER_EPOCH, Optional.empty(), 2_000L);
        CommittedOffset writers0 = new CommittedOffset(5, 1, Optional.empty(), 3_000L);
        commit(first, "a-readers", ORDERS_0, readers0);
        commit(first, "a-readers", ORDERS_1, readers1);
        commit(first, "a-writers", PAYMENTS_0, writers0);
        commit(first, "b-readers", ORDERS_0, new CommittedOffset(99, 1, Optional.empty(), 4_000L));
        becomeActive(first, "a-writers");

        ActorRef<GroupManager.Command> second = node(2);
        CommittedOffset others0 = new CommittedOffset(12, 1, Optional.empty(), 700L);
        commit(second, "a-readers", ORDERS_0, new CommittedOffset(1, 1, Optional.empty(), 500L));
        commit(second, "a-readers", ORDERS_2, new CommittedOffset(3, 1, Optional.empty(), 500L));
        commit(second, "a-stale", ORDERS_0, new CommittedOffset(11, 1, Optional.empty(), 600L));
        commit(second, "b-others", ORDERS_0, others0);
        becomeActive(second, "a-readers");
        byte[] shardBBefore = await(GroupManager.exportShard(second, B));

        byte[] shardA = await(GroupManager.exportShard(first, A));
        assertThat(OffsetsEntry.isOffsets(shardA)).isTrue();
        await(GroupManager.replaceShard(second, A, shardA));

        assertThat(await(GroupManager.exportShard(second, A)))
                .as("shard A on the second node: the first node's offsets and memberships, nothing more")
                .isEqualTo(shardA);
        assertThat(fetch(second, "a-readers")).as("each offset as stored, a partition the first node lacks gone")
                .isEqualTo(Map.of(ORDERS_0, readers0, ORDERS_1, readers1));
        assertThat(fetch(second, "a-writers")).isEqualTo(Map.of(PAYMENTS_0, writers0));
        assertThat(fetch(second, "a-stale")).as("a group the first node does not have is gone").isEmpty();
        assertThat(await(GroupManager.exportShard(second, B))).as("shard B untouched").isEqualTo(shardBBefore);
        assertThat(fetch(second, "b-others")).isEqualTo(Map.of(ORDERS_0, others0));
        assertThat(fetch(second, "b-readers")).as("a group of shard B the first node has").isEmpty();

        kit.stop(second);
        ActorRef<GroupManager.Command> restarted = node(2);
        assertThat(await(GroupManager.exportShard(restarted, A))).as("after a restart, asked while the offsets"
                + " log loads").isEqualTo(shardA);
        assertThat(await(GroupManager.exportShard(restarted, B))).isEqualTo(shardBBefore);
        assertThat(fetch(restarted, "a-readers")).isEqualTo(Map.of(ORDERS_0, readers0, ORDERS_1, readers1));
        assertThat(fetch(restarted, "a-stale")).isEmpty();
        assertThat(fetch(restarted, "b-others")).isEqualTo(Map.of(ORDERS_0, others0));
        kit.stop(restarted);
        kit.stop(first);
    }

    @Test
    void aMalformedEntryIsRefusedAndChangesNothing() throws Exception {
        ActorRef<GroupManager.Command> node = node(1);
        commit(node, "a-readers", ORDERS_0, new CommittedOffset(42, 1, Optional.empty(), 1_000L));
        commit(node, "b-readers", ORDERS_0, new CommittedOffset(99, 1, Optional.empty(), 2_000L));
        byte[] shardA = await(GroupManager.exportShard(node, A));
        byte[] shardB = await(GroupManager.exportShard(node, B));

        byte[] truncated = Arrays.copyOf(shardA, shardA.length - 2);
        byte[] notOffsets = {0, 0, 0, 1, 0, 0, 0, 0};
        // Shard B's offsets are not shard A's.
        for (byte[] entry : List.of(truncated, notOffsets, shardB)) {
            assertThat(GroupManager.replaceShard(node, A, entry)).failsWithin(WAIT)
                    .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(IllegalArgumentException.class);
        }
        assertThat(await(GroupManager.exportShard(node, A))).isEqualTo(shardA);
        assertThat(await(GroupManager.exportShard(node, B))).isEqualTo(shardB);

        kit.stop(node);
        ActorRef<GroupManager.Command> restarted = node(1);
        assertThat(await(GroupManager.exportShard(restarted, A))).as("nothing was written").isEqualTo(shardA);
        assertThat(await(GroupManager.exportShard(restarted, B))).isEqualTo(shardB);
        kit.stop(restarted);
    }

    @Test
    void aSingleNodeHasNoShardsToExportOrReplace() {
        ActorRef<GroupManager.Command> single = kit.spawn(GroupManager.create(settings("single"), Storage.LOCAL));

        assertThat(GroupManager.exportShard(single, A)).failsWithin(WAIT)
                .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(IllegalStateException.class);
        assertThat(GroupManager.replaceShard(single, A, OffsetsEntry.barrier())).failsWithin(WAIT)
                .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(IllegalStateException.class);
        kit.stop(single);
    }

    /** Commits through the node, once it coordinates the group (its first request submits a barrier). */
    private static void commit(ActorRef<GroupManager.Command> node, String group, PartitionId partition,
                               CommittedOffset offset) {
        TestProbe<GroupRequests.CommitResult> probe = kit.createTestProbe();
        probe.awaitAssert(WAIT, () -> {
            node.tell(new GroupRequests.CommitOffsets(group, -1, "", Optional.empty(), Map.of(partition, offset),
                    probe.ref()));
            assertThat(probe.receiveMessage(WAIT).partitions().get(partition)).isEqualTo(GroupError.NONE);
            return null;
        });
    }

    /**
     * The group gains a member, which the node writes down through the group's shard (A): its export
     * then holds the group's membership too.
     */
    private static void becomeActive(ActorRef<GroupManager.Command> node, String group) throws Exception {
        byte[] before = await(GroupManager.exportShard(node, A));
        node.tell(new GroupManager.GroupBecameActive(group));
        kit.createTestProbe().awaitAssert(WAIT, () -> {
            assertThat(await(GroupManager.exportShard(node, A))).isNotEqualTo(before);
            return null;
        });
    }

    /** The group's offsets on the node, once it serves them. */
    private static Map<PartitionId, CommittedOffset> fetch(ActorRef<GroupManager.Command> node, String group) {
        TestProbe<GroupRequests.FetchResult> probe = kit.createTestProbe();
        List<GroupRequests.FetchResult> answers = new ArrayList<>();
        probe.awaitAssert(WAIT, () -> {
            node.tell(new GroupRequests.FetchOffsets(group, Optional.empty(), Optional.empty(),
                    GroupRequests.FetchOffsets.NO_MEMBER_EPOCH, probe.ref()));
            GroupRequests.FetchResult result = probe.receiveMessage(WAIT);
            answers.add(result);
            assertThat(result.error()).isEqualTo(GroupError.NONE);
            return null;
        });
        return answers.get(answers.size() - 1).offsets();
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
