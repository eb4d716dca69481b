package io.riverlog.actors.groups.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.groups.CommittedOffset;
import io.riverlog.actors.groups.ConsumerGroupRequests;
import io.riverlog.actors.groups.ConsumerGroupRequests.ConsumerGroupDescription;
import io.riverlog.actors.groups.ConsumerGroupRequests.Describe;
import io.riverlog.actors.groups.ConsumerGroupRequests.Heartbeat;
import io.riverlog.actors.groups.ConsumerGroupRequests.HeartbeatResult;
import io.riverlog.actors.groups.GroupActor;
import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.GroupRequests.CommitOffsets;
import io.riverlog.actors.groups.GroupRequests.CommitResult;
import io.riverlog.actors.groups.GroupState;
import io.riverlog.actors.groups.consumer.assign.Assignors;
import io.riverlog.actors.partition.PartitionId;

/**
 * One consumer-protocol group on manual time, with a probe as its manager: joining, revoking before
 * assigning, fencing, leaving, static members, timeouts, offset checks and topic changes.
 */
class ConsumerGroupTest {
    /** A test kit whose scheduler only moves when told, on the defaults of this module and wal-io. */
    private static final ActorTestKit kit = ActorTestKit.create(ManualTime.config()
            .withFallback(ConfigFactory.load()));
    private static final ManualTime time = ManualTime.get(kit.system());
    private static final Duration SESSION = Duration.ofSeconds(45);
    private static final int REBALANCE_MS = 30_000;
    private static final Map<String, Integer> ONE_TOPIC = Map.of("t", 4);
    private static final Set<PartitionId> ALL = Set.of(p(0), p(1), p(2), p(3));

    private TestProbe<GroupActor.Report> manager;
    private ActorRef<GroupActor.Command> group;

    @AfterAll
    static void stopKit() {
        kit.shutdownTestKit();
    }

    @BeforeEach
    void start() {
        manager = kit.createTestProbe(GroupActor.Report.class);
        group = kit.spawn(ConsumerGroup.create("g", new ConsumerGroupSettings(Duration.ofSeconds(5), SESSION,
                Assignors.of(List.of("uniform", "range"))), manager.ref()));
    }

    private static PartitionId p(int partition) {
        return new PartitionId("t", partition);
    }

    private HeartbeatResult join(String memberId, Map<String, Integer> topics) {
        return send(new Heartbeat("g", memberId, 0, Optional.empty(), Optional.empty(), REBALANCE_MS,
                Optional.of(List.of("t")), Optional.empty(), Optional.empty(), Optional.of(Set.of()), "client",
                "/127.0.0.1", topics, null));
    }

    private HeartbeatResult heartbeat(String memberId, int epoch, Optional<Set<PartitionId>> owned) {
        return send(new Heartbeat("g", memberId, epoch, Optional.empty(), Optional.empty(), -1, Optional.empty(),
                Optional.empty(), Optional.empty(), owned, "client", "/127.0.0.1", ONE_TOPIC, null));
    }

    /** Sends the heartbeat with a fresh probe as its replyTo and returns the answer. */
    private HeartbeatResult send(Heartbeat template) {
        TestProbe<HeartbeatResult> probe = kit.createTestProbe(HeartbeatResult.class);
        group.tell(new Heartbeat(template.groupId(), template.memberId(), template.memberEpoch(), template.instanceId(),
                template.rackId(), template.rebalanceTimeoutMs(), template.subscribedTopicNames(),
                template.subscribedTopicRegex(), template.serverAssignor(), template.ownedPartitions(),
                template.clientId(), template.clientHost(), template.topics(), probe.ref()));
        return probe.receiveMessage();
    }

    private ConsumerGroupDescription describe() {
        TestProbe<ConsumerGroupDescription> probe = kit.createTestProbe(ConsumerGroupDescription.class);
        group.tell(new Describe("g", probe.ref()));
        return probe.receiveMessage();
    }

    private CommitResult commit(String memberId, int epoch) {
        TestProbe<CommitResult> probe = kit.createTestProbe(CommitResult.class);
        group.tell(new CommitOffsets("g", epoch, memberId, Optional.empty(),
                Map.of(p(0), new CommittedOffset(5, -1, Optional.empty(), 0)), probe.ref()));
        return probe.receiveMessage();
    }

