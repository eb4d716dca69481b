package io.riverlog.actors.groups;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.groups.ConsumerGroupRequests.ConsumerRequest;
import io.riverlog.actors.groups.GroupRequests.CommitOffsets;
import io.riverlog.actors.groups.GroupRequests.DeleteGroup;
import io.riverlog.actors.groups.GroupRequests.DeleteOffsets;
import io.riverlog.actors.groups.GroupRequests.DescribeGroup;
import io.riverlog.actors.groups.GroupRequests.FetchOffsets;
import io.riverlog.actors.groups.GroupRequests.GroupDescription;
import io.riverlog.actors.groups.GroupRequests.GroupListing;
import io.riverlog.actors.groups.GroupRequests.GroupOverview;
import io.riverlog.actors.groups.GroupRequests.GroupRequest;
import io.riverlog.actors.groups.GroupRequests.JoinGroup;
import io.riverlog.actors.groups.GroupRequests.ListGroups;
import io.riverlog.actors.groups.GroupRequests.Request;
import io.riverlog.actors.groups.classic.ClassicGroup;
import io.riverlog.actors.groups.consumer.ConsumerGroup;
import io.riverlog.actors.groups.consumer.ConsumerGroupSettings;
import io.riverlog.actors.groups.offsets.OffsetStore;
import io.riverlog.actors.topics.BlockingIo;
import io.riverlog.wal.Storage;

/**
 * The consumer groups of the broker: routes each group's requests to its {@link ClassicGroup}
 * (spawned when the group's first member joins), and keeps the committed offsets in an
 * {@link OffsetStore}, which it owns.
 *
 * <p>At start the offsets log is replayed on the blocking-IO dispatcher; until it is, every request
 * is answered COORDINATOR_LOAD_IN_PROGRESS, which clients retry. A commit is validated by the
 * group's actor if it has one, then written by the store, and answered once it is durable.
 * OffsetFetch and ListGroups are answered here, from what is durable, without asking the groups:
 * they report each change of state.
 *
 * <p>A group of the consumer group protocol (KIP-848) has a {@link ConsumerGroup} actor instead of a
 * coordinator, spawned by its first member's heartbeat; a group id belongs to one protocol at a time,
 * and an empty group changes protocol when a member of the other one arrives. Commits, and fetches
 * that name a member, are checked by that actor first.
 *
 * <p>A group exists while it has a coordinator or committed offsets. Deleting it asks its
 * coordinator first: an empty group's coordinator turns Dead (answering COORDINATOR_NOT_AVAILABLE,
 * so clients look the coordinator up again and reach a fresh one), then the deletion is logged.
 */
public final class GroupManager extends AbstractBehavior<GroupManager.Command> {

    public interface Command {
    }

    /** Writes what was accepted, closes the offsets log, replies, and stops (with every coordinator). */
    public record Shutdown(ActorRef<Done> replyTo) implements Command {
    }

    /** The group gained its first member: its committed offsets no longer expire. */
    public record GroupBecameActive(String groupId) implements Command {
    }

    /** The group lost its last member: its committed offsets expire after the retention from now. */
    public record GroupBecameEmpty(String groupId) implements Command {
    }

    // ---------------------------------------------------------------- internal

    /** A group's report, through the adapter that its actor was given. */
    private record Reported(GroupActor.Report report) implements Command {
    }

    private record CoordinatorStopped(String groupId, ActorRef<GroupActor.Command> coordinator)
            implements Command {
    }

    private enum CheckExpiry implements Command { INSTANCE }

    private record ConsumerGroupStopped(String groupId, ActorRef<GroupActor.Command> group) implements Command {
    }

    // ---------------------------------------------------------------- state

    private final GroupSettings settings;
    private final ConsumerGroupSettings consumerSettings;
    private final OffsetStore offsets;
    private final ActorRef<GroupActor.Report> reports;
    private final Map<String, ActorRef<GroupActor.Command>> coordinators = new HashMap<>();
    /** Groups of the consumer group protocol; a group id is in this map or in {@code coordinators}, never both. */
    private final Map<String, ActorRef<GroupActor.Command>> consumerGroups = new HashMap<>();
    private final Map<String, GroupOverview> overviews = new HashMap<>();
    private final List<ActorRef<Done>> shutdownRequests = new ArrayList<>();
    private boolean shuttingDown;
    private long coordinatorsSpawned;

