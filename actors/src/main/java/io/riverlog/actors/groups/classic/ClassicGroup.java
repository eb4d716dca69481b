package io.riverlog.actors.groups.classic;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

import io.riverlog.actors.groups.GroupActor;
import io.riverlog.actors.groups.GroupActor.Command;
import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.GroupRequests.CommitOffsets;
import io.riverlog.actors.groups.GroupRequests.DeleteGroup;
import io.riverlog.actors.groups.GroupRequests.DeleteOffsets;
import io.riverlog.actors.groups.GroupRequests.DescribeGroup;
import io.riverlog.actors.groups.GroupRequests.GroupDescription;
import io.riverlog.actors.groups.GroupRequests.GroupOverview;
import io.riverlog.actors.groups.GroupRequests.GroupRequest;
import io.riverlog.actors.groups.GroupRequests.Heartbeat;
import io.riverlog.actors.groups.GroupRequests.HeartbeatResult;
import io.riverlog.actors.groups.GroupRequests.JoinGroup;
import io.riverlog.actors.groups.GroupRequests.JoinResult;
import io.riverlog.actors.groups.GroupRequests.JoinedMember;
import io.riverlog.actors.groups.GroupRequests.LeaveGroup;
import io.riverlog.actors.groups.GroupRequests.LeaveResult;
import io.riverlog.actors.groups.GroupRequests.LeavingMember;
import io.riverlog.actors.groups.GroupRequests.MemberLeft;
import io.riverlog.actors.groups.GroupRequests.SyncGroup;
import io.riverlog.actors.groups.GroupRequests.SyncResult;
import io.riverlog.actors.groups.GroupSettings;
import io.riverlog.actors.groups.GroupState;

/**
 * One group of Kafka's classic group protocol: its membership, generations and assignment (see
 * {@link GroupState}).
 *
 * <p>A rebalance starts when a member joins, leaves, changes its protocols or is removed. While the
 * group prepares, every member must send JoinGroup again; the join completes once all did, or when
 * the longest rebalance timeout of the members passes (those that did not rejoin are removed). The
 * first rebalance of an empty group waits {@code initial-rebalance-delay} for more members, again
 * each time one arrives, within the rebalance timeout. On completion the generation goes up, a
 * protocol is chosen and every member is answered; the leader also gets everyone's metadata,
 * computes the assignment and brings it in its SyncGroup, which makes the group Stable and answers
 * every member's SyncGroup with its part. Members that do not send SyncGroup within the rebalance
 * timeout are removed.
 *
 * <p>Each member has a session timer, restarted by every request it sends; when it fires the member
 * is removed, unless it is waiting on a JoinGroup or SyncGroup answer. All times are Pekko timers.
 *
 * <p>Committed offsets are not kept here: a commit is validated against the membership and handed
 * to the {@link io.riverlog.actors.groups.GroupManager}, which owns the offsets. The group reports
 * every change of state to the manager ({@link GroupActor.Report}), for ListGroups.
 */
public final class ClassicGroup extends AbstractBehavior<Command> {

    private final String groupId;
    private final GroupSettings settings;
    private final ActorRef<GroupActor.Report> manager;
    private final GroupTimers timers;
    private final ClassicGroupMembers members = new ClassicGroupMembers();
    /** Members of the current generation that have not sent SyncGroup yet. */
    private final Set<String> awaitingSync = new LinkedHashSet<>();
    private GroupState state = GroupState.EMPTY;
    private int generationId;
    /** The protocol of the current generation; null while the group has none. */
    private String protocolName;
    /** The current join waits out the initial delay instead of completing once everyone joined. */
    private boolean inInitialDelay;
    private boolean memberAddedDuringDelay;

