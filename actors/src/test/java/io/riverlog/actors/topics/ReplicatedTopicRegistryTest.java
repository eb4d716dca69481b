package io.riverlog.actors.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.cluster.ClusterMembers;
import io.riverlog.actors.cluster.NodeAddress;
import io.riverlog.actors.cluster.Placement;
import io.riverlog.actors.cluster.PublishedNodes;
import io.riverlog.actors.cluster.ReplicatedJournal;

/**
 * The registries of three nodes of a cluster over one metadata group (in memory here; the Raft
 * engine in the process tests): a change made on any node is carried out on all of them, each node
 * runs only its share of the partitions, two nodes racing for one name get one topic, producer id
 * blocks never overlap, and a node that starts late catches up before it answers.
 */
class ReplicatedTopicRegistryTest {
    private static final ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());
    private static final List<Integer> NODES = List.of(1, 2, 3);
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private final InMemoryMetadataGroup group = new InMemoryMetadataGroup();
    private final List<RegistryRun> runs = new ArrayList<>();
    private final PublishedNodes nodes = new PublishedNodes();

    @AfterEach
    void stop() {
        runs.forEach(RegistryRun::shutdown);
    }

    @AfterAll
    static void stopKit() {
        kit.shutdownTestKit();
    }

    /** Waits until {@code condition} holds: other nodes carry a change out after its submitter's answer. */
    private static void eventually(java.util.function.BooleanSupplier condition) {
        kit.createTestProbe().awaitAssert(WAIT, () -> {
            assertThat(condition.getAsBoolean()).isTrue();
            return null;
        });
    }

    private RegistryRun node(int id) {
        return node(id, NODES);
    }

    /** Node {@code id} of a cluster of {@code members}, with as many partition groups as members. */
    private RegistryRun node(int id, List<Integer> members) {
        Placement placement = placement(id, members);
        CompletableFuture<ReplicatedJournal> journal = new CompletableFuture<>();
        RegistryRun run = RegistryRun.startReplicated(kit, dir.resolve("node-" + id), placement, journal);
        group.join(new MetadataStateMachine(run.registry, nodes));
        journal.complete(group.journal());
        runs.add(run);
        return run;
    }

    @Test
    void aTopicCreatedOnOneNodeIsOnEveryNodeAndEachRunsReplicasOfItsShareOfThePartitions() {
        // Four members (the fourth never starts): each partition has three replicas, so each node holds some.
        List<Integer> members = List.of(1, 2, 3, 4);
        RegistryRun one = node(1, members);
        RegistryRun two = node(2, members);
        RegistryRun three = node(3, members);

        TopicInfo orders = one.create("orders", 8);

        for (RegistryRun run : List.of(one, two, three)) {
            eventually(() -> run.describe("orders").isPresent());
            assertThat(run.describe("orders")).contains(orders);
        }
        Placement placement = placement(1, members);
        List<RegistryRun> all = List.of(one, two, three);
        for (int node = 1; node <= 3; node++) {
            List<Integer> held = new java.util.ArrayList<>();
            for (int partition = 0; partition < 8; partition++) {
                List<Integer> replicas = placement.replicasOf(orders.topicId(), partition);
                assertThat(replicas).hasSize(3).doesNotHaveDuplicates();
                boolean runs = all.get(node - 1).partition("orders", partition).isPresent();
                assertThat(runs).as("node %d runs partition %d (replicas %s)", node, partition, replicas)
                        .isEqualTo(replicas.contains(node));
                if (runs) {
                    held.add(partition);
                }
            }
            assertThat(held).as("node %d's replicas", node).hasSize(6);
        }
    }

    /**
     * A partition group moved (a reassignment): the node it goes to joins the group and runs its
     * partitions, the group's leader changes the group's configuration and records the end of the
     * move, and the node it left leaves the group and removes its replicas' directories.
     */
    @Test
    void aMovedGroupRunsOnTheNodesItMovedToAndLeavesTheNodeItLeft() {
        List<Integer> members = List.of(1, 2, 3, 4);
        Map<Integer, InMemoryGroupHosting> hostings = new java.util.HashMap<>();
        Map<Integer, Placement> placements = new java.util.HashMap<>();
        List<RegistryRun> all = new ArrayList<>();
        for (int id : members) {
            Placement placement = placement(id, members);
            InMemoryGroupHosting hosting = new InMemoryGroupHosting(placement);
            CompletableFuture<ReplicatedJournal> journal = new CompletableFuture<>();
            RegistryRun run = RegistryRun.startReplicated(kit, dir.resolve("node-" + id), placement, journal, hosting);
            group.join(new MetadataStateMachine(run.registry, nodes, placement));
            journal.complete(group.journal());
            runs.add(run);
            all.add(run);
            hostings.put(id, hosting);
            placements.put(id, placement);
        }
        TopicInfo orders = all.get(0).create("orders", 8);
        Placement one = placements.get(1);
        // Group 0 is on nodes 1, 2, 3 and led by node 1; it moves to 4, 2, 3.
        assertThat(one.replicasOfGroup(0)).containsExactly(1, 2, 3);
        List<Integer> moved = new ArrayList<>();
        for (int partition = 0; partition < 8; partition++) {
            if (one.groupOf(orders.topicId(), partition) == 0) {
                moved.add(partition);
            }
        }
        assertThat(moved).isNotEmpty();
        eventually(() -> moved.stream().allMatch(p -> all.get(0).partition("orders", p).isPresent()));
        Path leftBehind = all.get(0).settings.partitionDir(new io.riverlog.actors.partition.PartitionId("orders",
                moved.get(0)));
        // The partition's writer creates its directory as it opens the log, after the registry has the actor.
        eventually(() -> java.nio.file.Files.isDirectory(leftBehind));

        assertThat(all.get(1).moveGroups(Map.of(0, List.of(4, 2, 3))).error()).isEmpty();

        eventually(() -> placements.values().stream().allMatch(p -> p.replicasOfGroup(0).equals(List.of(4, 2, 3))
                && p.targetOfGroup(0).isEmpty()));
        assertThat(hostings.get(1).reconfigured).containsEntry(0, List.of(4, 2, 3));
        eventually(() -> moved.stream().allMatch(p -> all.get(3).partition("orders", p).isPresent()
                && all.get(0).partition("orders", p).isEmpty()));
        assertThat(hostings.get(4).hosted()).contains(0);
        eventually(() -> !hostings.get(1).hosted().contains(0) && !java.nio.file.Files.exists(leftBehind));
        assertThat(all.get(1).partition("orders", moved.get(0))).as("a member that stays keeps its replica")
                .isPresent();
    }

    private static Placement placement(int self, List<Integer> members) {
        return new Placement(new ClusterMembers(self, members, true), members.size(),
                group -> java.util.OptionalInt.of(members.get(group)));
    }

    @Test
    void deletingOnAnotherNodeRemovesTheTopicEverywhere() {
        RegistryRun one = node(1);
        RegistryRun two = node(2);
        one.create("orders", 3);
        eventually(() -> two.describe("orders").isPresent());

        assertThat(two.delete("orders")).isInstanceOf(TopicRegistry.Changed.class);

        eventually(() -> one.describe("orders").isEmpty());
        assertThat(one.partition("orders", 0)).isEmpty();
        assertThat(two.list()).isEmpty();
    }

    @Test
    void ofTwoNodesCreatingOneNameAtOnceOneWinsAndTheOtherIsToldTheTopicExists() {
        RegistryRun one = node(1);
        RegistryRun two = node(2);

        // Both plan against the topics they have seen (none), then submit: the log decides.
        List<TopicRegistry.ChangeReply> replies = List.of(one.tryCreate("orders", 2, Map.of()),
                two.tryCreate("orders", 3, Map.of()));
        // The second may also have been refused by its own plan, once the first was carried out there.
        assertThat(replies).filteredOn(reply -> reply instanceof TopicRegistry.Changed).hasSize(1);
        assertThat(replies).filteredOn(reply -> reply instanceof TopicRegistry.ChangeFailed failed
                && failed.error() == TopicError.TOPIC_ALREADY_EXISTS).hasSize(1);
        eventually(() -> two.describe("orders").isPresent());
        assertThat(one.describe("orders")).isEqualTo(two.describe("orders"));
    }

    @Test
    void producerIdBlocksOfDifferentNodesNeverOverlap() {
        RegistryRun one = node(1);
        RegistryRun two = node(2);

        TopicRegistry.ProducerIdBlock first = one.reserveProducerIdBlock();
        TopicRegistry.ProducerIdBlock second = two.reserveProducerIdBlock();
        TopicRegistry.ProducerIdBlock third = one.reserveProducerIdBlock();

        assertThat(second.firstId()).isGreaterThanOrEqualTo(first.endId());
        assertThat(third.firstId()).isGreaterThanOrEqualTo(second.endId());
    }

    @Test
    void aNodeThatStartsLateHasEveryTopicBeforeItAnswers() {
        RegistryRun one = node(1);
        one.create("orders", 3);
        one.create("audit", 1);
        one.delete("audit");

        RegistryRun late = node(2);

        assertThat(late.list()).extracting(TopicInfo::name).containsExactly("orders");
    }

    @Test
    void aChangeThatIsNotCommittedIsAnsweredOutcomeUnknownAndTheNextOneGoesThrough() {
        RegistryRun one = node(1);
        assertThat(one.list()).isEmpty();
        group.committing(false);

        TopicRegistry.ChangeReply refused = one.tryCreate("orders", 1, Map.of());

        assertThat(refused).isInstanceOfSatisfying(TopicRegistry.ChangeFailed.class,
                failed -> assertThat(failed.error()).isEqualTo(TopicError.OUTCOME_UNKNOWN));
        group.committing(true);
        assertThat(one.tryCreate("orders", 1, Map.of())).isInstanceOf(TopicRegistry.Changed.class);
    }

    @Test
    void aNodeWaitsForAMajorityBeforeItAnswersAndThenCatchesUp() {
        group.committing(false);
        RegistryRun one = node(1);
        CompletableFuture<List<TopicInfo>> listed = CompletableFuture.supplyAsync(one::list);
        eventually(() -> group.refused() >= 2);
        assertThat(listed).isNotDone();
        group.committing(true);

        assertThat(listed.join()).isEmpty();
    }

    @Test
    void aNodeThatStopsWithAChangeInFlightAnswersItOutcomeUnknownAndStops() {
        RegistryRun one = node(1);
        assertThat(one.list()).isEmpty();
        group.holding(true);
        CompletableFuture<TopicRegistry.ChangeReply> reply =
                CompletableFuture.supplyAsync(() -> one.tryCreate("orders", 1, Map.of()));
        eventually(() -> group.held() == 1);

        one.shutdown();

        assertThat(reply.join()).isInstanceOfSatisfying(TopicRegistry.ChangeFailed.class,
                failed -> assertThat(failed.error()).isEqualTo(TopicError.OUTCOME_UNKNOWN));
    }

    @Test
    void registeredNodesArePublished() {
        node(1);
        NodeRegistration.register(group.journal(), new NodeAddress(1, "a", 9092, "a", 8080));
        NodeRegistration.register(group.journal(), new NodeAddress(2, "b", 9092, "b", 8080));

        assertThat(nodes.all().keySet()).containsExactly(1, 2);
        assertThat(nodes.get(2)).hasValueSatisfying(node -> assertThat(node.kafkaHost()).isEqualTo("b"));
    }
}