    @Test
    void aSecondMemberGetsPartitionsOnlyAfterTheFirstRevokedThem() {
        HeartbeatResult first = join("a", ONE_TOPIC);
        assertThat(first.error()).isEqualTo(GroupError.NONE);
        assertThat(first.memberEpoch()).isEqualTo(1);
        assertThat(first.assignment()).contains(ALL);

        HeartbeatResult second = join("b", ONE_TOPIC);
        assertThat(second.memberEpoch()).isEqualTo(2);
        assertThat(second.assignment()).contains(Set.of()); // a still owns everything
        assertThat(describe().state()).isEqualTo(GroupState.RECONCILING);

        HeartbeatResult revoke = heartbeat("a", 1, Optional.empty());
        assertThat(revoke.memberEpoch()).as("the epoch stays until the revocation is confirmed").isEqualTo(1);
        Set<PartitionId> kept = revoke.assignment().orElseThrow();
        assertThat(kept).hasSize(2);
        assertThat(heartbeat("b", 2, Optional.empty()).assignment()).as("nothing is free yet").isEmpty();
        group.tell(new CommitOffsets("g", 1, "a", Optional.empty(),
                Map.of(p(0), new CommittedOffset(5, -1, Optional.empty(), 0)),
                kit.createTestProbe(CommitResult.class).ref()));
        manager.fishForMessage(Duration.ofSeconds(3), m -> m instanceof GroupActor.CommitAccepted
                ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore()); // a may still commit

        HeartbeatResult confirmed = heartbeat("a", 1, Optional.of(kept));
        assertThat(confirmed.memberEpoch()).isEqualTo(2);
        HeartbeatResult assigned = heartbeat("b", 2, Optional.empty());
        assertThat(assigned.assignment()).contains(Set.copyOf(ALL.stream().filter(p -> !kept.contains(p)).toList()));
        heartbeat("b", 2, assigned.assignment());

        ConsumerGroupDescription described = describe();
        assertThat(described.state()).isEqualTo(GroupState.STABLE);
        assertThat(described.groupEpoch()).isEqualTo(2);
        assertThat(described.assignmentEpoch()).isEqualTo(2);
        assertThat(described.assignorName()).isEqualTo("uniform");
        assertThat(described.members()).allSatisfy(m -> assertThat(m.assignment()).isEqualTo(m.targetAssignment()));
    }

    @Test
    void wrongEpochsAreFencedUnknownMembersRejoinAndCommitsNeedTheCurrentEpoch() {
        join("a", ONE_TOPIC);
        assertThat(heartbeat("a", 7, Optional.empty()).error()).isEqualTo(GroupError.FENCED_MEMBER_EPOCH);
        assertThat(heartbeat("nobody", 3, Optional.empty()).error()).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(commit("a", 0).partitions()).containsValue(GroupError.STALE_MEMBER_EPOCH);
        assertThat(commit("nobody", 1).partitions()).containsValue(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(commit("", -1).partitions()).as("no admin commits while the group has members")
                .containsValue(GroupError.UNKNOWN_MEMBER_ID);

        HeartbeatResult rejoined = join("a", ONE_TOPIC);
        assertThat(rejoined.error()).isEqualTo(GroupError.NONE);
        assertThat(rejoined.assignment()).contains(ALL);
    }

    @Test
    void aMemberThatLeavesOrGoesSilentIsRemovedAndItsPartitionsMove() {
        join("a", ONE_TOPIC);
        join("b", ONE_TOPIC);
        Set<PartitionId> kept = heartbeat("a", 1, Optional.empty()).assignment().orElseThrow();
        heartbeat("a", 1, Optional.of(kept));
        heartbeat("b", 2, Optional.empty());

        HeartbeatResult left = heartbeat("b", ConsumerGroupRequests.LEAVE_EPOCH, Optional.empty());
        assertThat(left.memberEpoch()).isEqualTo(ConsumerGroupRequests.LEAVE_EPOCH);
        HeartbeatResult all = heartbeat("a", 2, Optional.of(kept));
        assertThat(all.memberEpoch()).isEqualTo(3);
        assertThat(all.assignment()).contains(ALL);

        join("c", ONE_TOPIC);
        time.timePasses(SESSION.minusSeconds(1));
        Set<PartitionId> keptForC = heartbeat("a", 3, Optional.empty()).assignment().orElseThrow();
        time.timePasses(Duration.ofSeconds(2)); // c has been silent for its whole session
        describe();
        HeartbeatResult alone = heartbeat("a", 3, Optional.of(keptForC));
        assertThat(alone.memberEpoch()).isEqualTo(5);
        assertThat(describe().members()).extracting(ConsumerGroupRequests.DescribedMember::memberId)
                .containsExactly("a");
    }

    @Test
    void aMemberThatDoesNotRevokeWithinItsRebalanceTimeoutIsRemoved() {
        join("a", ONE_TOPIC);
        join("b", ONE_TOPIC);
        heartbeat("a", 1, Optional.empty()); // told to revoke two partitions
        time.timePasses(Duration.ofMillis(REBALANCE_MS - 1000));
        heartbeat("a", 1, Optional.of(ALL)); // still owns them
        heartbeat("b", 2, Optional.empty());
        time.timePasses(Duration.ofSeconds(2));
        describe();
        assertThat(heartbeat("a", 1, Optional.of(ALL)).error()).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(heartbeat("b", 2, Optional.empty()).assignment()).contains(ALL);
    }

    @Test
    void aStaticMemberThatLeftForNowIsReplacedByItsNextIncarnationWithItsPartitions() {
        Heartbeat staticJoin = new Heartbeat("g", "s1", 0, Optional.of("instance"), Optional.empty(), REBALANCE_MS,
                Optional.of(List.of("t")), Optional.empty(), Optional.empty(), Optional.of(Set.of()), "client",
                "/127.0.0.1", ONE_TOPIC, null);
        assertThat(send(staticJoin).assignment()).contains(ALL);
        Heartbeat again = new Heartbeat("g", "s2", 0, Optional.of("instance"), Optional.empty(), REBALANCE_MS,
                Optional.of(List.of("t")), Optional.empty(), Optional.empty(), Optional.of(Set.of()), "client",
                "/127.0.0.1", ONE_TOPIC, null);
        assertThat(send(again).error()).isEqualTo(GroupError.UNRELEASED_INSTANCE_ID);

        HeartbeatResult away = send(new Heartbeat("g", "s1", ConsumerGroupRequests.STATIC_LEAVE_EPOCH,
                Optional.of("instance"), Optional.empty(), -1, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), "client", "/127.0.0.1", ONE_TOPIC, null));
        assertThat(away.memberEpoch()).isEqualTo(ConsumerGroupRequests.STATIC_LEAVE_EPOCH);
        HeartbeatResult back = send(again);
        assertThat(back.error()).isEqualTo(GroupError.NONE);
        assertThat(back.memberEpoch()).as("no new group epoch for a returning static member").isEqualTo(1);
        assertThat(back.assignment()).contains(ALL);
    }

