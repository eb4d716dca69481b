package io.riverlog.actors.groups.classic;

import static io.riverlog.actors.groups.classic.ClassicGroupRun.RANGE;
import static io.riverlog.actors.groups.classic.ClassicGroupRun.REBALANCE_MS;
import static io.riverlog.actors.groups.classic.ClassicGroupRun.SESSION_MS;
import static io.riverlog.actors.groups.classic.ClassicGroupRun.bytes;
import static io.riverlog.actors.groups.classic.ClassicGroupRun.protocols;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.riverlog.actors.groups.GroupActor;
import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.GroupRequests;
import io.riverlog.actors.groups.GroupRequests.CommitResult;
import io.riverlog.actors.groups.GroupRequests.DeleteGroup;
import io.riverlog.actors.groups.GroupRequests.DeleteGroupResult;
import io.riverlog.actors.groups.GroupRequests.GroupDescription;
import io.riverlog.actors.groups.GroupRequests.JoinResult;
import io.riverlog.actors.groups.GroupRequests.LeaveResult;
import io.riverlog.actors.groups.GroupRequests.SyncResult;
import io.riverlog.actors.groups.GroupState;

/** The state machine of one classic group, on manual time. */
class ClassicGroupTest {
    private static final ActorTestKit kit = ClassicGroupRun.manualTimeKit();
    private static final Duration NOT_YET = Duration.ofMillis(100);

    @AfterAll
    static void stopKit() {
        kit.shutdownTestKit();
    }

    private static ClassicGroupRun run() {
        return new ClassicGroupRun(kit, Duration.ZERO);
    }

    /** Two members, a the leader, after a's SyncGroup: stable at generation 2. */
    private record TwoMembers(String a, String b, int generation) {
    }

    private static TwoMembers twoStableMembers(ClassicGroupRun run) {
        String a = run.joinAlone().memberId();
        String b = run.newMemberId();
        TestProbe<JoinResult> bJoin = run.sendJoin(b, RANGE);
        assertThat(run.heartbeat(a, 1)).isEqualTo(GroupError.REBALANCE_IN_PROGRESS);
        JoinResult aJoined = run.sendJoin(a, RANGE).receiveMessage();
        JoinResult bJoined = bJoin.receiveMessage();
        assertThat(aJoined.generationId()).isEqualTo(2).isEqualTo(bJoined.generationId());
        TestProbe<SyncResult> bSync = run.sendSync(b, 2, Map.of());
        run.sendSync(a, 2, Map.of(a, bytes("for a"), b, bytes("for b"))).receiveMessage();
        assertThat(bSync.receiveMessage().assignment()).isEqualTo(bytes("for b"));
        return new TwoMembers(a, b, 2);
    }

    @Test
    void aNewMemberGetsItsIdWithMemberIdRequiredThenJoinsAsLeaderOfGenerationOne() {
        ClassicGroupRun run = run();
        String id = run.newMemberId();
        assertThat(run.settle()).isEqualTo(GroupState.EMPTY);

        JoinResult joined = run.sendJoin(id, RANGE).receiveMessage();

        assertThat(joined.error()).isEqualTo(GroupError.NONE);
        assertThat(joined.generationId()).isEqualTo(1);
        assertThat(joined.memberId()).isEqualTo(id);
        assertThat(joined.leaderId()).isEqualTo(id);
        assertThat(joined.protocolType()).contains("consumer");
        assertThat(joined.protocolName()).contains("range");
        assertThat(joined.members()).singleElement().satisfies(m -> {
            assertThat(m.memberId()).isEqualTo(id);
            assertThat(m.metadata()).isEqualTo(bytes("range"));
        });
        assertThat(run.settle()).isEqualTo(GroupState.COMPLETING_REBALANCE);
    }

