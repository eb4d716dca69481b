package io.riverlog.actors.groups.offsets;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.groups.CommittedOffset;
import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.GroupManager;
import io.riverlog.actors.groups.GroupRequests;
import io.riverlog.actors.groups.GroupRequests.CommitOffsets;
import io.riverlog.actors.groups.GroupRequests.CommitResult;
import io.riverlog.actors.groups.GroupRequests.FetchOffsets;
import io.riverlog.actors.groups.GroupRequests.FetchResult;
import io.riverlog.actors.groups.GroupSettings;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.FaultInjectingChannels;
import io.riverlog.wal.LogConfig;
import io.riverlog.wal.MovableClock;
import io.riverlog.wal.Storage;

/**
 * The offset store as the group manager runs it: expiry by the membership other actors report
 * ({@link GroupManager.GroupBecameActive}, {@link GroupManager.GroupBecameEmpty}), judged by the
 * manager's clock, which the test moves; snapshots taken as commits come in; and commits refused
 * after a failed fsync, which the log is cut back from before they are answered, so that they are
 * not in effect after a restart either (if the cut-back fails too, the answer says the outcome is unknown).
 */
class OffsetStoreTest {
    private static final ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());
    private static final PartitionId T0 = new PartitionId("t", 0);
    private static final Duration RETENTION = Duration.ofHours(1);
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dataDir;
    private final MovableClock clock = new MovableClock(Instant.parse("2026-11-27T00:00:00Z"));

    @AfterAll
    static void stopKit() {
        kit.shutdownTestKit();
    }

    private ActorRef<GroupManager.Command> start(long snapshotAfterChanges) {
        return start(snapshotAfterChanges, Storage.LOCAL);
    }

    private ActorRef<GroupManager.Command> start(long snapshotAfterChanges, Storage storage) {
        GroupSettings settings = new GroupSettings(dataDir,
                LogConfig.fromConfig(ConfigFactory.load()).withRetention(-1, -1),
                Duration.ofSeconds(1), Duration.ofMinutes(30), Duration.ZERO, 4096,
                new OffsetStorageSettings(snapshotAfterChanges, RETENTION, Duration.ofMillis(50)));
        ActorRef<GroupManager.Command> manager = kit.spawn(GroupManager.create(settings, storage, clock));
        TestProbe<GroupRequests.GroupListing> probe = kit.createTestProbe(GroupRequests.GroupListing.class);
        probe.awaitAssert(WAIT, () -> {
            manager.tell(new GroupRequests.ListGroups(probe.ref()));
            assertThat(probe.receiveMessage(WAIT).error()).as("loaded").isEqualTo(GroupError.NONE);
            return null;
        });
        return manager;
    }

    private static <T> T ask(ActorRef<GroupManager.Command> manager, Class<T> type,
                             Function<ActorRef<T>, GroupManager.Command> request) {
        TestProbe<T> probe = kit.createTestProbe(type);
        manager.tell(request.apply(probe.ref()));
        return probe.receiveMessage(WAIT);
    }

    private void commit(ActorRef<GroupManager.Command> manager, String group, long offset) {
        assertThat(tryCommit(manager, group, offset)).containsOnly(Map.entry(T0, GroupError.NONE));
    }

    private Map<PartitionId, GroupError> tryCommit(ActorRef<GroupManager.Command> manager, String group, long offset) {
        Map<PartitionId, CommittedOffset> offsets = Map.of(T0, new CommittedOffset(offset, -1, Optional.empty(),
                clock.millis()));
        return ask(manager, CommitResult.class, r -> new CommitOffsets(group, -1, "", Optional.empty(), offsets, r))
                .partitions();
    }

    private static Map<PartitionId, CommittedOffset> fetch(ActorRef<GroupManager.Command> manager, String group) {
        return ask(manager, FetchResult.class, r -> new FetchOffsets(group, Optional.empty(), r)).offsets();
    }

    private static void awaitGone(ActorRef<GroupManager.Command> manager, String group) {
        TestProbe<FetchResult> probe = kit.createTestProbe(FetchResult.class);
        probe.awaitAssert(WAIT, () -> {
            manager.tell(new FetchOffsets(group, Optional.empty(), probe.ref()));
            assertThat(probe.receiveMessage(WAIT).offsets()).as("offsets of " + group).isEmpty();
            return null;
        });
    }

    private static void stop(ActorRef<GroupManager.Command> manager) {
        TestProbe<Done> probe = kit.createTestProbe(Done.class);
        manager.tell(new GroupManager.Shutdown(probe.ref()));
        probe.receiveMessage(WAIT);
        probe.expectTerminated(manager, WAIT);
    }

    @Test
    void aGroupReportedActiveKeepsItsOffsetsAndOnceReportedEmptyLosesThemAfterTheRetention() {
        ActorRef<GroupManager.Command> manager = start(Long.MAX_VALUE);
        manager.tell(new GroupManager.GroupBecameActive("active"));
        commit(manager, "active", 7);
        commit(manager, "outside", 8);

        clock.advance(RETENTION.plusMinutes(1));
        // The offsets committed outside any group at the same time expire: a check ran past the retention.
        awaitGone(manager, "outside");
        assertThat(fetch(manager, "active")).containsOnlyKeys(T0);

        manager.tell(new GroupManager.GroupBecameEmpty("active"));
        commit(manager, "witness", 9);
        clock.advance(RETENTION.minusMinutes(1));
        commit(manager, "late-witness", 10);
        clock.advance(Duration.ofMinutes(1));
        // "witness" was committed with the group's last member gone: both expire at the same check.
        awaitGone(manager, "witness");
        assertThat(fetch(manager, "late-witness")).containsOnlyKeys(T0);
        awaitGone(manager, "active");
        stop(manager);

        ActorRef<GroupManager.Command> restarted = start(Long.MAX_VALUE);
        assertThat(fetch(restarted, "active")).isEmpty();
        assertThat(fetch(restarted, "outside")).isEmpty();
        assertThat(fetch(restarted, "late-witness")).containsOnlyKeys(T0);
        stop(restarted);
    }

    @Test
    void snapshotsKeepTheLogShortAndEveryCommitAcrossARestart() throws IOException {
        ActorRef<GroupManager.Command> manager = start(10);
        Map<String, Long> last = new HashMap<>();
        for (int i = 0; i < 60; i++) {
            String group = "g" + (i % 4);
            commit(manager, group, i);
            last.put(group, (long) i);
        }
        stop(manager);

        List<Path> segments = OffsetsSnapshotCrashTest.segmentFiles(dataDir.resolve(GroupSettings.GROUPS_DIR));
        assertThat(segments).as("the log before the last snapshot was deleted").hasSize(1);
        assertThat(segments.get(0).getFileName().toString()).isNotEqualTo("00000000000000000000.log");

        ActorRef<GroupManager.Command> restarted = start(10);
        last.forEach((group, offset) -> assertThat(fetch(restarted, group).get(T0).offset()).isEqualTo(offset));
        stop(restarted);
    }

    @Test
    void aCommitRefusedAfterAFailedFsyncIsNotInEffectAfterARestartAndOneAcknowledgedAfterItIs() {
        FaultInjectingChannels failing = new FaultInjectingChannels(dataDir.resolve(GroupSettings.GROUPS_DIR));
        ActorRef<GroupManager.Command> manager = start(Long.MAX_VALUE, failing);
        commit(manager, "refused-into", 1);
        failing.failNextFsyncs(1);

        assertThat(tryCommit(manager, "refused-into", 2)).containsOnly(Map.entry(T0, GroupError.STORAGE_ERROR));
        assertThat(fetch(manager, "refused-into").get(T0).offset()).isEqualTo(1);
        commit(manager, "after", 3);
        stop(manager);

        ActorRef<GroupManager.Command> restarted = start(Long.MAX_VALUE);
        assertThat(fetch(restarted, "refused-into").get(T0).offset()).isEqualTo(1);
        assertThat(fetch(restarted, "after").get(T0).offset()).isEqualTo(3);
        stop(restarted);
    }

    @Test
    void whileTheCutBackFailsTooTheOutcomeIsUnknownAndLaterCommitsAreRefusedUntilItSucceeds() {
        FaultInjectingChannels failing = new FaultInjectingChannels(dataDir.resolve(GroupSettings.GROUPS_DIR));
        ActorRef<GroupManager.Command> manager = start(Long.MAX_VALUE, failing);
        commit(manager, "unknown-into", 1);
        failing.failFsyncs();

        assertThat(tryCommit(manager, "unknown-into", 2)).containsOnly(Map.entry(T0, GroupError.OUTCOME_UNKNOWN));
        assertThat(tryCommit(manager, "refused", 3)).containsOnly(Map.entry(T0, GroupError.STORAGE_ERROR));
        assertThat(fetch(manager, "unknown-into").get(T0).offset()).isEqualTo(1);
        assertThat(fetch(manager, "refused")).isEmpty();

        failing.heal();
        commit(manager, "after", 4);
        stop(manager);

        ActorRef<GroupManager.Command> restarted = start(Long.MAX_VALUE);
        assertThat(fetch(restarted, "unknown-into").get(T0).offset()).isEqualTo(1);
        assertThat(fetch(restarted, "refused")).isEmpty();
        assertThat(fetch(restarted, "after").get(T0).offset()).isEqualTo(4);
        stop(restarted);
    }
}
