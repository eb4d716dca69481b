package io.riverlog.actors.groups;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.groups.GroupRequests.CommitOffsets;
import io.riverlog.actors.groups.GroupRequests.CommitResult;
import io.riverlog.actors.groups.GroupRequests.DeleteGroup;
import io.riverlog.actors.groups.GroupRequests.DeleteGroupResult;
import io.riverlog.actors.groups.GroupRequests.DeleteOffsets;
import io.riverlog.actors.groups.GroupRequests.DeleteOffsetsResult;
import io.riverlog.actors.groups.GroupRequests.DescribeGroup;
import io.riverlog.actors.groups.GroupRequests.FetchOffsets;
import io.riverlog.actors.groups.GroupRequests.FetchResult;
import io.riverlog.actors.groups.GroupRequests.GroupDescription;
import io.riverlog.actors.groups.GroupRequests.GroupListing;
import io.riverlog.actors.groups.GroupRequests.GroupOverview;
import io.riverlog.actors.groups.GroupRequests.JoinGroup;
import io.riverlog.actors.groups.GroupRequests.JoinResult;
import io.riverlog.actors.groups.GroupRequests.LeaveGroup;
import io.riverlog.actors.groups.GroupRequests.LeaveResult;
import io.riverlog.actors.groups.GroupRequests.LeavingMember;
import io.riverlog.actors.groups.GroupRequests.ListGroups;
import io.riverlog.actors.groups.GroupRequests.Protocol;
import io.riverlog.actors.groups.offsets.OffsetStorageSettings;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.LogConfig;
import io.riverlog.wal.Storage;