    @Test
    void theLeadersSyncMakesTheGroupStableAndEachMemberGetsItsOwnAssignment() {
        ClassicGroupRun run = run();
        TwoMembers group = twoStableMembers(run);

        GroupDescription described = run.describe();
        assertThat(described.state()).isEqualTo(GroupState.STABLE);
        assertThat(described.protocolName()).isEqualTo("range");
        assertThat(described.members()).extracting(GroupRequests.DescribedMember::memberId)
                .containsExactly(group.a(), group.b());
        assertThat(described.members().get(1).assignment()).isEqualTo(bytes("for b"));
        assertThat(run.heartbeat(group.a(), group.generation())).isEqualTo(GroupError.NONE);
        // A follower that syncs again once stable gets the same assignment at once.
        assertThat(run.sendSync(group.b(), group.generation(), Map.of()).receiveMessage().assignment())
                .isEqualTo(bytes("for b"));
    }

    @Test
    void heartbeatsOfUnknownMembersAndOtherGenerationsAreRefused() {
        ClassicGroupRun run = run();
        TwoMembers group = twoStableMembers(run);

        assertThat(run.heartbeat("nobody", group.generation())).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(run.heartbeat(group.a(), group.generation() - 1)).isEqualTo(GroupError.ILLEGAL_GENERATION);
        assertThat(run.sendSync(group.a(), group.generation() + 1, Map.of()).receiveMessage().error())
                .isEqualTo(GroupError.ILLEGAL_GENERATION);
        assertThat(run.sendJoin("nobody", RANGE).receiveMessage().error()).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
    }

    @Test
    void protocolsEveryMemberSupportsAreChosenByVotesAndOthersAreRefused() {
        ClassicGroupRun run = run();
        String a = run.newMemberId();
        JoinResult aJoined = run.sendJoin(a, protocols("range", "roundrobin")).receiveMessage();
        assertThat(aJoined.protocolName()).contains("range");
        run.sendSync(a, 1, Map.of()).receiveMessage();

        JoinResult refused = run.sendJoin("", Optional.empty(), protocols("sticky"), true, SESSION_MS, REBALANCE_MS)
                .receiveMessage();
        assertThat(refused.error()).isEqualTo(GroupError.INCONSISTENT_GROUP_PROTOCOL);

        // Member ids handed out but not used yet hold the join back until they are.
        String b = run.newMemberId();
        String c = run.newMemberId();
        TestProbe<JoinResult> bJoin = run.sendJoin(b, protocols("roundrobin", "range"));
        TestProbe<JoinResult> aRejoin = run.sendJoin(a, protocols("range", "roundrobin"));
        aRejoin.expectNoMessage(NOT_YET);
        TestProbe<JoinResult> cJoin = run.sendJoin(c, protocols("roundrobin"));
        // Only roundrobin is supported by all three.
        assertThat(aRejoin.receiveMessage().protocolName()).contains("roundrobin");
        assertThat(bJoin.receiveMessage().protocolName()).contains("roundrobin");
        assertThat(cJoin.receiveMessage().protocolName()).contains("roundrobin");
    }

    @Test
    void aMemberThatLeavesStartsARebalanceAndTheOtherLeadsTheNextGeneration() {
        ClassicGroupRun run = run();
        TwoMembers group = twoStableMembers(run);

        LeaveResult left = run.leave(group.a(), "stranger");

        assertThat(left.error()).isEqualTo(GroupError.NONE);
        assertThat(left.members()).extracting(GroupRequests.MemberLeft::error)
                .containsExactly(GroupError.NONE, GroupError.UNKNOWN_MEMBER_ID);
        assertThat(run.heartbeat(group.b(), group.generation())).isEqualTo(GroupError.REBALANCE_IN_PROGRESS);
        JoinResult rejoined = run.sendJoin(group.b(), RANGE).receiveMessage();
        assertThat(rejoined.generationId()).isEqualTo(group.generation() + 1);
        assertThat(rejoined.leaderId()).isEqualTo(group.b());
        assertThat(rejoined.members()).extracting(GroupRequests.JoinedMember::memberId).containsExactly(group.b());

        run.leave(group.b());
        assertThat(run.settle()).isEqualTo(GroupState.EMPTY);
        assertThat(run.describe().members()).isEmpty();
    }