    /** The group {@code groupId}, empty, which reports to {@code manager}. */
    public static Behavior<Command> create(String groupId, GroupSettings settings,
                                           ActorRef<GroupActor.Report> manager) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new ClassicGroup(context, groupId, settings, manager, timers)));
    }

    private ClassicGroup(ActorContext<Command> context, String groupId, GroupSettings settings,
                         ActorRef<GroupActor.Report> manager, TimerScheduler<Command> timers) {
        super(context);
        context.setLoggerName(ClassicGroup.class);
        this.groupId = groupId;
        this.settings = settings;
        this.manager = manager;
        this.timers = new GroupTimers(timers);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(JoinGroup.class, this::onJoin)
                .onMessage(SyncGroup.class, this::onSync)
                .onMessage(Heartbeat.class, this::onHeartbeat)
                .onMessage(LeaveGroup.class, this::onLeave)
                .onMessage(CommitOffsets.class, this::onCommit)
                .onMessage(DescribeGroup.class, this::onDescribe)
                .onMessage(DeleteGroup.class, this::onDelete)
                .onMessage(DeleteOffsets.class, this::onDeleteOffsets)
                .onMessage(GroupTimers.SessionExpired.class, this::onSessionExpired)
                .onMessage(GroupTimers.PendingMemberExpired.class, this::onPendingMemberExpired)
                .onMessage(GroupTimers.JoinDeadline.class, deadline -> onJoinDeadline())
                .onMessage(GroupTimers.InitialDelayPassed.class, this::onInitialDelayPassed)
                .onMessage(GroupTimers.SyncDeadline.class, this::onSyncDeadline)
                .onMessage(GroupActor.Stop.class, stop -> Behaviors.stopped())
                .build();
    }

    // ---------------------------------------------------------------- JoinGroup

    private Behavior<Command> onJoin(JoinGroup join) {
        long sessionMs = join.sessionTimeoutMs();
        if (sessionMs < settings.minSessionTimeout().toMillis()
                || sessionMs > settings.maxSessionTimeout().toMillis()) {
            join.fail(GroupError.INVALID_SESSION_TIMEOUT);
        } else if (!members.accepts(join.protocolType(), join.protocols())) {
            join.fail(GroupError.INCONSISTENT_GROUP_PROTOCOL);
        } else if (join.memberId().isEmpty()) {
            joinNewMember(join);
        } else {
            joinKnownMember(join);
        }
        return this;
    }

    private void joinNewMember(JoinGroup join) {
        String memberId = join.clientId() + "-" + UUID.randomUUID();
        Optional<String> instance = join.groupInstanceId();
        if (instance.isPresent() && members.memberIdOf(instance.get()).isPresent()) {
            replaceStaticMember(members.memberIdOf(instance.get()).get(), memberId, join);
        } else if (instance.isEmpty() && join.requireKnownMemberId()) {
            members.addPending(memberId);
            timers.startPendingMember(memberId, join.sessionTimeoutMs());
            join.replyTo().tell(JoinResult.failed(GroupError.MEMBER_ID_REQUIRED, memberId));
        } else {
            addMemberAndRebalance(memberId, join);
        }
    }

    private void joinKnownMember(JoinGroup join) {
        String memberId = join.memberId();
        if (members.removePending(memberId)) {
            timers.cancelPendingMember(memberId);
            addMemberAndRebalance(memberId, join);
            return;
        }
        GroupError error = members.validate(memberId, join.groupInstanceId());
        if (error != GroupError.NONE) {
            join.fail(error);
            return;
        }
        ClassicGroupMember member = members.get(memberId).orElseThrow();
        switch (state) {
            case PREPARING_REBALANCE -> {
                member.update(join);
                restartSession(member);
                tryCompleteJoin();
            }
            case COMPLETING_REBALANCE, STABLE -> {
                boolean unchanged = member.hasProtocols(join.protocols());
                if (unchanged && (state == GroupState.COMPLETING_REBALANCE || !members.isLeader(memberId))) {
                    // A retried JoinGroup, or a follower rejoining for nothing: it gets the current generation.
                    restartSession(member);
                    join.replyTo().tell(generationFor(member));
                } else {
                    member.update(join);
                    restartSession(member);
                    prepareRebalance(unchanged ? "the leader rejoined"
                            : "member " + memberId + " changed its protocols");
                }
            }
            case EMPTY, DEAD -> join.fail(GroupError.UNKNOWN_MEMBER_ID);
        }
    }

    private void addMemberAndRebalance(String memberId, JoinGroup join) {
        ClassicGroupMember member = new ClassicGroupMember(memberId, join);
        members.add(member, join.protocolType());
        restartSession(member);
        if (state == GroupState.PREPARING_REBALANCE) {
            memberAddedDuringDelay |= inInitialDelay;
            tryCompleteJoin();
        } else {
            prepareRebalance("member " + memberId + " joined" + reasonSuffix(join.reason()));
        }
    }

    /**
     * A static member came back under a new member id: the new id takes its place (the old one is
     * fenced from now on) and the group rebalances.
     */
    private void replaceStaticMember(String oldMemberId, String newMemberId, JoinGroup join) {
        ClassicGroupMember old = members.get(oldMemberId).orElseThrow();
        timers.cancelSession(oldMemberId);
        Optional.ofNullable(old.takeAwaitingJoin()).ifPresent(replyTo ->
                replyTo.tell(JoinResult.failed(GroupError.FENCED_INSTANCE_ID, oldMemberId)));
        Optional.ofNullable(old.takeAwaitingSync()).ifPresent(replyTo ->
                replyTo.tell(syncFailure(GroupError.FENCED_INSTANCE_ID)));
        awaitingSync.remove(oldMemberId);
        ClassicGroupMember member = new ClassicGroupMember(newMemberId, join);
        members.replace(oldMemberId, member);
        restartSession(member);
        getContext().getLog().info("Group {}: static member {} rejoined as {} (was {})", groupId,
                join.groupInstanceId().orElseThrow(), newMemberId, oldMemberId);
        if (state == GroupState.PREPARING_REBALANCE) {
            tryCompleteJoin();
        } else {
            prepareRebalance("static member " + join.groupInstanceId().orElseThrow() + " rejoined");
        }
    }

    // ---------------------------------------------------------------- rebalance

    private void prepareRebalance(String reason) {
        if (state == GroupState.COMPLETING_REBALANCE) {
            for (ClassicGroupMember member : members.all()) {
                member.clearAssignment();
                Optional.ofNullable(member.takeAwaitingSync()).ifPresent(replyTo ->
                        replyTo.tell(syncFailure(GroupError.REBALANCE_IN_PROGRESS)));
            }
        }
        awaitingSync.clear();
        timers.cancelSync();
        boolean wasEmpty = state == GroupState.EMPTY;
        setState(GroupState.PREPARING_REBALANCE);
        getContext().getLog().info("Group {} rebalancing after generation {}: {}", groupId, generationId, reason);
        long rebalanceTimeoutMs = members.rebalanceTimeoutMs();
        long initialDelayMs = settings.initialRebalanceDelay().toMillis();
        if (wasEmpty && initialDelayMs > 0) {
            inInitialDelay = true;
            memberAddedDuringDelay = false;
            long delayMs = Math.min(initialDelayMs, rebalanceTimeoutMs);
            timers.startInitialDelay(delayMs, Math.max(rebalanceTimeoutMs - delayMs, 0));
        } else {
            inInitialDelay = false;
            timers.startJoinDeadline(rebalanceTimeoutMs);
            tryCompleteJoin();
        }
    }

    private void tryCompleteJoin() {
        if (state == GroupState.PREPARING_REBALANCE && !inInitialDelay && members.allJoined()) {
            completeJoin();
        }
    }

    private Behavior<Command> onInitialDelayPassed(GroupTimers.InitialDelayPassed passed) {
        if (state != GroupState.PREPARING_REBALANCE || !inInitialDelay) {
            return this;
        }
        if (memberAddedDuringDelay && passed.remainingMs() > 0) {
            memberAddedDuringDelay = false;
            long delayMs = Math.min(settings.initialRebalanceDelay().toMillis(), passed.remainingMs());
            timers.startInitialDelay(delayMs, passed.remainingMs() - delayMs);
        } else {
            completeJoin();
        }
        return this;
    }

    private Behavior<Command> onJoinDeadline() {
        if (state == GroupState.PREPARING_REBALANCE) {
            completeJoin();
        }
        return this;
    }

    /** Removes members that did not rejoin, starts the next generation and answers every JoinGroup. */
    private void completeJoin() {
        timers.cancelJoin();
        inInitialDelay = false;
        for (ClassicGroupMember member : members.notRejoined()) {
            removeMember(member, "it did not rejoin within the rebalance timeout");
        }
        members.electJoinedLeader();
        generationId++;
        if (members.isEmpty()) {
            protocolName = null;
            setState(GroupState.EMPTY);
            getContext().getLog().info("Group {} is empty at generation {}", groupId, generationId);
            return;
        }
        protocolName = members.selectProtocol();
        setState(GroupState.COMPLETING_REBALANCE);
        for (ClassicGroupMember member : members.all()) {
            member.takeAwaitingJoin().tell(generationFor(member));
            restartSession(member);
            awaitingSync.add(member.memberId());
        }
        timers.startSyncDeadline(generationId, members.rebalanceTimeoutMs());
    }

    private JoinResult generationFor(ClassicGroupMember member) {
        List<JoinedMember> all = List.of();
        if (members.isLeader(member.memberId())) {
            all = members.all().stream().map(m -> new JoinedMember(m.memberId(), m.groupInstanceId(),
                    m.metadata(protocolName))).toList();
        }
        return new JoinResult(GroupError.NONE, generationId, members.protocolType(), Optional.ofNullable(protocolName),
                members.leaderId(), member.memberId(), all);
    }

    // ---------------------------------------------------------------- SyncGroup

    private Behavior<Command> onSync(SyncGroup sync) {
        GroupError error = validate(sync.memberId(), sync.groupInstanceId(), sync.generationId());
        if (error == GroupError.NONE && (!matches(sync.protocolType(), members.protocolType())
                || !matches(sync.protocolName(), Optional.ofNullable(protocolName)))) {
            error = GroupError.INCONSISTENT_GROUP_PROTOCOL;
        }
        if (error == GroupError.NONE && state == GroupState.PREPARING_REBALANCE) {
            error = GroupError.REBALANCE_IN_PROGRESS;
        }
        if (error != GroupError.NONE) {
            sync.fail(error);
            return this;
        }
        ClassicGroupMember member = members.get(sync.memberId()).orElseThrow();
        restartSession(member);
        awaitingSync.remove(member.memberId());
        if (state == GroupState.STABLE) {
            sync.replyTo().tell(syncSuccess(member));
        } else {
            member.awaitSync(sync.replyTo());
            if (members.isLeader(member.memberId())) {
                for (ClassicGroupMember each : members.all()) {
                    each.assign(sync.assignments().get(each.memberId()));
                }
                setState(GroupState.STABLE);
                getContext().getLog().info("Group {} is stable at generation {}: members {}, protocol {}, leader {}",
                        groupId, generationId, members.size(), protocolName, members.leaderId());
                for (ClassicGroupMember each : members.all()) {
                    Optional.ofNullable(each.takeAwaitingSync()).ifPresent(replyTo -> replyTo.tell(syncSuccess(each)));
                }
            }
        }
        if (awaitingSync.isEmpty()) {
            timers.cancelSync();
        }
        return this;
    }

    private Behavior<Command> onSyncDeadline(GroupTimers.SyncDeadline deadline) {
        boolean current = deadline.generationId() == generationId
                && (state == GroupState.COMPLETING_REBALANCE || state == GroupState.STABLE);
        if (!current || awaitingSync.isEmpty()) {
            return this;
        }
        for (String memberId : List.copyOf(awaitingSync)) {
            members.get(memberId).ifPresent(m ->
                    removeMember(m, "it did not send SyncGroup within the rebalance timeout"));
        }
        prepareRebalance("members did not send SyncGroup in time");
        return this;
    }

    private SyncResult syncSuccess(ClassicGroupMember member) {
        return new SyncResult(GroupError.NONE, members.protocolType(), Optional.ofNullable(protocolName),
                member.assignment());
    }

    private static SyncResult syncFailure(GroupError error) {
        return new SyncResult(error, Optional.empty(), Optional.empty(), new byte[0]);
    }

    // ---------------------------------------------------------------- Heartbeat, LeaveGroup, session timeouts

    private Behavior<Command> onHeartbeat(Heartbeat heartbeat) {
        GroupError error = validate(heartbeat.memberId(), heartbeat.groupInstanceId(), heartbeat.generationId());
        if (error == GroupError.NONE) {
            restartSession(members.get(heartbeat.memberId()).orElseThrow());
            if (state == GroupState.PREPARING_REBALANCE) {
                error = GroupError.REBALANCE_IN_PROGRESS;
            }
        }
        heartbeat.replyTo().tell(new HeartbeatResult(error));
        return this;
    }

    private Behavior<Command> onLeave(LeaveGroup leave) {
        List<MemberLeft> outcomes = new ArrayList<>();
        boolean removed = false;
        for (LeavingMember leaving : leave.members()) {
            String memberId = leaving.memberId().isEmpty() && leaving.groupInstanceId().isPresent()
                    ? members.memberIdOf(leaving.groupInstanceId().get()).orElse("") : leaving.memberId();
            GroupError error;
            if (members.removePending(memberId)) {
                timers.cancelPendingMember(memberId);
                error = GroupError.NONE;
                removed = true;
            } else {
                error = members.validate(memberId, leaving.groupInstanceId());
                if (error == GroupError.NONE) {
                    removeMember(members.get(memberId).orElseThrow(), "it left the group"
                            + reasonSuffix(leaving.reason()));
                    removed = true;
                }
            }
            outcomes.add(new MemberLeft(leaving.memberId(), leaving.groupInstanceId(), error));
        }
        leave.replyTo().tell(new LeaveResult(GroupError.NONE, outcomes));
        if (removed) {
            afterMembersRemoved("members left");
        }
        return this;
    }

    private Behavior<Command> onSessionExpired(GroupTimers.SessionExpired expired) {
        Optional<ClassicGroupMember> member = members.get(expired.memberId());
        if (member.isEmpty()) {
            return this;
        }
        if (member.get().isWaiting()) {
            restartSession(member.get());
            return this;
        }
        removeMember(member.get(), "its session timeout of " + member.get().sessionTimeoutMs() + " ms expired");
        afterMembersRemoved("member " + expired.memberId() + " expired");
        return this;
    }

    private Behavior<Command> onPendingMemberExpired(GroupTimers.PendingMemberExpired expired) {
        if (members.removePending(expired.memberId())) {
            tryCompleteJoin();
        }
        return this;
    }

    private void restartSession(ClassicGroupMember member) {
        timers.restartSession(member);
    }

    /** Removes a member and answers what it waits on; the caller then moves the group on. */
    private void removeMember(ClassicGroupMember member, String reason) {
        members.remove(member.memberId());
        timers.cancelSession(member.memberId());
        awaitingSync.remove(member.memberId());
        Optional.ofNullable(member.takeAwaitingJoin()).ifPresent(replyTo ->
                replyTo.tell(JoinResult.failed(GroupError.UNKNOWN_MEMBER_ID, member.memberId())));
        Optional.ofNullable(member.takeAwaitingSync()).ifPresent(replyTo ->
                replyTo.tell(syncFailure(GroupError.UNKNOWN_MEMBER_ID)));
        getContext().getLog().info("Member {} removed from group {}: {}", member.memberId(), groupId, reason);
    }

    private void afterMembersRemoved(String reason) {
        switch (state) {
            case STABLE, COMPLETING_REBALANCE -> prepareRebalance(reason);
            case PREPARING_REBALANCE -> tryCompleteJoin();
            case EMPTY, DEAD -> {
            }
        }
    }

    // ---------------------------------------------------------------- offsets and administration

    private Behavior<Command> onCommit(CommitOffsets commit) {
        GroupError error = MembershipChecks.commit(members, state, generationId, commit);
        if (error != GroupError.NONE) {
            commit.fail(error);
            return this;
        }
        members.get(commit.memberId()).ifPresent(this::restartSession);
        manager.tell(new GroupActor.CommitAccepted(commit));
        return this;
    }

    private Behavior<Command> onDescribe(DescribeGroup describe) {
        // As Kafka: metadata, assignments and the protocol only while the group is stable.
        Optional<String> shown = state == GroupState.STABLE ? Optional.of(protocolName) : Optional.empty();
        describe.replyTo().tell(new GroupDescription(GroupError.NONE, groupId, state,
                members.protocolType().orElse(""), shown.orElse(""), members.describe(shown)));
        return this;
    }

    private Behavior<Command> onDelete(DeleteGroup delete) {
        if (state != GroupState.EMPTY) {
            delete.fail(GroupError.NON_EMPTY_GROUP);
            return this;
        }
        state = GroupState.DEAD;
        timers.cancelAll();
        manager.tell(new GroupActor.Retired(delete, getContext().getSelf()));
        return dead();
    }

    private Behavior<Command> onDeleteOffsets(DeleteOffsets delete) {
        if (state == GroupState.EMPTY) {
            manager.tell(new GroupActor.OffsetDeletionAccepted(delete, Optional.of(Set.of())));
        } else if (GroupOverview.CONSUMER_PROTOCOL_TYPE.equals(members.protocolType().orElse(""))) {
            manager.tell(new GroupActor.OffsetDeletionAccepted(delete,
                    ConsumerSubscriptions.topicsOf(members.all(), Optional.ofNullable(protocolName))));
        } else {
            delete.fail(GroupError.NON_EMPTY_GROUP);
        }
        return this;
    }

    /** Deleted: answers everything with COORDINATOR_NOT_AVAILABLE until the manager stops it. */
    private Behavior<Command> dead() {
        return Behaviors.receive(Command.class)
                .onMessage(GroupRequest.class, request -> {
                    request.fail(GroupError.COORDINATOR_NOT_AVAILABLE);
                    return Behaviors.same();
                })
                .onMessage(GroupActor.Stop.class, stop -> Behaviors.stopped())
                .onAnyMessage(ignored -> Behaviors.same())
                .build();
    }

    // ---------------------------------------------------------------- helpers

    private GroupError validate(String memberId, Optional<String> groupInstanceId, int generation) {
        return MembershipChecks.member(members, state, generationId, memberId, groupInstanceId, generation);
    }

    private static boolean matches(Optional<String> asked, Optional<String> actual) {
        return asked.isEmpty() || asked.equals(actual);
    }

    private void setState(GroupState next) {
        state = next;
        manager.tell(new GroupActor.Changed(getContext().getSelf(),
                new GroupOverview(groupId, members.protocolType().orElse(""), next)));
    }

    private static String reasonSuffix(String reason) {
        return reason.isEmpty() ? "" : " (" + reason + ")";
    }
}
