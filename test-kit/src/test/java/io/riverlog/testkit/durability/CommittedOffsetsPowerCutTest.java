package io.riverlog.testkit.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.groups.CommittedOffset;
import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.GroupManager;
import io.riverlog.actors.groups.GroupRequests;
import io.riverlog.actors.groups.GroupSettings;
import io.riverlog.actors.groups.offsets.OffsetStorageSettings;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.testkit.disk.InMemoryTempDir;
import io.riverlog.testkit.disk.SimulatedDisk;
import io.riverlog.wal.LogConfig;

/**
 * Committed offsets on a disk that loses power, and whose fsyncs of the offsets log sometimes fail
 * before that, with snapshots of the offsets table every few commits (so that cuts land inside
 * them too). After every cut the group manager loads, and each group's offset of each partition is
 * the last one acknowledged, or one committed after it whose outcome was unknown; never one that was
 * refused.
 */
class CommittedOffsetsPowerCutTest {
    private static final String SEED = "riverlog.power-cuts.offsets.seed";
    private static final Duration ANSWER = Duration.ofSeconds(20);
    private static final List<String> GROUPS = List.of("g0", "g1", "g2");
    private static final List<PartitionId> PARTITIONS = List.of(new PartitionId("t", 0), new PartitionId("t", 1));
    private static final ActorTestKit KIT = ActorTestKit.create(ConfigFactory.load());

    @TempDir(factory = InMemoryTempDir.class)
    Path tmp;

    @AfterAll
    static void stopKit() {
        KIT.shutdownTestKit();
    }

    private final Map<GroupError, Integer> answers = new HashMap<>();

    @Test
    void acknowledgedCommitsSurvivePowerCutsAndRefusedOnesNeverTakeEffect() throws Exception {
        PowerCutRuns.repeat(SEED, 80, this::cutTwice);
        assertThat(answers).as("commits acknowledged, and refused after a failed fsync, in all runs")
                .containsKeys(GroupError.NONE, GroupError.STORAGE_ERROR);
    }

    @Tag("volume")
    @Test
    void acknowledgedCommitsSurviveManyPowerCuts() throws Exception {
        PowerCutRuns.repeat(SEED, 800, this::cutTwice);
    }

    /**
     * Per group and partition: the last acknowledged offset and the offsets committed after it with
     * unknown outcome.
     */
    private static final class Expected {
        long acknowledged = -1;
        final List<Long> maybe = new ArrayList<>();

        void acknowledged(long offset) {
            acknowledged = offset;
            maybe.clear();
        }

        boolean allows(long found) {
            return found == acknowledged || maybe.contains(found);
        }
    }

    private int cutTwice(Random random, int index) throws Exception {
        Path root = Files.createDirectory(tmp.resolve("run-" + index));
        GroupSettings settings = new GroupSettings(root, new LogConfig(2048, 256, -1, -1, 0, 4096),
                Duration.ofSeconds(1), Duration.ofMinutes(30), Duration.ZERO, 4096,
                new OffsetStorageSettings(3 + random.nextInt(10), Duration.ofDays(7), Duration.ofMinutes(10)));
        Path groupsDir = root.resolve(GroupSettings.GROUPS_DIR);
        SimulatedDisk disk = new SimulatedDisk(root);
        Map<String, Expected> expected = new HashMap<>();
        long next = 0;
        for (int cut = 0; cut < 2; cut++) {
            disk.cutPowerAfter(random.nextInt(300));
            ActorRef<GroupManager.Command> manager = KIT.spawn(GroupManager.create(settings, disk, Clock.systemUTC()));
            for (int i = 0; i < 60 && !disk.powerLost(); i++) {
                if (random.nextInt(8) == 0) {
                    disk.failNextForcesOf(path -> path.startsWith(groupsDir), 1);
                }
                String group = GROUPS.get(random.nextInt(GROUPS.size()));
                PartitionId partition = PARTITIONS.get(random.nextInt(PARTITIONS.size()));
                long offset = next++;
                Expected slot = expected.computeIfAbsent(group + "/" + partition, key -> new Expected());
                GroupError error;
                try {
                    error = commit(manager, group, partition, offset);
                } catch (RuntimeException noAnswer) {
                    error = GroupError.OUTCOME_UNKNOWN;
                } finally {
                    disk.heal();
                }
                answers.merge(error, 1, Integer::sum);
                if (error == GroupError.NONE) {
                    slot.acknowledged(offset);
                } else if (error == GroupError.OUTCOME_UNKNOWN) {
                    slot.maybe.add(offset);
                }
            }
            stop(manager);
            disk = disk.restartAfterPowerCut(random);

            ActorRef<GroupManager.Command> reopened = KIT.spawn(GroupManager.create(settings, disk, Clock.systemUTC()));
            for (String group : GROUPS) {
                Map<PartitionId, CommittedOffset> found = fetch(reopened, group);
                for (PartitionId partition : PARTITIONS) {
                    Expected slot = expected.computeIfAbsent(group + "/" + partition, key -> new Expected());
                    long offset = found.containsKey(partition) ? found.get(partition).offset() : -1;
                    assertThat(slot.allows(offset)).as("offset of %s on %s: %d, acknowledged %d, unknown %s", group,
                            partition, offset, slot.acknowledged, slot.maybe).isTrue();
                    slot.acknowledged(offset);
                }
            }
            stop(reopened);
        }
        return 2;
    }

    private static GroupError commit(ActorRef<GroupManager.Command> manager, String group, PartitionId partition,
                                     long offset) {
        Map<PartitionId, CommittedOffset> offsets = Map.of(partition, new CommittedOffset(offset,
                CommittedOffset.NO_LEADER_EPOCH, Optional.empty(), System.currentTimeMillis()));
        GroupRequests.CommitResult result = AskPattern.<GroupManager.Command, GroupRequests.CommitResult>ask(manager,
                        replyTo -> new GroupRequests.CommitOffsets(group, -1, "", Optional.empty(), offsets, replyTo),
                        ANSWER, KIT.scheduler()).toCompletableFuture().join();
        return result.partitions().get(partition);
    }

    /** The group's offsets once the manager has loaded them (it answers "load in progress" until then). */
    private static Map<PartitionId, CommittedOffset> fetch(ActorRef<GroupManager.Command> manager, String group) {
        long deadline = System.nanoTime() + ANSWER.toNanos();
        while (true) {
            GroupRequests.FetchResult result = AskPattern.<GroupManager.Command, GroupRequests.FetchResult>ask(manager,
                    replyTo -> new GroupRequests.FetchOffsets(group, Optional.empty(), replyTo), ANSWER,
                    KIT.scheduler()).toCompletableFuture().join();
            if (result.error() != GroupError.COORDINATOR_LOAD_IN_PROGRESS || System.nanoTime() > deadline) {
                assertThat(result.error()).as("fetch of %s's offsets", group).isEqualTo(GroupError.NONE);
                return result.offsets();
            }
        }
    }

    private static void stop(ActorRef<GroupManager.Command> manager) {
        try {
            AskPattern.<GroupManager.Command, Done>ask(manager, GroupManager.Shutdown::new, ANSWER, KIT.scheduler())
                    .toCompletableFuture().join();
        } catch (RuntimeException deadOrStuck) {
            KIT.stop(manager, ANSWER);
        }
    }
}