    @Test
    void aMemberThatStopsHeartbeatingIsRemovedWhenItsSessionExpires() {
        ClassicGroupRun run = run();
        TwoMembers group = twoStableMembers(run);

        run.timePasses(Duration.ofMillis(SESSION_MS - 1000));
        assertThat(run.heartbeat(group.a(), group.generation())).isEqualTo(GroupError.NONE);
        run.timePasses(Duration.ofMillis(SESSION_MS - 1000));
        // b sent nothing for longer than its session: removed, and a must rejoin.
        assertThat(run.heartbeat(group.b(), group.generation())).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(run.heartbeat(group.a(), group.generation())).isEqualTo(GroupError.REBALANCE_IN_PROGRESS);
        JoinResult rejoined = run.sendJoin(group.a(), RANGE).receiveMessage();
        assertThat(rejoined.members()).extracting(GroupRequests.JoinedMember::memberId).containsExactly(group.a());
    }

    @Test
    void membersThatDoNotRejoinWithinTheRebalanceTimeoutAreRemoved() {
        ClassicGroupRun run = run();
        TwoMembers group = twoStableMembers(run);
        String c = run.newMemberId();
        TestProbe<JoinResult> cJoin = run.sendJoin(c, RANGE);
        TestProbe<JoinResult> aJoin = run.sendJoin(group.a(), RANGE);
        // b keeps its session alive with heartbeats but never rejoins.
        run.timePasses(Duration.ofMillis(SESSION_MS / 2));
        assertThat(run.heartbeat(group.b(), group.generation())).isEqualTo(GroupError.REBALANCE_IN_PROGRESS);
        aJoin.expectNoMessage(NOT_YET);

        run.timePasses(Duration.ofMillis(REBALANCE_MS));

        JoinResult aJoined = aJoin.receiveMessage();
        assertThat(aJoined.generationId()).isEqualTo(group.generation() + 1);
        assertThat(aJoined.members()).extracting(GroupRequests.JoinedMember::memberId)
                .containsExactlyInAnyOrder(group.a(), c);
        assertThat(cJoin.receiveMessage().error()).isEqualTo(GroupError.NONE);
        assertThat(run.heartbeat(group.b(), group.generation())).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
    }

    @Test
    void membersThatDoNotSyncWithinTheRebalanceTimeoutAreRemoved() {
        ClassicGroupRun run = run();
        String a = run.joinAlone().memberId();
        String b = run.newMemberId();
        TestProbe<JoinResult> bJoin = run.sendJoin(b, RANGE);
        run.sendJoin(a, RANGE).receiveMessage();
        bJoin.receiveMessage();
        run.sendSync(a, 2, Map.of(a, bytes("x"))).receiveMessage();
        assertThat(run.settle()).isEqualTo(GroupState.STABLE);

        // Both keep their sessions alive, but b never sends SyncGroup.
        for (int passed = 0; passed <= REBALANCE_MS; passed += SESSION_MS / 2) {
            run.timePasses(Duration.ofMillis(SESSION_MS / 2));
            run.heartbeat(a, 2);
            run.heartbeat(b, 2);
        }

        assertThat(run.settle()).isEqualTo(GroupState.PREPARING_REBALANCE);
        assertThat(run.heartbeat(b, 2)).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
    }

    @Test
    void theFirstRebalanceWaitsTheInitialDelayAgainForEachMemberThatJoinsMeanwhile() {
        ClassicGroupRun run = new ClassicGroupRun(kit, Duration.ofSeconds(3));
        String a = run.newMemberId();
        TestProbe<JoinResult> aJoin = run.sendJoin(a, RANGE);
        run.timePasses(Duration.ofSeconds(2));
        String b = run.newMemberId();
        TestProbe<JoinResult> bJoin = run.sendJoin(b, RANGE);
        run.timePasses(Duration.ofSeconds(1));
        aJoin.expectNoMessage(NOT_YET);

        run.timePasses(Duration.ofSeconds(3));

        assertThat(aJoin.receiveMessage().members()).hasSize(2);
        assertThat(bJoin.receiveMessage().generationId()).isEqualTo(1);
    }