    public static Behavior<Command> create(GroupSettings settings, ConsumerGroupSettings consumerSettings,
                                           Storage storage) {
        return create(settings, consumerSettings, storage, Clock.systemUTC());
    }

    /** With the consumer group protocol's settings of application.conf. */
    public static Behavior<Command> create(GroupSettings settings, Storage storage) {
        return create(settings, storage, Clock.systemUTC());
    }

    /** With the consumer group protocol's settings of application.conf, on {@code clock} (which judges offset expiry). */
    public static Behavior<Command> create(GroupSettings settings, Storage storage, Clock clock) {
        return create(settings, ConsumerGroupSettings.fromConfig(ConfigFactory.load()), storage, clock);
    }

    static Behavior<Command> create(GroupSettings settings, ConsumerGroupSettings consumerSettings,
                                    Storage storage, Clock clock) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            Executor blockingIo = BlockingIo.executor(context);
            timers.startTimerWithFixedDelay(CheckExpiry.INSTANCE, settings.offsetStorage().retentionCheckInterval());
            OffsetStore.load(context, blockingIo, settings, storage, clock);
            return loading(context, settings, consumerSettings, clock, blockingIo);
        }));
    }

    /** Until the offsets are replayed, requests are answered COORDINATOR_LOAD_IN_PROGRESS. */
    private static Behavior<Command> loading(ActorContext<Command> context, GroupSettings settings,
                                             ConsumerGroupSettings consumerSettings, Clock clock,
                                             Executor blockingIo) {
        List<ActorRef<Done>> shutdowns = new ArrayList<>();
        return Behaviors.receive(Command.class)
                .onMessage(OffsetStore.Loaded.class, loaded -> {
                    GroupManager manager = new GroupManager(context, settings, consumerSettings,
                            new OffsetStore(context, blockingIo, settings, clock, loaded));
                    Behavior<Command> next = manager;
                    for (ActorRef<Done> replyTo : shutdowns) {
                        next = manager.onShutdown(new Shutdown(replyTo));
                    }
                    return next;
                })
                .onMessage(OffsetStore.LoadFailed.class, failed -> {
                    context.getLog().error("Consumer groups are unavailable: loading the offsets log {} failed",
                            settings.offsetsDir(), failed.cause());
                    shutdowns.forEach(replyTo -> replyTo.tell(Done.getInstance()));
                    return Behaviors.receive(Command.class)
                            .onMessage(Request.class, request -> {
                                request.fail(GroupError.COORDINATOR_NOT_AVAILABLE);
                                return Behaviors.same();
                            })
                            .onMessage(Shutdown.class, shutdown -> {
                                shutdown.replyTo().tell(Done.getInstance());
                                return Behaviors.stopped();
                            })
                            .build();
                })
                .onMessage(Request.class, request -> {
                    request.fail(GroupError.COORDINATOR_LOAD_IN_PROGRESS);
                    return Behaviors.same();
                })
                .onMessage(Shutdown.class, shutdown -> {
                    shutdowns.add(shutdown.replyTo());
                    return Behaviors.same();
                })
                .build();
    }

    private GroupManager(ActorContext<Command> context, GroupSettings settings, ConsumerGroupSettings consumerSettings,
                         OffsetStore offsets) {
        super(context);
        this.settings = settings;
        this.consumerSettings = consumerSettings;
        this.offsets = offsets;
        this.reports = context.messageAdapter(GroupActor.Report.class, Reported::new);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(GroupRequest.class, this::onGroupRequest)
                .onMessage(ConsumerRequest.class, this::onConsumerRequest)
                .onMessage(ConsumerGroupStopped.class, this::onConsumerGroupStopped)
                .onMessage(FetchOffsets.class, this::onFetchOffsets)
                .onMessage(ListGroups.class, this::onListGroups)
                .onMessage(Reported.class, reported -> onReport(reported.report()))
                .onMessage(CoordinatorStopped.class, this::onCoordinatorStopped)
                .onMessage(GroupBecameActive.class, active -> onMembership(active.groupId(), true))
                .onMessage(GroupBecameEmpty.class, empty -> onMembership(empty.groupId(), false))
                .onMessage(CheckExpiry.class, check -> {
                    offsets.checkExpiry();
                    return this;
                })
                .onMessage(OffsetStore.Written.class, written -> {
                    offsets.written(written);
                    return this;
                })
                .onMessage(Shutdown.class, this::onShutdown)
                .onMessage(OffsetStore.Closed.class, this::onLogClosed)
                .build();
    }

    // ---------------------------------------------------------------- routing

    private Behavior<Command> onGroupRequest(GroupRequest request) {
        if (shuttingDown) {
            request.fail(GroupError.COORDINATOR_NOT_AVAILABLE);
            return this;
        }
        if (request.groupId() == null || request.groupId().isEmpty()) {
            request.fail(GroupError.INVALID_GROUP_ID);
            return this;
        }
        ActorRef<GroupActor.Command> consumerGroup = consumerGroups.get(request.groupId());
        if (consumerGroup != null && request instanceof JoinGroup && isEmpty(request.groupId())) {
            // An empty group may change protocol: the classic member starts a classic group.
            retireConsumerGroup(request.groupId());
        } else if (consumerGroup != null) {
            consumerGroup.tell(request);
            return this;
        }
        ActorRef<GroupActor.Command> coordinator = coordinators.get(request.groupId());
        if (coordinator == null && request instanceof JoinGroup) {
            coordinator = spawnCoordinator(request.groupId());
        }
        if (coordinator != null) {
            coordinator.tell(request);
            return this;
        }
        return withoutCoordinator(request);
    }

    /** A group without members: it has at most committed offsets. */
    private Behavior<Command> withoutCoordinator(GroupRequest request) {
        String groupId = request.groupId();
        boolean exists = offsets.hasGroup(groupId);
        if (request instanceof CommitOffsets commit) {
            if (commit.isSimple()) {
                offsets.commit(commit);
                return this;
            }
            commit.fail(GroupError.ILLEGAL_GENERATION);
        } else if (request instanceof DescribeGroup describe) {
            describe.replyTo().tell(exists
                    ? new GroupDescription(GroupError.NONE, groupId, GroupState.EMPTY, "", "", List.of())
                    : GroupDescription.failed(groupId, GroupError.GROUP_ID_NOT_FOUND));
        } else if (request instanceof DeleteGroup delete) {
            if (exists) {
                offsets.deleteGroup(delete);
                return this;
            }
            delete.fail(GroupError.GROUP_ID_NOT_FOUND);
        } else if (request instanceof DeleteOffsets delete) {
            if (exists) {
                offsets.deleteOffsets(delete, Optional.of(Set.of()));
                return this;
            }
            delete.fail(GroupError.GROUP_ID_NOT_FOUND);
        } else {
            // SyncGroup, Heartbeat, LeaveGroup: the member cannot be in a group that has none.
            request.fail(GroupError.UNKNOWN_MEMBER_ID);
        }
        return this;
    }

    private ActorRef<GroupActor.Command> spawnCoordinator(String groupId) {
        ActorRef<GroupActor.Command> coordinator = getContext().spawn(
                ClassicGroup.create(groupId, settings, reports), "group-" + (++coordinatorsSpawned));
        getContext().watchWith(coordinator, new CoordinatorStopped(groupId, coordinator));
        coordinators.put(groupId, coordinator);
        overviews.put(groupId, new GroupOverview(groupId, "", GroupState.EMPTY));
        return coordinator;
    }

    // ---------------------------------------------------------------- consumer group protocol

    private Behavior<Command> onConsumerRequest(ConsumerRequest request) {
        String groupId = request.groupId();
        if (shuttingDown) {
            request.fail(GroupError.COORDINATOR_NOT_AVAILABLE);
            return this;
        }
        if (groupId == null || groupId.isEmpty()) {
            request.fail(GroupError.INVALID_GROUP_ID);
            return this;
        }
        ActorRef<GroupActor.Command> group = consumerGroups.get(groupId);
        if (group == null) {
            boolean classic = coordinators.containsKey(groupId);
            boolean joining = request instanceof ConsumerGroupRequests.Heartbeat heartbeat
                    && heartbeat.memberEpoch() == ConsumerGroupRequests.JOIN_EPOCH;
            if (request instanceof ConsumerGroupRequests.Describe describe) {
                // As Kafka: the admin client then describes the group with DescribeGroups.
                describe.replyTo().tell(ConsumerGroupRequests.ConsumerGroupDescription.failed(groupId,
                        GroupError.GROUP_ID_NOT_FOUND, classic || offsets.hasGroup(groupId)
                                ? "Group " + groupId + " is not a consumer group." : "Group " + groupId + " not found."));
                return this;
            }
            if (classic && !isEmpty(groupId)) {
                // As Kafka: the group exists, but is not a consumer-protocol group.
                request.fail(GroupError.GROUP_ID_NOT_FOUND);
                return this;
            }
            if (!joining) {
                // A member of a group that does not exist (any more: membership does not survive a restart) rejoins.
                request.fail(GroupError.UNKNOWN_MEMBER_ID);
                return this;
            }
            if (classic) {
                retireClassicGroup(groupId);
            }
            group = spawnConsumerGroup(groupId);
        }
        group.tell(request);
        return this;
    }

    private ActorRef<GroupActor.Command> spawnConsumerGroup(String groupId) {
        ActorRef<GroupActor.Command> group = getContext().spawn(
                ConsumerGroup.create(groupId, consumerSettings, reports),
                "consumer-group-" + (++coordinatorsSpawned));
        getContext().watchWith(group, new ConsumerGroupStopped(groupId, group));
        consumerGroups.put(groupId, group);
        overviews.put(groupId, new GroupOverview(groupId, GroupOverview.CONSUMER_PROTOCOL_TYPE, GroupState.EMPTY, true));
        return group;
    }

    /** True if the group has no members (a group without an actor has none). */
    private boolean isEmpty(String groupId) {
        GroupOverview overview = overviews.get(groupId);
        return overview == null || overview.state() == GroupState.EMPTY;
    }

    /** Stops an empty classic group's coordinator, so that the group can be a consumer-protocol group. */
    private void retireClassicGroup(String groupId) {
        ActorRef<GroupActor.Command> coordinator = coordinators.remove(groupId);
        overviews.remove(groupId);
        getContext().stop(coordinator);
        getContext().getLog().info("Empty group {} changes from the classic to the consumer group protocol", groupId);
    }

    /** Stops an empty consumer-protocol group's actor, so that the group can be a classic group. */
    private void retireConsumerGroup(String groupId) {
        ActorRef<GroupActor.Command> group = consumerGroups.remove(groupId);
        overviews.remove(groupId);
        getContext().stop(group);
        getContext().getLog().info("Empty group {} changes from the consumer to the classic group protocol", groupId);
    }

    private Behavior<Command> onConsumerGroupChanged(GroupActor.Changed changed) {
        String groupId = changed.overview().groupId();
        if (changed.group().equals(consumerGroups.get(groupId))) {
            overviews.put(groupId, changed.overview());
            return onMembership(groupId, changed.overview().state() != GroupState.EMPTY);
        }
        return this;
    }

    private Behavior<Command> onConsumerGroupRetired(GroupActor.Retired retired) {
        String groupId = retired.request().groupId();
        if (retired.group().equals(consumerGroups.get(groupId))) {
            consumerGroups.remove(groupId);
            overviews.remove(groupId);
        }
        retired.group().tell(GroupActor.Stop.INSTANCE);
        offsets.deleteGroup(retired.request());
        return this;
    }

    private Behavior<Command> onConsumerGroupStopped(ConsumerGroupStopped stopped) {
        if (stopped.group().equals(consumerGroups.get(stopped.groupId()))) {
            consumerGroups.remove(stopped.groupId());
            overviews.remove(stopped.groupId());
            onMembership(stopped.groupId(), false);
            if (!shuttingDown) {
                getContext().getLog().error("The consumer group {} stopped unexpectedly; its members must rejoin",
                        stopped.groupId());
            }
        }
        return this;
    }

    // ---------------------------------------------------------------- reports of the groups

    private Behavior<Command> onReport(GroupActor.Report report) {
        if (report instanceof GroupActor.Changed changed) {
            return changed.group().equals(consumerGroups.get(changed.overview().groupId())) ? onConsumerGroupChanged(changed)
                    : onGroupChanged(changed);
        } else if (report instanceof GroupActor.CommitAccepted accepted) {
            offsets.commit(accepted.request());
        } else if (report instanceof GroupActor.FetchAccepted accepted) {
            offsets.fetch(accepted.request());
        } else if (report instanceof GroupActor.OffsetDeletionAccepted accepted) {
            offsets.deleteOffsets(accepted.request(), accepted.subscribedTopics());
        } else {
            GroupActor.Retired retired = (GroupActor.Retired) report;
            return retired.group().equals(consumerGroups.get(retired.request().groupId())) ? onConsumerGroupRetired(retired)
                    : onGroupRetired(retired);
        }
        return this;
    }

    // ---------------------------------------------------------------- classic groups

    private Behavior<Command> onGroupChanged(GroupActor.Changed changed) {
        String groupId = changed.overview().groupId();
        if (changed.group().equals(coordinators.get(groupId))) {
            overviews.put(groupId, changed.overview());
            GroupState state = changed.overview().state();
            return onMembership(groupId, state != GroupState.EMPTY && state != GroupState.DEAD);
        }
        return this;
    }

    private Behavior<Command> onCoordinatorStopped(CoordinatorStopped stopped) {
        if (stopped.coordinator().equals(coordinators.get(stopped.groupId()))) {
            coordinators.remove(stopped.groupId());
            overviews.remove(stopped.groupId());
            onMembership(stopped.groupId(), false);
            if (!shuttingDown) {
                getContext().getLog().error("The coordinator of group {} stopped unexpectedly; its members must join"
                        + " again", stopped.groupId());
            }
        }
        return this;
    }

    // ---------------------------------------------------------------- queries

    private Behavior<Command> onFetchOffsets(FetchOffsets fetch) {
        if (fetch.groupId() == null || fetch.groupId().isEmpty()) {
            fetch.fail(GroupError.INVALID_GROUP_ID);
            return this;
        }
        ActorRef<GroupActor.Command> consumerGroup = consumerGroups.get(fetch.groupId());
        if (consumerGroup != null && fetch.memberId().isPresent()) {
            consumerGroup.tell(fetch); // checks the member and its epoch, then hands it back as FetchAccepted
            return this;
        }
        offsets.fetch(fetch);
        return this;
    }

    private Behavior<Command> onListGroups(ListGroups list) {
        Map<String, GroupOverview> all = new TreeMap<>();
        for (String groupId : offsets.groups()) {
            all.put(groupId, new GroupOverview(groupId, "", GroupState.EMPTY));
        }
        all.putAll(overviews);
        list.replyTo().tell(new GroupListing(GroupError.NONE, List.copyOf(all.values())));
        return this;
    }

    // ---------------------------------------------------------------- deletions
    private Behavior<Command> onGroupRetired(GroupActor.Retired retired) {
        String groupId = retired.request().groupId();
        if (retired.group().equals(coordinators.get(groupId))) {
            coordinators.remove(groupId);
            overviews.remove(groupId);
        }
        // After everything forwarded to it so far, which it answers as Dead.
        retired.group().tell(GroupActor.Stop.INSTANCE);
        offsets.deleteGroup(retired.request());
        return this;
    }

    // ---------------------------------------------------------------- membership

    /** Notes a group gaining its first or losing its last member: its offsets expire only while it has none. */
    private Behavior<Command> onMembership(String groupId, boolean hasMembers) {
        offsets.membership(groupId, hasMembers);
        return this;
    }

    // ---------------------------------------------------------------- shutdown

    private Behavior<Command> onShutdown(Shutdown shutdown) {
        shutdownRequests.add(shutdown.replyTo());
        if (shuttingDown) {
            return this;
        }
        shuttingDown = true;
        getContext().getLog().info("Consumer groups shutting down: {} group coordinators, {} offset writes pending",
                coordinators.size(), offsets.writesPending());
        coordinators.values().forEach(getContext()::stop);
        consumerGroups.values().forEach(getContext()::stop);
        offsets.close();
        return this;
    }

    private Behavior<Command> onLogClosed(OffsetStore.Closed closed) {
        offsets.closed(closed);
        getContext().getLog().info("Consumer groups stopped");
        shutdownRequests.forEach(replyTo -> replyTo.tell(Done.getInstance()));
        return Behaviors.stopped();
    }
}
