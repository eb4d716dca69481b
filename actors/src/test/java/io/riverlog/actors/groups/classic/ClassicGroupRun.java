package io.riverlog.actors.groups.classic;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.groups.CommittedOffset;
import io.riverlog.actors.groups.GroupActor;
import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.GroupRequests.CommitOffsets;
import io.riverlog.actors.groups.GroupRequests.CommitResult;
import io.riverlog.actors.groups.GroupRequests.DescribeGroup;
import io.riverlog.actors.groups.GroupRequests.GroupDescription;
import io.riverlog.actors.groups.GroupRequests.Heartbeat;
import io.riverlog.actors.groups.GroupRequests.HeartbeatResult;
import io.riverlog.actors.groups.GroupRequests.JoinGroup;
import io.riverlog.actors.groups.GroupRequests.JoinResult;
import io.riverlog.actors.groups.GroupRequests.LeaveGroup;
import io.riverlog.actors.groups.GroupRequests.LeaveResult;
import io.riverlog.actors.groups.GroupRequests.LeavingMember;
import io.riverlog.actors.groups.GroupRequests.Protocol;
import io.riverlog.actors.groups.GroupRequests.SyncGroup;
import io.riverlog.actors.groups.GroupRequests.SyncResult;
import io.riverlog.actors.groups.GroupSettings;
import io.riverlog.actors.groups.GroupState;
import io.riverlog.actors.groups.offsets.OffsetStorageSettings;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.LogConfig;

/**
 * One classic group under test, on manual time, with a probe as its manager, and the requests a
 * test sends it. Time only moves when the test says so; before it does, {@link #settle()} makes sure
 * the group handled everything sent so far (and so started the timers it should).
 */
final class ClassicGroupRun {
    static final int SESSION_MS = 10_000;
    static final int REBALANCE_MS = 30_000;
    static final String CONSUMER = "consumer";
    static final List<Protocol> RANGE = protocols("range");

    final ActorTestKit kit;
    final ManualTime time;
    final TestProbe<GroupActor.Report> manager;
    final ActorRef<GroupActor.Command> group;

    ClassicGroupRun(ActorTestKit kit, Duration initialRebalanceDelay) {
        this.kit = kit;
        this.time = ManualTime.get(kit.system());
        this.manager = kit.createTestProbe(GroupActor.Report.class);
        this.group = kit.spawn(ClassicGroup.create("g", settings(initialRebalanceDelay), manager.ref()));
    }

    /** A test kit whose scheduler only moves when told, on the defaults of this module and wal-io. */
    static ActorTestKit manualTimeKit() {
        return ActorTestKit.create(ManualTime.config().withFallback(ConfigFactory.load()));
    }

    static GroupSettings settings(Duration initialRebalanceDelay) {
        return new GroupSettings(Path.of("unused"), LogConfig.fromConfig(ConfigFactory.load()), Duration.ofSeconds(1),
                Duration.ofMinutes(30), initialRebalanceDelay, 4096,
                OffsetStorageSettings.fromConfig(ConfigFactory.load()));
    }

    /** Protocols named {@code names}, each with its name as metadata. */
    static List<Protocol> protocols(String... names) {
        return Arrays.stream(names).map(n -> new Protocol(n, n.getBytes(StandardCharsets.UTF_8))).toList();
    }

    // ---------------------------------------------------------------- JoinGroup

    TestProbe<JoinResult> sendJoin(String memberId, List<Protocol> protocols) {
        return sendJoin(memberId, Optional.empty(), protocols, false, SESSION_MS, REBALANCE_MS);
    }

    TestProbe<JoinResult> sendJoin(String memberId, Optional<String> instanceId, List<Protocol> protocols,
                                   boolean requireKnownMemberId, int sessionMs, int rebalanceMs) {
        TestProbe<JoinResult> probe = kit.createTestProbe(JoinResult.class);
        group.tell(new JoinGroup("g", memberId, instanceId, "client", "/127.0.0.1", sessionMs, rebalanceMs,
                CONSUMER, protocols, requireKnownMemberId, "", probe.ref()));
        return probe;
    }

    /** A new member id, handed out with MEMBER_ID_REQUIRED (as to a JoinGroup v4+ with no member id). */
    String newMemberId() {
        JoinResult required = sendJoin("", Optional.empty(), RANGE, true, SESSION_MS, REBALANCE_MS).receiveMessage();
        assertThat(required.error()).isEqualTo(GroupError.MEMBER_ID_REQUIRED);
        assertThat(required.memberId()).startsWith("client-");
        return required.memberId();
    }

    // ---------------------------------------------------------------- others

    TestProbe<SyncResult> sendSync(String memberId, int generation, Map<String, byte[]> assignments) {
        TestProbe<SyncResult> probe = kit.createTestProbe(SyncResult.class);
        group.tell(new SyncGroup("g", generation, memberId, Optional.empty(), Optional.of(CONSUMER),
                Optional.empty(), assignments, probe.ref()));
        return probe;
    }

    GroupError heartbeat(String memberId, int generation) {
        TestProbe<HeartbeatResult> probe = kit.createTestProbe(HeartbeatResult.class);
        group.tell(new Heartbeat("g", generation, memberId, Optional.empty(), probe.ref()));
        return probe.receiveMessage().error();
    }

    LeaveResult leave(String... memberIds) {
        TestProbe<LeaveResult> probe = kit.createTestProbe(LeaveResult.class);
        group.tell(new LeaveGroup("g", Arrays.stream(memberIds)
                .map(id -> new LeavingMember(id, Optional.empty(), "test")).toList(), probe.ref()));
        return probe.receiveMessage();
    }

    /** Commits offset 1 of partition t-0; the manager probe gets it if the group accepts it. */
    TestProbe<CommitResult> sendCommit(String memberId, int generation) {
        TestProbe<CommitResult> probe = kit.createTestProbe(CommitResult.class);
        group.tell(new CommitOffsets("g", generation, memberId, Optional.empty(),
                Map.of(new PartitionId("t", 0), new CommittedOffset(1, -1, Optional.empty(), 0)), probe.ref()));
        return probe;
    }

    GroupDescription describe() {
        TestProbe<GroupDescription> probe = kit.createTestProbe(GroupDescription.class);
        group.tell(new DescribeGroup("g", probe.ref()));
        return probe.receiveMessage();
    }

    /** Returns once the group handled everything sent before. */
    GroupState settle() {
        return describe().state();
    }

    /** The next report of this type the group sent its manager, skipping state changes and others. */
    <T extends GroupActor.Report> T managerGets(Class<T> type) {
        List<GroupActor.Report> fished = manager.fishForMessage(Duration.ofSeconds(3),
                message -> type.isInstance(message) ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
        return type.cast(fished.get(fished.size() - 1));
    }

    void timePasses(Duration amount) {
        settle();
        time.timePasses(amount);
    }

    /** Brings one member in with a JoinGroup v4+ flow, then the leader's SyncGroup; returns the join answer. */
    JoinResult joinAlone() {
        String id = newMemberId();
        JoinResult joined = sendJoin(id, RANGE).receiveMessage();
        assertThat(joined.error()).isEqualTo(GroupError.NONE);
        sendSync(id, joined.generationId(), Map.of(id, bytes("all"))).receiveMessage();
        return joined;
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