/** The group manager with a real offsets log: commits, fetches, deletions, restarts. */
class GroupManagerTest {
    private static final ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());
    private static final PartitionId T0 = new PartitionId("t", 0);
    private static final PartitionId T1 = new PartitionId("t", 1);
    private static final List<Protocol> RANGE =
            List.of(new Protocol("range", "range".getBytes(StandardCharsets.UTF_8)));

    @TempDir
    Path dataDir;

    @AfterAll
    static void stopKit() {
        kit.shutdownTestKit();
    }

    private GroupSettings settings() {
        return new GroupSettings(dataDir, LogConfig.fromConfig(ConfigFactory.load()).withRetention(-1, -1),
                Duration.ofSeconds(1), Duration.ofMinutes(30), Duration.ZERO, 16,
                OffsetStorageSettings.fromConfig(ConfigFactory.load()));
    }

    private ActorRef<GroupManager.Command> start(Storage storage) {
        return kit.spawn(GroupManager.create(settings(), storage));
    }

    /** Starts a manager and returns once it replayed the offsets log. */
    private ActorRef<GroupManager.Command> started() {
        ActorRef<GroupManager.Command> manager = start(Storage.LOCAL);
        awaitLoaded(manager);
        return manager;
    }

    private static void awaitLoaded(ActorRef<GroupManager.Command> manager) {
        TestProbe<GroupListing> probe = kit.createTestProbe(GroupListing.class);
        probe.awaitAssert(Duration.ofSeconds(10), () -> {
            manager.tell(new ListGroups(probe.ref()));
            assertThat(probe.receiveMessage().error()).isEqualTo(GroupError.NONE);
            return null;
        });
    }

    private static <T> T ask(ActorRef<GroupManager.Command> manager, Class<T> type,
                             Function<ActorRef<T>, GroupManager.Command> request) {
        TestProbe<T> probe = kit.createTestProbe(type);
        manager.tell(request.apply(probe.ref()));
        return probe.receiveMessage(Duration.ofSeconds(10));
    }

    private static Map<PartitionId, GroupError> commit(ActorRef<GroupManager.Command> manager, String group,
                                                       Map<PartitionId, Long> offsets) {
        Map<PartitionId, CommittedOffset> committed = new java.util.LinkedHashMap<>();
        offsets.forEach((p, o) -> committed.put(p, new CommittedOffset(o, 3, Optional.of("m" + o), 1000)));
        return ask(manager, CommitResult.class, r -> new CommitOffsets(group, -1, "", Optional.empty(), committed, r))
                .partitions();
    }

    private static Map<PartitionId, CommittedOffset> fetch(ActorRef<GroupManager.Command> manager, String group) {
        FetchResult result = ask(manager, FetchResult.class, r -> new FetchOffsets(group, Optional.empty(), r));
        assertThat(result.error()).isEqualTo(GroupError.NONE);
        return result.offsets();
    }

    private static void stop(ActorRef<GroupManager.Command> manager) {
        ask(manager, Done.class, GroupManager.Shutdown::new);
        kit.createTestProbe().expectTerminated(manager, Duration.ofSeconds(10));
    }

    /** A classic consumer joins the group, without being asked to join again with its new member id. */
    private static JoinResult join(ActorRef<GroupManager.Command> manager, String group) {
        return ask(manager, JoinResult.class, r -> new JoinGroup(group, "", Optional.empty(), "c", "/127.0.0.1",
                10_000, 10_000, "consumer", RANGE, false, "", r));
    }

    /** A ConsumerGroupHeartbeat subscribing to topic t of one partition. */
    private static ConsumerGroupRequests.HeartbeatResult consumerHeartbeat(ActorRef<GroupManager.Command> manager,
                                                                           String memberId, int epoch) {
        return ask(manager, ConsumerGroupRequests.HeartbeatResult.class, r -> new ConsumerGroupRequests.Heartbeat("g",
                memberId, epoch, Optional.empty(), Optional.empty(), 10_000, Optional.of(List.of("t")),
                Optional.empty(), Optional.empty(), Optional.of(Set.of()), "c", "/127.0.0.1", Map.of("t", 1), r));
    }

    /** Waits until ListGroups shows the group as {@code expected}: the manager learns of changes from the group. */
    private static void awaitListed(ActorRef<GroupManager.Command> manager, GroupOverview expected) {
        TestProbe<GroupListing> probe = kit.createTestProbe(GroupListing.class);
        probe.awaitAssert(Duration.ofSeconds(10), () -> {
            manager.tell(new ListGroups(probe.ref()));
            assertThat(probe.receiveMessage().groups()).contains(expected);
            return null;
        });
    }

    @Test
    void committedOffsetsAreReadBackAndSurviveARestart() {
        ActorRef<GroupManager.Command> manager = started();
        assertThat(commit(manager, "g", Map.of(T0, 10L, T1, 20L))).containsOnly(
                Map.entry(T0, GroupError.NONE), Map.entry(T1, GroupError.NONE));
        commit(manager, "g", Map.of(T1, 21L));
        FetchResult some = ask(manager, FetchResult.class,
                r -> new FetchOffsets("g", Optional.of(List.of(T1, new PartitionId("t", 9))), r));
        assertThat(some.offsets()).containsOnlyKeys(T1);
        assertThat(some.offsets().get(T1)).isEqualTo(new CommittedOffset(21, 3, Optional.of("m21"), 1000));
        stop(manager);

        ActorRef<GroupManager.Command> restarted = started();
        assertThat(fetch(restarted, "g")).containsOnly(
                Map.entry(T0, new CommittedOffset(10, 3, Optional.of("m10"), 1000)),
                Map.entry(T1, new CommittedOffset(21, 3, Optional.of("m21"), 1000)));
        assertThat(fetch(restarted, "other")).isEmpty();
        stop(restarted);
    }

    @Test
    void deletedGroupsAndOffsetsStayDeletedAfterARestart() {
        ActorRef<GroupManager.Command> manager = started();
        commit(manager, "kept", Map.of(T0, 1L, T1, 2L));
        commit(manager, "dropped", Map.of(T0, 5L));
        DeleteOffsetsResult deletedOffsets = ask(manager, DeleteOffsetsResult.class,
                r -> new DeleteOffsets("kept", Set.of(T0), r));
        assertThat(deletedOffsets.partitions()).containsOnly(Map.entry(T0, GroupError.NONE));
        assertThat(ask(manager, DeleteGroupResult.class, r -> new DeleteGroup("dropped", r)).error())
                .isEqualTo(GroupError.NONE);
        stop(manager);

        ActorRef<GroupManager.Command> restarted = started();
        assertThat(fetch(restarted, "kept")).containsOnlyKeys(T1);
        assertThat(fetch(restarted, "dropped")).isEmpty();
        assertThat(ask(restarted, GroupListing.class, ListGroups::new).groups())
                .containsExactly(new GroupOverview("kept", "", GroupState.EMPTY));
        assertThat(ask(restarted, DeleteGroupResult.class, r -> new DeleteGroup("dropped", r)).error())
                .isEqualTo(GroupError.GROUP_ID_NOT_FOUND);
        stop(restarted);
    }

    @Test
    void membersCommitThroughTheirGroupAndAGroupWithMembersIsNotDeleted() {
        ActorRef<GroupManager.Command> manager = started();
        JoinResult joined = join(manager, "members");
        assertThat(joined.error()).isEqualTo(GroupError.NONE);
        assertThat(ask(manager, GroupRequests.SyncResult.class, r -> new GroupRequests.SyncGroup("members",
                joined.generationId(), joined.memberId(), Optional.empty(), Optional.empty(), Optional.empty(),
                Map.of(), r)).error()).isEqualTo(GroupError.NONE);
        Map<PartitionId, CommittedOffset> offsets = Map.of(T0, new CommittedOffset(7, -1, Optional.empty(), 0));

        CommitResult byMember = ask(manager, CommitResult.class, r -> new CommitOffsets("members",
                joined.generationId(), joined.memberId(), Optional.empty(), offsets, r));
        CommitResult byOutsider = ask(manager, CommitResult.class, r -> new CommitOffsets("members", -1, "",
                Optional.empty(), offsets, r));

        assertThat(byMember.partitions()).containsOnly(Map.entry(T0, GroupError.NONE));
        assertThat(byOutsider.partitions()).containsOnly(Map.entry(T0, GroupError.UNKNOWN_MEMBER_ID));
        assertThat(fetch(manager, "members").get(T0).offset()).isEqualTo(7);
        assertThat(ask(manager, GroupListing.class, ListGroups::new).groups()).containsExactly(
                new GroupOverview("members", "consumer", GroupState.STABLE));
        GroupDescription described = ask(manager, GroupDescription.class, r -> new DescribeGroup("members", r));
        assertThat(described.members()).hasSize(1);
        assertThat(ask(manager, DeleteGroupResult.class, r -> new DeleteGroup("members", r)).error())
                .isEqualTo(GroupError.NON_EMPTY_GROUP);
        stop(manager);
    }

    @Test
    void aGroupBelongsToOneProtocolAtATimeAndChangesItOnlyWhileEmpty() {
        ActorRef<GroupManager.Command> manager = started();
        JoinResult classic = join(manager, "g");
        assertThat(classic.error()).isEqualTo(GroupError.NONE);
        assertThat(consumerHeartbeat(manager, "", ConsumerGroupRequests.JOIN_EPOCH).error())
                .as("a classic group with members").isEqualTo(GroupError.GROUP_ID_NOT_FOUND);

        LeaveResult left = ask(manager, LeaveResult.class, r -> new LeaveGroup("g",
                List.of(new LeavingMember(classic.memberId(), Optional.empty(), "")), r));
        assertThat(left.members()).singleElement().satisfies(m -> assertThat(m.error()).isEqualTo(GroupError.NONE));
        awaitListed(manager, new GroupOverview("g", "consumer", GroupState.EMPTY));
        ConsumerGroupRequests.HeartbeatResult joined = consumerHeartbeat(manager, "", ConsumerGroupRequests.JOIN_EPOCH);
        assertThat(joined.error()).as("the empty classic group becomes a consumer group").isEqualTo(GroupError.NONE);
        awaitListed(manager, new GroupOverview("g", GroupOverview.CONSUMER_PROTOCOL_TYPE, GroupState.STABLE, true));
        assertThat(join(manager, "g").error())
                .as("a consumer group with members").isEqualTo(GroupError.INCONSISTENT_GROUP_PROTOCOL);

        assertThat(consumerHeartbeat(manager, joined.memberId(), ConsumerGroupRequests.LEAVE_EPOCH).error())
                .isEqualTo(GroupError.NONE);
        awaitListed(manager, new GroupOverview("g", GroupOverview.CONSUMER_PROTOCOL_TYPE, GroupState.EMPTY, true));
        assertThat(join(manager, "g").error())
                .as("the empty consumer group becomes a classic group").isEqualTo(GroupError.NONE);
        awaitListed(manager, new GroupOverview("g", "consumer", GroupState.COMPLETING_REBALANCE));
        stop(manager);
    }

    @Test
    void metadataLargerThanTheLimitIsRefusedForItsPartitionOnly() {
        ActorRef<GroupManager.Command> manager = started();
        Map<PartitionId, CommittedOffset> offsets = Map.of(
                T0, new CommittedOffset(1, -1, Optional.of("x".repeat(17)), 0),
                T1, new CommittedOffset(2, -1, Optional.of("x".repeat(16)), 0));
        CommitResult result = ask(manager, CommitResult.class,
                r -> new CommitOffsets("g", -1, "", Optional.empty(), offsets, r));
        assertThat(result.partitions()).containsOnly(Map.entry(T0, GroupError.OFFSET_METADATA_TOO_LARGE),
                Map.entry(T1, GroupError.NONE));
        assertThat(fetch(manager, "g")).containsOnlyKeys(T1);
        stop(manager);
    }

    @Test
    void requestsWhileTheOffsetsAreReplayedAreAnsweredLoadInProgress() throws Exception {
        CountDownLatch opened = new CountDownLatch(1);
        Storage slowToOpen = Storage.local((path, options) -> {
            try {
                if (!opened.await(10, TimeUnit.SECONDS)) {
                    throw new java.io.IOException("the test did not let the log open");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while the test held the log closed");
            }
            return FileChannel.open(path, options);
        });
        ActorRef<GroupManager.Command> manager = start(slowToOpen);
        assertThat(ask(manager, FetchResult.class, r -> new FetchOffsets("g", Optional.empty(), r)).error())
                .isEqualTo(GroupError.COORDINATOR_LOAD_IN_PROGRESS);
        assertThat(ask(manager, JoinResult.class, r -> new JoinGroup("g", "", Optional.empty(), "c", "/127.0.0.1",
                10_000, 10_000, "consumer", RANGE, true, "", r)).error())
                .isEqualTo(GroupError.COORDINATOR_LOAD_IN_PROGRESS);

        opened.countDown();

        awaitLoaded(manager);
        assertThat(ask(manager, FetchResult.class, r -> new FetchOffsets("g", Optional.empty(), r)).error())
                .isEqualTo(GroupError.NONE);
        stop(manager);
    }
}