    @Test
    void newPartitionsAndRegexSubscriptionsAreSeenOnTheNextHeartbeat() {
        HeartbeatResult joined = send(new Heartbeat("g", "r", 0, Optional.empty(), Optional.empty(), REBALANCE_MS,
                Optional.empty(), Optional.of("t.*"), Optional.of("range"), Optional.of(Set.of()), "client",
                "/127.0.0.1", Map.of("t", 1, "other", 3), null));
        assertThat(joined.assignment()).contains(Set.of(p(0)));
        HeartbeatResult grown = heartbeat("r", 1, Optional.of(Set.of(p(0))));
        assertThat(grown.memberEpoch()).isEqualTo(2);
        assertThat(grown.assignment()).contains(ALL);
        assertThat(describe().assignorName()).isEqualTo("range");
    }

    @Test
    void badHeartbeatsAreRefusedWithTheirReason() {
        HeartbeatResult unknownAssignor = send(new Heartbeat("g", "x", 0, Optional.empty(), Optional.empty(),
                REBALANCE_MS, Optional.of(List.of("t")), Optional.empty(), Optional.of("sticky"), Optional.of(Set.of()),
                "client", "/127.0.0.1", ONE_TOPIC, null));
        assertThat(unknownAssignor.error()).isEqualTo(GroupError.UNSUPPORTED_ASSIGNOR);
        assertThat(unknownAssignor.errorMessage()).contains("uniform, range");
        HeartbeatResult badRegex = send(new Heartbeat("g", "x", 0, Optional.empty(), Optional.empty(), REBALANCE_MS,
                Optional.empty(), Optional.of("t(("), Optional.empty(), Optional.of(Set.of()), "client", "/127.0.0.1",
                ONE_TOPIC, null));
        assertThat(badRegex.error()).isEqualTo(GroupError.INVALID_REGULAR_EXPRESSION);
        HeartbeatResult noSubscription = send(new Heartbeat("g", "x", 0, Optional.empty(), Optional.empty(),
                REBALANCE_MS, Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(Set.of()), "client",
                "/127.0.0.1", ONE_TOPIC, null));
        assertThat(noSubscription.error()).isEqualTo(GroupError.INVALID_REQUEST);
        assertThat(heartbeat("x", -3, Optional.empty()).error()).isEqualTo(GroupError.INVALID_REQUEST);
        assertThat(describe().state()).isEqualTo(GroupState.EMPTY);
    }
}
