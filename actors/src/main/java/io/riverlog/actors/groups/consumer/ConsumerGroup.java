package io.riverlog.actors.groups.consumer;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

import io.riverlog.actors.groups.ConsumerGroupRequests;
import io.riverlog.actors.groups.ConsumerGroupRequests.ConsumerGroupDescription;
import io.riverlog.actors.groups.ConsumerGroupRequests.Describe;
import io.riverlog.actors.groups.ConsumerGroupRequests.DescribedMember;
import io.riverlog.actors.groups.ConsumerGroupRequests.Heartbeat;
import io.riverlog.actors.groups.ConsumerGroupRequests.HeartbeatResult;
import io.riverlog.actors.groups.GroupActor;
import io.riverlog.actors.groups.GroupActor.Command;
import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.GroupRequests.CommitOffsets;
import io.riverlog.actors.groups.GroupRequests.DeleteGroup;
import io.riverlog.actors.groups.GroupRequests.DeleteOffsets;
import io.riverlog.actors.groups.GroupRequests.DescribeGroup;
import io.riverlog.actors.groups.GroupRequests.FetchOffsets;
import io.riverlog.actors.groups.GroupRequests.GroupDescription;
import io.riverlog.actors.groups.GroupRequests.GroupOverview;
import io.riverlog.actors.groups.GroupRequests.GroupRequest;
import io.riverlog.actors.groups.GroupRequests.JoinGroup;
import io.riverlog.actors.groups.GroupRequests.Request;
import io.riverlog.actors.groups.GroupState;
import io.riverlog.actors.groups.consumer.assign.PartitionAssignor;
import io.riverlog.actors.partition.PartitionId;

/**
 * One consumer group of the consumer group protocol (KIP-848): the broker computes the assignment.
 *
 * <p>Every change that calls for a new assignment (a member joins, leaves or is removed, changes its
 * subscription, or a subscribed topic appears, disappears or grows) bumps the group epoch, and the
 * group computes a new target assignment for that epoch at once with the assignor the members ask
 * for ({@link ConsumerGroupSettings#assignors()}). Each member then moves towards its target on its
 * own heartbeats ({@link MemberAssignment#reconcile}): first it revokes what is no longer its own,
 * keeping its epoch meanwhile; once it reports those gone it takes the new epoch and the target
 * partitions no one else holds; the others follow on later heartbeats as their holders release them.
 *
 * <p>Topic metadata comes with every heartbeat (the Kafka adapter lists the registry's topics for
 * it), so new topics and partitions are noticed on the next heartbeat of any member.
 *
 * <p>A member that sends nothing for the session timeout, or does not revoke within its rebalance
 * timeout, is removed. Membership is not persisted: after a restart members rejoin (they are told
 * UNKNOWN_MEMBER_ID). Committed offsets are the {@link io.riverlog.actors.groups.GroupManager}'s:
 * this actor only checks a commit's or fetch's member and epoch, and reports every change of state
 * to the manager ({@link GroupActor.Report}).
 */
public final class ConsumerGroup extends AbstractBehavior<Command> {

    private record SessionExpired(String memberId) implements Command {
    }

    private record RevocationExpired(String memberId, int epoch) implements Command {
    }

    private record SessionKey(String memberId) {
    }

    private record RevocationKey(String memberId) {
    }

    private final String groupId;
    private final ConsumerGroupSettings settings;
    private final ActorRef<GroupActor.Report> manager;
    private final TimerScheduler<Command> timers;
    private final Map<String, ConsumerGroupMember> members = new LinkedHashMap<>();
    private final Map<String, String> memberIdByInstanceId = new HashMap<>();
    private final TargetAssignment assignment = new TargetAssignment();
    private GroupState state = GroupState.EMPTY;

