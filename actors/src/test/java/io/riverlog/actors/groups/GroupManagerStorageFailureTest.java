package io.riverlog.actors.groups;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.groups.GroupRequests.CommitOffsets;
import io.riverlog.actors.groups.GroupRequests.CommitResult;
import io.riverlog.actors.groups.GroupRequests.FetchOffsets;
import io.riverlog.actors.groups.GroupRequests.FetchResult;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.FaultInjectingChannels;
import io.riverlog.wal.LogConfig;
import io.riverlog.wal.Storage;

/**
 * An offsets log whose fsync fails: a refused commit is not in effect, neither now nor after the
 * group manager is stopped and started again on the same directory, because the log is cut back
 * before the refusal is answered; if the cut-back fails too, the answer says the outcome is unknown.
 */
class GroupManagerStorageFailureTest {
    private static final ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());
    private static final PartitionId T0 = new PartitionId("t", 0);
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dataDir;
    private FaultInjectingChannels failing;

    @BeforeEach
    void faultsInTheOffsetsLog() {
        failing = new FaultInjectingChannels(dataDir.resolve(GroupSettings.GROUPS_DIR));
    }

    @AfterAll
    static void stopKit() {
        kit.shutdownTestKit();
    }

    private ActorRef<GroupManager.Command> start(Storage storage) {
        GroupSettings settings = new GroupSettings(dataDir, LogConfig.fromConfig(ConfigFactory.load()),
                Duration.ofSeconds(1), Duration.ofMinutes(30), Duration.ZERO, 4096,
                new OffsetStorageSettings(Long.MAX_VALUE, Duration.ofDays(7), Duration.ofMinutes(10)));
        ActorRef<GroupManager.Command> manager = kit.spawn(GroupManager.create(settings, storage, Clock.systemUTC()));
        TestProbe<GroupRequests.GroupListing> probe = kit.createTestProbe(GroupRequests.GroupListing.class);
        probe.awaitAssert(WAIT, () -> {
            manager.tell(new GroupRequests.ListGroups(probe.ref()));
            assertThat(probe.receiveMessage(WAIT).error()).as("loaded").isEqualTo(GroupError.NONE);
            return null;
        });
        return manager;
    }

    private static GroupError commit(ActorRef<GroupManager.Command> manager, String group, long offset) {
        TestProbe<CommitResult> probe = kit.createTestProbe(CommitResult.class);
        manager.tell(new CommitOffsets(group, -1, "", Optional.empty(),
                Map.of(T0, new CommittedOffset(offset, -1, Optional.empty(), 0)), probe.ref()));
        Map<PartitionId, GroupError> result = probe.receiveMessage(WAIT).partitions();
        assertThat(result).containsOnlyKeys(T0);
        return result.get(T0);
    }

    private static Optional<Long> committed(ActorRef<GroupManager.Command> manager, String group) {
        TestProbe<FetchResult> probe = kit.createTestProbe(FetchResult.class);
        manager.tell(new FetchOffsets(group, Optional.empty(), probe.ref()));
        return Optional.ofNullable(probe.receiveMessage(WAIT).offsets().get(T0)).map(CommittedOffset::offset);
    }

    private static void stop(ActorRef<GroupManager.Command> manager) {
        TestProbe<Done> probe = kit.createTestProbe(Done.class);
        manager.tell(new GroupManager.Shutdown(probe.ref()));
        probe.receiveMessage(WAIT);
        probe.expectTerminated(manager, WAIT);
    }

    @Test
    void aCommitRefusedAfterAFailedFsyncIsNotInEffectAfterARestartAndOneAcknowledgedAfterItIs() {
        ActorRef<GroupManager.Command> manager = start(failing);
        assertThat(commit(manager, "refused-into", 1)).isEqualTo(GroupError.NONE);
        failing.failNextFsyncs(1);

        assertThat(commit(manager, "refused-into", 2)).isEqualTo(GroupError.STORAGE_ERROR);
        assertThat(committed(manager, "refused-into")).contains(1L);
        assertThat(commit(manager, "after", 3)).isEqualTo(GroupError.NONE);
        stop(manager);

        ActorRef<GroupManager.Command> restarted = start(Storage.LOCAL);
        assertThat(committed(restarted, "refused-into")).contains(1L);
        assertThat(committed(restarted, "after")).contains(3L);
        stop(restarted);
    }

    @Test
    void whileTheCutBackFailsTooTheOutcomeIsUnknownAndLaterCommitsAreRefusedUntilItSucceeds() {
        ActorRef<GroupManager.Command> manager = start(failing);
        assertThat(commit(manager, "unknown-into", 1)).isEqualTo(GroupError.NONE);
        failing.failFsyncs();

        assertThat(commit(manager, "unknown-into", 2)).isEqualTo(GroupError.OUTCOME_UNKNOWN);
        assertThat(commit(manager, "refused", 3)).isEqualTo(GroupError.STORAGE_ERROR);
        assertThat(committed(manager, "unknown-into")).contains(1L);
        assertThat(committed(manager, "refused")).isEmpty();

        failing.heal();
        assertThat(commit(manager, "after", 4)).isEqualTo(GroupError.NONE);
        stop(manager);

        ActorRef<GroupManager.Command> restarted = start(Storage.LOCAL);
        assertThat(committed(restarted, "unknown-into")).contains(1L);
        assertThat(committed(restarted, "refused")).isEmpty();
        assertThat(committed(restarted, "after")).contains(4L);
        stop(restarted);
    }
}