    @Test
    void commitsAreCheckedAgainstTheMembershipAndHandedToTheManager() {
        ClassicGroupRun run = run();
        run.sendCommit("", -1).expectNoMessage(NOT_YET);
        assertThat(run.manager.expectMessageClass(GroupActor.CommitAccepted.class).request().isSimple()).isTrue();

        TwoMembers group = twoStableMembers(run);
        run.sendCommit(group.a(), group.generation());
        assertThat(run.managerGets(GroupActor.CommitAccepted.class).request().memberId()).isEqualTo(group.a());
        assertThat(errorOf(run.sendCommit(group.a(), group.generation() - 1))).isEqualTo(GroupError.ILLEGAL_GENERATION);
        assertThat(errorOf(run.sendCommit("", -1))).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(errorOf(run.sendCommit("stranger", group.generation()))).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);

        String c = run.newMemberId();
        TestProbe<JoinResult> cJoin = run.sendJoin(c, RANGE);
        run.sendJoin(group.a(), RANGE);
        run.sendJoin(group.b(), RANGE);
        cJoin.receiveMessage();
        assertThat(errorOf(run.sendCommit(c, group.generation() + 1))).isEqualTo(GroupError.REBALANCE_IN_PROGRESS);
    }

    @Test
    void aStaticMemberRejoiningUnderANewIdFencesTheOldOne() {
        ClassicGroupRun run = run();
        JoinResult first = run.sendJoin("", Optional.of("instance-1"), RANGE, true, SESSION_MS, REBALANCE_MS)
                .receiveMessage();
        assertThat(first.error()).as("static members get their id at once").isEqualTo(GroupError.NONE);
        run.sendSync(first.memberId(), first.generationId(), Map.of()).receiveMessage();

        JoinResult second = run.sendJoin("", Optional.of("instance-1"), RANGE, true, SESSION_MS, REBALANCE_MS)
                .receiveMessage();

        assertThat(second.memberId()).isNotEqualTo(first.memberId());
        assertThat(second.generationId()).isEqualTo(first.generationId() + 1);
        TestProbe<GroupRequests.HeartbeatResult> old = kit.createTestProbe(GroupRequests.HeartbeatResult.class);
        run.group.tell(new GroupRequests.Heartbeat("g", second.generationId(), first.memberId(),
                Optional.of("instance-1"), old.ref()));
        assertThat(old.receiveMessage().error()).isEqualTo(GroupError.FENCED_INSTANCE_ID);
    }

    @Test
    void onlyAnEmptyGroupCanBeDeletedAndItThenRefusesEverythingUntilStopped() {
        ClassicGroupRun run = run();
        String a = run.joinAlone().memberId();
        TestProbe<DeleteGroupResult> deleted = kit.createTestProbe(DeleteGroupResult.class);
        run.group.tell(new DeleteGroup("g", deleted.ref()));
        assertThat(deleted.receiveMessage().error()).isEqualTo(GroupError.NON_EMPTY_GROUP);

        run.leave(a);
        run.group.tell(new DeleteGroup("g", deleted.ref()));
        GroupActor.Retired retired = run.managerGets(GroupActor.Retired.class);
        assertThat(retired.group()).isEqualTo(run.group);
        assertThat(run.sendJoin("", RANGE).receiveMessage().error()).isEqualTo(GroupError.COORDINATOR_NOT_AVAILABLE);
        run.group.tell(GroupActor.Stop.INSTANCE);
        TestProbe<Object> watcher = kit.createTestProbe();
        watcher.expectTerminated(run.group, Duration.ofSeconds(3));
    }

    @Test
    void sessionTimeoutsOutsideTheBrokersBoundsAreRefused() {
        ClassicGroupRun run = run();
        JoinResult tooShort = run.sendJoin("", Optional.empty(), RANGE, true, 500, REBALANCE_MS).receiveMessage();
        assertThat(tooShort.error()).isEqualTo(GroupError.INVALID_SESSION_TIMEOUT);
        List<GroupRequests.Protocol> none = List.of();
        assertThat(run.sendJoin("", Optional.empty(), none, true, SESSION_MS, REBALANCE_MS).receiveMessage().error())
                .isEqualTo(GroupError.INCONSISTENT_GROUP_PROTOCOL);
    }

    private static GroupError errorOf(TestProbe<CommitResult> probe) {
        return probe.receiveMessage().partitions().values().iterator().next();
    }
}