    /** The group {@code groupId}, empty, which reports to {@code manager}. */
    public static Behavior<Command> create(String groupId, ConsumerGroupSettings settings,
                                           ActorRef<GroupActor.Report> manager) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new ConsumerGroup(context, groupId, settings, manager, timers)));
    }

    private ConsumerGroup(ActorContext<Command> context, String groupId, ConsumerGroupSettings settings,
                          ActorRef<GroupActor.Report> manager, TimerScheduler<Command> timers) {
        super(context);
        context.setLoggerName(ConsumerGroup.class);
        this.groupId = groupId;
        this.settings = settings;
        this.manager = manager;
        this.timers = timers;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Heartbeat.class, this::onHeartbeat)
                .onMessage(Describe.class, this::onDescribe)
                .onMessage(CommitOffsets.class, this::onCommit)
                .onMessage(FetchOffsets.class, this::onFetch)
                .onMessage(DescribeGroup.class, this::onClassicDescribe)
                .onMessage(DeleteGroup.class, this::onDelete)
                .onMessage(DeleteOffsets.class, this::onDeleteOffsets)
                .onMessage(GroupRequest.class, this::onClassicRequest)
                .onMessage(SessionExpired.class, this::onSessionExpired)
                .onMessage(RevocationExpired.class, this::onRevocationExpired)
                .onMessage(GroupActor.Stop.class, stop -> Behaviors.stopped())
                .build();
    }

    // ---------------------------------------------------------------- heartbeat

    private Behavior<Command> onHeartbeat(Heartbeat heartbeat) {
        Optional<HeartbeatChecks.Refusal> refusal = HeartbeatChecks.refusal(heartbeat, settings.assignors());
        if (refusal.isPresent()) {
            heartbeat.replyTo().tell(HeartbeatResult.failed(refusal.get().error(), refusal.get().message()));
            return this;
        }
        assignment.seeTopics(heartbeat.topics());
        int epoch = heartbeat.memberEpoch();
        if (epoch == ConsumerGroupRequests.LEAVE_EPOCH || epoch == ConsumerGroupRequests.STATIC_LEAVE_EPOCH) {
            onLeave(heartbeat);
            return this;
        }
        String memberId = heartbeat.memberId().isEmpty() ? UUID.randomUUID().toString() : heartbeat.memberId();
        MemberLookup found = heartbeat.instanceId().isPresent()
                ? lookUpStatic(heartbeat, memberId, heartbeat.instanceId().get()) : lookUpDynamic(heartbeat, memberId);
        if (found.refusal() != GroupError.NONE) {
            heartbeat.replyTo().tell(HeartbeatResult.failed(found.refusal(), found.message()));
            return this;
        }
        ConsumerGroupMember member = found.member();
        member.setClient(heartbeat.clientId(), heartbeat.clientHost());
        member.setRackId(heartbeat.rackId());
        member.setRebalanceTimeoutMs(heartbeat.rebalanceTimeoutMs());
        member.setServerAssignor(heartbeat.serverAssignor());
        boolean changed = member.updateSubscription(heartbeat.subscribedTopicNames(), HeartbeatChecks.regex(heartbeat));
        if (found.isNew()) {
            members.put(memberId, member);
            member.instanceId().ifPresent(instance -> memberIdByInstanceId.put(instance, memberId));
            getContext().getLog().info("Group {}: member {} joined{}", groupId, memberId,
                    member.instanceId().map(i -> " as static member " + i).orElse(""));
        }
        if (found.isNew() || changed || assignment.subscribedTopicsChanged(members.values())) {
            newTargetAssignment(found.isNew() ? "member " + memberId + " joined"
                    : changed ? "member " + memberId + " changed its subscription" : "subscribed topics changed");
        }
        Set<PartitionId> assignedBefore = member.assignment().assigned();
        reconcile(member, heartbeat.ownedPartitions());
        restartSession(member);
        updateState();
        boolean tell = heartbeat.ownedPartitions().isPresent() || epoch == ConsumerGroupRequests.JOIN_EPOCH
                || !assignedBefore.equals(member.assignment().assigned());
        heartbeat.replyTo().tell(new HeartbeatResult(GroupError.NONE, "", memberId, member.epoch(),
                settings.heartbeatIntervalMs(), tell ? Optional.of(member.assignment().assigned()) : Optional.empty()));
        return this;
    }

    /** The member a heartbeat is from, or why it is refused. */
    private record MemberLookup(ConsumerGroupMember member, boolean isNew, GroupError refusal, String message) {
        static MemberLookup refused(GroupError error, String message) {
            return new MemberLookup(null, false, error, message);
        }

        static MemberLookup of(ConsumerGroupMember member, boolean isNew) {
            return new MemberLookup(member, isNew, GroupError.NONE, "");
        }
    }

    private MemberLookup lookUpDynamic(Heartbeat heartbeat, String memberId) {
        ConsumerGroupMember member = members.get(memberId);
        if (member == null) {
            return heartbeat.memberEpoch() == ConsumerGroupRequests.JOIN_EPOCH
                    ? MemberLookup.of(new ConsumerGroupMember(memberId, Optional.empty()), true)
                    : MemberLookup.refused(GroupError.UNKNOWN_MEMBER_ID, "Member " + memberId
                    + " is not in group " + groupId + ".");
        }
        return checkEpoch(member, heartbeat);
    }

    private MemberLookup lookUpStatic(Heartbeat heartbeat, String memberId, String instanceId) {
        ConsumerGroupMember holder = Optional.ofNullable(memberIdByInstanceId.get(instanceId)).map(members::get)
                .orElse(null);
        boolean joining = heartbeat.memberEpoch() == ConsumerGroupRequests.JOIN_EPOCH;
        if (holder == null) {
            return joining ? MemberLookup.of(new ConsumerGroupMember(memberId, Optional.of(instanceId)), true)
                    : MemberLookup.refused(GroupError.UNKNOWN_MEMBER_ID, "Instance id " + instanceId + " is unknown.");
        }
        if (holder.memberId().equals(memberId)) {
            return checkEpoch(holder, heartbeat);
        }
        if (!joining) {
            return MemberLookup.refused(GroupError.FENCED_INSTANCE_ID, "Static member " + memberId
                    + " with instance id " + instanceId + " was fenced by member " + holder.memberId() + ".");
        }
        if (holder.epoch() != ConsumerGroupRequests.STATIC_LEAVE_EPOCH) {
            return MemberLookup.refused(GroupError.UNRELEASED_INSTANCE_ID, "Instance id " + instanceId
                    + " is still held by member " + holder.memberId() + ".");
        }
        // The static member came back under a new member id: the new one takes its place and its partitions.
        ConsumerGroupMember replacement = new ConsumerGroupMember(memberId, Optional.of(instanceId));
        replacement.takeOver(holder);
        members.remove(holder.memberId());
        members.put(memberId, replacement);
        memberIdByInstanceId.put(instanceId, memberId);
        assignment.transfer(holder.memberId(), memberId);
        cancelTimers(holder.memberId());
        getContext().getLog().info("Group {}: static member {} came back as {} (was {})", groupId, instanceId,
                memberId, holder.memberId());
        return MemberLookup.of(replacement, false);
    }

    /**
     * Kafka's epoch rule: a member heartbeats with its current epoch, or with the previous one if it
     * owns nothing beyond its current assignment (the answer that raised it was lost). Epoch 0 from a
     * known member rejoins: it gave up its partitions, so they are released at once.
     */
    private MemberLookup checkEpoch(ConsumerGroupMember member, Heartbeat heartbeat) {
        int received = heartbeat.memberEpoch();
        if (received == ConsumerGroupRequests.JOIN_EPOCH) {
            // It gave up its partitions: they are free at once.
            assignment.setAssignment(member, MemberAssignment.JOINING);
            timers.cancel(new RevocationKey(member.memberId()));
            return MemberLookup.of(member, false);
        }
        MemberAssignment current = member.assignment();
        boolean previousWithSubset = received == current.previousEpoch()
                && heartbeat.ownedPartitions().map(owned -> current.assigned().containsAll(owned)).orElse(false);
        if (received > current.epoch() || (received < current.epoch() && !previousWithSubset)) {
            return MemberLookup.refused(GroupError.FENCED_MEMBER_EPOCH, "The member epoch " + received
                    + " is not the group's " + current.epoch()
                    + ". The member must abandon all its partitions and rejoin.");
        }
        return MemberLookup.of(member, false);
    }

    private void onLeave(Heartbeat heartbeat) {
        ConsumerGroupMember member = heartbeat.instanceId()
                .map(instance -> members.get(memberIdByInstanceId.getOrDefault(instance, "")))
                .orElse(members.get(heartbeat.memberId()));
        if (member == null) {
            heartbeat.replyTo().tell(HeartbeatResult.failed(GroupError.UNKNOWN_MEMBER_ID, "Member "
                    + heartbeat.memberId() + " is not in group " + groupId + "."));
            return;
        }
        if (!member.memberId().equals(heartbeat.memberId())) {
            heartbeat.replyTo().tell(HeartbeatResult.failed(GroupError.FENCED_INSTANCE_ID, "Instance id "
                    + member.instanceId().orElse("") + " is held by member " + member.memberId() + "."));
            return;
        }
        if (heartbeat.memberEpoch() == ConsumerGroupRequests.STATIC_LEAVE_EPOCH) {
            // Away for now: it keeps its partitions until its session expires or it comes back.
            MemberAssignment current = member.assignment();
            assignment.setAssignment(member, new MemberAssignment(ConsumerGroupRequests.STATIC_LEAVE_EPOCH,
                    current.epoch(), MemberAssignment.State.STABLE, current.assigned(), Set.of()));
            timers.cancel(new RevocationKey(member.memberId()));
            getContext().getLog().info("Group {}: static member {} left for now", groupId,
                    member.instanceId().orElse(""));
            updateState();
        } else {
            removeMember(member, "it left the group");
        }
        heartbeat.replyTo().tell(new HeartbeatResult(GroupError.NONE, "", member.memberId(), heartbeat.memberEpoch(),
                settings.heartbeatIntervalMs(), Optional.empty()));
    }

    // ---------------------------------------------------------------- assignment

    /** Bumps the group epoch and computes the target assignment of the new epoch. */
    private void newTargetAssignment(String reason) {
        String outcome = assignment.recompute(members.values(), preferredAssignor());
        getContext().getLog().info("Group {} at {} ({})", groupId, outcome, reason);
    }

    /** The assignor most members ask for (ties: the first offered); the default if none asks. */
    private PartitionAssignor preferredAssignor() {
        Map<String, Integer> votes = new HashMap<>();
        members.values().forEach(m -> m.serverAssignor().ifPresent(name -> votes.merge(name, 1, Integer::sum)));
        List<String> offered = settings.assignors().names();
        return offered.stream().filter(votes::containsKey)
                .max((a, b) -> Integer.compare(votes.get(a), votes.get(b)) != 0
                        ? Integer.compare(votes.get(a), votes.get(b))
                        : Integer.compare(offered.indexOf(b), offered.indexOf(a)))
                .flatMap(settings.assignors()::byName).orElse(settings.assignors().defaultAssignor());
    }

    private void reconcile(ConsumerGroupMember member, Optional<Set<PartitionId>> owned) {
        MemberAssignment before = assignment.reconcile(member, owned);
        MemberAssignment after = member.assignment();
        String id = member.memberId();
        if (after.state() != MemberAssignment.State.UNREVOKED_PARTITIONS) {
            timers.cancel(new RevocationKey(id));
        } else if (before.state() != MemberAssignment.State.UNREVOKED_PARTITIONS) {
            timers.startSingleTimer(new RevocationKey(id), new RevocationExpired(id, after.epoch()),
                    Duration.ofMillis(member.rebalanceTimeoutMs()));
        }
    }

    private void removeMember(ConsumerGroupMember member, String reason) {
        members.remove(member.memberId());
        member.instanceId().ifPresent(instance -> memberIdByInstanceId.remove(instance, member.memberId()));
        assignment.remove(member.memberId());
        cancelTimers(member.memberId());
        getContext().getLog().info("Group {}: member {} removed: {}", groupId, member.memberId(), reason);
        newTargetAssignment("member " + member.memberId() + " removed");
        updateState();
    }

    // ---------------------------------------------------------------- timers

    private void restartSession(ConsumerGroupMember member) {
        timers.startSingleTimer(new SessionKey(member.memberId()), new SessionExpired(member.memberId()),
                settings.sessionTimeout());
    }

    private void cancelTimers(String memberId) {
        timers.cancel(new SessionKey(memberId));
        timers.cancel(new RevocationKey(memberId));
    }

    private Behavior<Command> onSessionExpired(SessionExpired expired) {
        Optional.ofNullable(members.get(expired.memberId())).ifPresent(member -> removeMember(member,
                "its session timeout of " + settings.sessionTimeout().toMillis() + " ms expired"));
        return this;
    }

    private Behavior<Command> onRevocationExpired(RevocationExpired expired) {
        ConsumerGroupMember member = members.get(expired.memberId());
        if (member != null && member.epoch() == expired.epoch()
                && member.assignment().state() == MemberAssignment.State.UNREVOKED_PARTITIONS) {
            removeMember(member, "it did not revoke its partitions within its rebalance timeout of "
                    + member.rebalanceTimeoutMs() + " ms");
        }
        return this;
    }

    // ---------------------------------------------------------------- offsets and administration

    private Behavior<Command> onCommit(CommitOffsets commit) {
        GroupError error = checkMember(commit.memberId(), commit.generationId());
        if (error != GroupError.NONE) {
            commit.fail(error);
        } else {
            manager.tell(new GroupActor.CommitAccepted(commit));
        }
        return this;
    }

    private Behavior<Command> onFetch(FetchOffsets fetch) {
        GroupError error = checkMember(fetch.memberId().orElse(""), fetch.memberEpoch());
        if (error != GroupError.NONE) {
            fetch.fail(error);
        } else {
            manager.tell(new GroupActor.FetchAccepted(fetch));
        }
        return this;
    }

    /**
     * Whether a commit or fetch may act: one without a member (epoch below 0, no member id) only while
     * the group is empty; a member's only with its current epoch.
     */
    private GroupError checkMember(String memberId, int epoch) {
        if (epoch < 0 && memberId.isEmpty() && members.isEmpty()) {
            return GroupError.NONE;
        }
        ConsumerGroupMember member = members.get(memberId);
        if (member == null) {
            return GroupError.UNKNOWN_MEMBER_ID;
        }
        return member.epoch() == epoch ? GroupError.NONE : GroupError.STALE_MEMBER_EPOCH;
    }

    private Behavior<Command> onDescribe(Describe describe) {
        describe.replyTo().tell(new ConsumerGroupDescription(GroupError.NONE, "", groupId, state,
                assignment.groupEpoch(), assignment.assignmentEpoch(), assignment.assignorName(),
                members.values().stream().map(m -> new DescribedMember(m.memberId(),
                        m.instanceId(), m.rackId(), m.epoch(), m.clientId(), m.clientHost(), m.subscribedTopicNames(),
                        m.subscribedTopicRegex().map(Pattern::pattern), m.assignment().assigned(),
                        assignment.targetOf(m.memberId()))).toList()));
        return this;
    }

    /** DescribeGroups is the classic protocol's: as Kafka, a consumer-protocol group is not found there. */
    private Behavior<Command> onClassicDescribe(DescribeGroup describe) {
        describe.replyTo().tell(GroupDescription.failed(groupId, GroupError.GROUP_ID_NOT_FOUND));
        return this;
    }

    /** JoinGroup of a classic member into this non-empty group, or a classic member's other requests. */
    private Behavior<Command> onClassicRequest(GroupRequest request) {
        request.fail(request instanceof JoinGroup ? GroupError.INCONSISTENT_GROUP_PROTOCOL
                : GroupError.UNKNOWN_MEMBER_ID);
        return this;
    }

    private Behavior<Command> onDelete(DeleteGroup delete) {
        if (!members.isEmpty()) {
            delete.fail(GroupError.NON_EMPTY_GROUP);
            return this;
        }
        timers.cancelAll();
        state = GroupState.DEAD;
        manager.tell(new GroupActor.Retired(delete, getContext().getSelf()));
        return Behaviors.receive(Command.class)
                .onMessage(GroupRequest.class, ConsumerGroup::failDead)
                .onMessage(ConsumerGroupRequests.ConsumerRequest.class, ConsumerGroup::failDead)
                .onMessage(FetchOffsets.class, ConsumerGroup::failDead)
                .onMessage(GroupActor.Stop.class, stop -> Behaviors.stopped())
                .onAnyMessage(ignored -> Behaviors.same())
                .build();
    }

    private static Behavior<Command> failDead(Request request) {
        request.fail(GroupError.COORDINATOR_NOT_AVAILABLE);
        return Behaviors.same();
    }

    private Behavior<Command> onDeleteOffsets(DeleteOffsets delete) {
        Set<String> subscribed = new TreeSet<>();
        members.values().forEach(m -> subscribed.addAll(assignment.topicsOf(m)));
        manager.tell(new GroupActor.OffsetDeletionAccepted(delete, Optional.of(subscribed)));
        return this;
    }

    private void updateState() {
        GroupState next;
        if (members.isEmpty()) {
            next = GroupState.EMPTY;
        } else if (assignment.groupEpoch() > assignment.assignmentEpoch()) {
            next = GroupState.ASSIGNING;
        } else if (members.values().stream().anyMatch(m -> m.epoch() != assignment.assignmentEpoch()
                || m.assignment().state() != MemberAssignment.State.STABLE)) {
            next = GroupState.RECONCILING;
        } else {
            next = GroupState.STABLE;
        }
        if (next != state) {
            state = next;
            manager.tell(new GroupActor.Changed(getContext().getSelf(),
                    new GroupOverview(groupId, GroupOverview.CONSUMER_PROTOCOL_TYPE, state, true)));
        }
    }
}
