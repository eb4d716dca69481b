package io.riverlog.actors.groups;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

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
import io.riverlog.actors.groups.GroupRequests.GroupRequest;
import io.riverlog.actors.groups.GroupRequests.JoinGroup;
import io.riverlog.actors.groups.GroupRequests.ListGroups;
import io.riverlog.actors.groups.GroupRequests.Request;
import io.riverlog.actors.groups.classic.ClassicGroup;
import io.riverlog.actors.groups.consumer.ConsumerGroup;
import io.riverlog.actors.groups.consumer.ConsumerGroupSettings;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.topics.BlockingIo;
import io.riverlog.wal.Storage;
import io.riverlog.wal.WriteOutcomeUnknownException;

/**
 * The consumer groups of the broker: routes each group's requests to its {@link ClassicGroup}
 * (spawned when the group's first member joins), and owns the committed offsets, in memory
 * ({@link OffsetTable}) and in the offsets log ({@link OffsetsLog}, {@code <data-dir>/groups}).
 *
 * <p>At start the log is replayed on the blocking-IO dispatcher; until it is, every request is
 * answered COORDINATOR_LOAD_IN_PROGRESS, which clients retry. A commit (validated by the group's
 * coordinator if it has one) is appended and fsynced, then applied and answered. Writes that arrive
 * while one is in flight are queued and written together with one fsync (group commit); they are
 * applied and answered in the order they were accepted. OffsetFetch and ListGroups are answered here,
 * from what is durable, without asking the coordinators: they report each change of state.
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

    private record Loaded(OffsetsLog log, OffsetTable table, long records) implements Command {
    }

    private record LoadFailed(Throwable cause) implements Command {
    }

    /** Changes to write as one batch; {@code onDurable} runs once they are applied, {@code onFailure} if the write failed. */
    private record PendingWrite(List<OffsetChange> changes, Runnable onDurable, Consumer<GroupError> onFailure) {
    }

    private record WritesDone(List<PendingWrite> writes, Optional<Throwable> failure) implements Command {
    }

    private record LogClosed(Optional<Throwable> failure) implements Command {
    }

    private record CoordinatorStopped(String groupId, ActorRef<GroupActor.Command> coordinator)
            implements Command {
    }

    private enum CheckExpiry implements Command { INSTANCE }

    private record ConsumerGroupStopped(String groupId, ActorRef<GroupActor.Command> group) implements Command {
    }

    // ---------------------------------------------------------------- state

    private final GroupSettings settings;
    private final Clock clock;
    private final ConsumerGroupSettings consumerSettings;
    private final Executor blockingIo;
    private final OffsetsLog log;
    private final OffsetTable offsets;
    private final ActorRef<GroupActor.Report> reports;
    private final Map<String, ActorRef<GroupActor.Command>> coordinators = new HashMap<>();
    /** Groups of the consumer group protocol; a group id is in this map or in {@code coordinators}, never both. */
    private final Map<String, ActorRef<GroupActor.Command>> consumerGroups = new HashMap<>();
    private final Map<String, GroupOverview> overviews = new HashMap<>();
    private final List<PendingWrite> queued = new ArrayList<>();
    private final List<ActorRef<Done>> shutdownRequests = new ArrayList<>();
    /** Groups that have members now, whatever protocol they use; their offsets do not expire. */
    private final Set<String> groupsWithMembers = new HashSet<>();
    private final long startedAtMs;
    private boolean expiryDue;
    private boolean writing;
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

    static Behavior<Command> create(GroupSettings settings, Storage storage, Clock clock) {
        return create(settings, ConsumerGroupSettings.fromConfig(ConfigFactory.load()), storage, clock);
    }

    static Behavior<Command> create(GroupSettings settings, ConsumerGroupSettings consumerSettings,
                                    Storage storage, Clock clock) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            Executor blockingIo = BlockingIo.executor(context);
            timers.startTimerWithFixedDelay(CheckExpiry.INSTANCE, settings.offsetStorage().retentionCheckInterval());
            context.pipeToSelf(BlockingIo.run(blockingIo, () -> {
                OffsetsLog log = OffsetsLog.open(settings.offsetsDir(), settings.offsetsLog(), storage, clock,
                        settings.offsetStorage().snapshotAfterChanges());
                OffsetTable table = new OffsetTable();
                try {
                    long records = log.replay(table::apply);
                    return new Loaded(log, table, records);
                } catch (java.io.IOException | RuntimeException e) {
                    log.close();
                    throw e;
                }
            }), (loaded, failure) -> failure == null ? loaded : new LoadFailed(BlockingIo.cause(failure)));
            return loading(context, settings, consumerSettings, clock, blockingIo);
        }));
    }

    /** Until the offsets are replayed, requests are answered COORDINATOR_LOAD_IN_PROGRESS. */
    private static Behavior<Command> loading(ActorContext<Command> context, GroupSettings settings,
                                             ConsumerGroupSettings consumerSettings, Clock clock,
                                             Executor blockingIo) {
        List<ActorRef<Done>> shutdowns = new ArrayList<>();
        return Behaviors.receive(Command.class)
                .onMessage(Loaded.class, loaded -> {
                    GroupManager manager = new GroupManager(context, settings, consumerSettings, clock, blockingIo,
                            loaded);
                    Behavior<Command> next = manager;
                    for (ActorRef<Done> replyTo : shutdowns) {
                        next = manager.onShutdown(new Shutdown(replyTo));
                    }
                    return next;
                })
                .onMessage(LoadFailed.class, failed -> {
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
                         Clock clock, Executor blockingIo, Loaded loaded) {
        super(context);
        this.settings = settings;
        this.consumerSettings = consumerSettings;
        this.clock = clock;
        this.blockingIo = blockingIo;
        this.log = loaded.log();
        this.offsets = loaded.table();
        this.startedAtMs = clock.millis();
        this.reports = context.messageAdapter(GroupActor.Report.class, Reported::new);
        context.getLog().info("Consumer groups loaded {} records from {}: {} groups with {} committed offsets",
                loaded.records(), settings.offsetsDir(), offsets.groups().size(), offsets.size());
        recordMembersLostByTheRestart();
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
                .onMessage(CheckExpiry.class, check -> onCheckExpiry())
                .onMessage(WritesDone.class, this::onWritesDone)
                .onMessage(Shutdown.class, this::onShutdown)
                .onMessage(LogClosed.class, this::onLogClosed)
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
                return write(commit);
            }
            commit.fail(GroupError.ILLEGAL_GENERATION);
        } else if (request instanceof DescribeGroup describe) {
            describe.replyTo().tell(exists
                    ? new GroupDescription(GroupError.NONE, groupId, GroupState.EMPTY, "", "", List.of())
                    : GroupDescription.failed(groupId, GroupError.GROUP_ID_NOT_FOUND));
        } else if (request instanceof DeleteGroup delete) {
            if (exists) {
                return deleteGroup(delete);
            }
            delete.fail(GroupError.GROUP_ID_NOT_FOUND);
        } else if (request instanceof DeleteOffsets delete) {
            if (exists) {
                return onOffsetDeletionAccepted(new GroupActor.OffsetDeletionAccepted(delete, Optional.of(Set.of())));
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
        return deleteGroup(retired.request());
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
            return write(accepted.request());
        } else if (report instanceof GroupActor.FetchAccepted accepted) {
            return answerFetch(accepted.request());
        } else if (report instanceof GroupActor.OffsetDeletionAccepted accepted) {
            return onOffsetDeletionAccepted(accepted);
        } else {
            GroupActor.Retired retired = (GroupActor.Retired) report;
            return retired.group().equals(consumerGroups.get(retired.request().groupId())) ? onConsumerGroupRetired(retired)
                    : onGroupRetired(retired);
        }
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
        return answerFetch(fetch);
    }

    private Behavior<Command> answerFetch(FetchOffsets fetch) {
        Map<PartitionId, CommittedOffset> all = offsets.offsetsOf(fetch.groupId());
        if (fetch.partitions().isEmpty()) {
            fetch.replyTo().tell(new FetchResult(GroupError.NONE, new LinkedHashMap<>(all)));
            return this;
        }
        Map<PartitionId, CommittedOffset> found = new LinkedHashMap<>();
        for (PartitionId partition : fetch.partitions().get()) {
            CommittedOffset offset = all.get(partition);
            if (offset != null) {
                found.put(partition, offset);
            }
        }
        fetch.replyTo().tell(new FetchResult(GroupError.NONE, found));
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

    // ---------------------------------------------------------------- writes

    private Behavior<Command> write(CommitOffsets commit) {
        Map<PartitionId, GroupError> results = new LinkedHashMap<>();
        List<OffsetChange> changes = new ArrayList<>();
        commit.offsets().forEach((partition, offset) -> {
            if (offset.metadata().map(m -> m.getBytes(StandardCharsets.UTF_8).length > settings.maxOffsetMetadataBytes())
                    .orElse(false)) {
                results.put(partition, GroupError.OFFSET_METADATA_TOO_LARGE);
            } else {
                results.put(partition, GroupError.NONE);
                changes.add(new OffsetChange.Committed(commit.groupId(), partition, offset));
            }
        });
        if (changes.isEmpty()) {
            commit.replyTo().tell(new CommitResult(results));
            return this;
        }
        return enqueue(new PendingWrite(changes, () -> commit.replyTo().tell(new CommitResult(results)), commit::fail));
    }

    private Behavior<Command> onOffsetDeletionAccepted(GroupActor.OffsetDeletionAccepted accepted) {
        DeleteOffsets request = accepted.request();
        Map<PartitionId, GroupError> results = new LinkedHashMap<>();
        List<OffsetChange> changes = new ArrayList<>();
        for (PartitionId partition : request.partitions()) {
            boolean subscribed = accepted.subscribedTopics().map(topics -> topics.contains(partition.topic()))
                    .orElse(true);
            if (subscribed) {
                results.put(partition, GroupError.GROUP_SUBSCRIBED_TO_TOPIC);
            } else {
                results.put(partition, GroupError.NONE);
                if (offsets.get(request.groupId(), partition).isPresent()) {
                    changes.add(new OffsetChange.Deleted(request.groupId(), partition));
                }
            }
        }
        Runnable answer = () -> request.replyTo().tell(new DeleteOffsetsResult(GroupError.NONE, results));
        if (changes.isEmpty()) {
            answer.run();
            return this;
        }
        return enqueue(new PendingWrite(changes, answer, request::fail));
    }

    private Behavior<Command> onGroupRetired(GroupActor.Retired retired) {
        String groupId = retired.request().groupId();
        if (retired.group().equals(coordinators.get(groupId))) {
            coordinators.remove(groupId);
            overviews.remove(groupId);
        }
        // After everything forwarded to it so far, which it answers as Dead.
        retired.group().tell(GroupActor.Stop.INSTANCE);
        return deleteGroup(retired.request());
    }

    /** Logs the deletion even if no offset is known yet: commits queued before it are then deleted too. */
    private Behavior<Command> deleteGroup(DeleteGroup delete) {
        return enqueue(new PendingWrite(List.of(new OffsetChange.GroupDeleted(delete.groupId())), () -> {
            getContext().getLog().info("Deleted group {} and its committed offsets", delete.groupId());
            delete.replyTo().tell(new DeleteGroupResult(GroupError.NONE));
        }, delete::fail));
    }

    private Behavior<Command> enqueue(PendingWrite write) {
        if (shuttingDown) {
            // Only what was accepted before the shutdown began is written before the log closes.
            write.onFailure().accept(GroupError.COORDINATOR_NOT_AVAILABLE);
            return this;
        }
        queued.add(write);
        if (!writing) {
            startWrite();
        }
        return this;
    }

    /**
     * Writes every queued change, one batch per write, with one fsync; first the expiries if they are
     * due, and first of all a snapshot if one is due. Both are taken from the table here, where every
     * earlier write is applied and none is in flight. Returns false if there was nothing to write.
     */
    private boolean startWrite() {
        List<PendingWrite> batch = new ArrayList<>();
        if (expiryDue && !shuttingDown) {
            expiryDue = false;
            expiries().ifPresent(batch::add);
        }
        batch.addAll(queued);
        queued.clear();
        if (batch.isEmpty()) {
            return false;
        }
        writing = true;
        OffsetsLog target = log;
        List<OffsetChange> snapshot = log.snapshotDue() ? offsets.image() : null;
        getContext().pipeToSelf(BlockingIo.run(blockingIo, () -> {
            if (snapshot != null) {
                target.snapshot(snapshot);
            }
            target.append(batch.stream().map(PendingWrite::changes).toList());
            return Done.getInstance();
        }), (done, failure) -> new WritesDone(batch, Optional.ofNullable(failure).map(BlockingIo::cause)));
        return true;
    }

    private Behavior<Command> onWritesDone(WritesDone done) {
        writing = false;
        if (done.failure().isPresent()) {
            boolean unknown = done.failure().get() instanceof WriteOutcomeUnknownException;
            getContext().getLog().error("Writing {} offset changes to {} failed; {}: {}", done.writes().size(),
                    settings.offsetsDir(), unknown ? "they are not in effect now, but may be after the next start"
                            : "they are not in effect and never will be", done.failure().get().getMessage());
            GroupError error = unknown ? GroupError.OUTCOME_UNKNOWN : GroupError.STORAGE_ERROR;
            done.writes().forEach(write -> write.onFailure().accept(error));
        } else {
            for (PendingWrite write : done.writes()) {
                write.changes().forEach(offsets::apply);
                write.onDurable().run();
            }
        }
        if (!startWrite() && shuttingDown) {
            closeLog();
        }
        return this;
    }

    // ---------------------------------------------------------------- membership and expiry

    /** Notes a group gaining its first or losing its last member, in the log too: expiry counts from it. */
    private Behavior<Command> onMembership(String groupId, boolean hasMembers) {
        boolean changed = hasMembers ? groupsWithMembers.add(groupId) : groupsWithMembers.remove(groupId);
        if (changed) {
            enqueue(new PendingWrite(List.of(new OffsetChange.Membership(groupId, hasMembers, clock.millis())),
                    () -> { }, error -> { }));
        }
        return this;
    }

    /** Groups the log last saw with members have none after a restart: they became empty now. */
    private void recordMembersLostByTheRestart() {
        List<OffsetChange> lost = offsets.groupsWithAnyState().stream()
                .filter(groupId -> offsets.membershipOf(groupId).map(OffsetChange.Membership::hasMembers).orElse(false))
                .map(groupId -> (OffsetChange) new OffsetChange.Membership(groupId, false, startedAtMs))
                .toList();
        if (!lost.isEmpty()) {
            enqueue(new PendingWrite(lost, () -> { }, error -> { }));
        }
    }

    private Behavior<Command> onCheckExpiry() {
        expiryDue = true;
        if (!writing) {
            startWrite();
        }
        return this;
    }

    /** One write deleting every expired offset, which logs one line per group once it is durable. */
    private Optional<PendingWrite> expiries() {
        List<OffsetExpiry.Expired> expired = OffsetExpiry.find(offsets, groupsWithMembers::contains, clock.millis(),
                settings.offsetStorage().retention().toMillis(), startedAtMs);
        if (expired.isEmpty()) {
            return Optional.empty();
        }
        List<OffsetChange> changes = expired.stream().flatMap(e -> e.changes().stream()).toList();
        return Optional.of(new PendingWrite(changes,
                () -> expired.forEach(e -> getContext().getLog().info("Expired {} committed offsets of group {} ({}){}",
                        e.offsets(), e.groupId(), e.since(), e.wholeGroup() ? "; the group is gone" : "")),
                error -> { }));
    }

    // ---------------------------------------------------------------- shutdown

    private Behavior<Command> onShutdown(Shutdown shutdown) {
        shutdownRequests.add(shutdown.replyTo());
        if (shuttingDown) {
            return this;
        }
        shuttingDown = true;
        getContext().getLog().info("Consumer groups shutting down: {} group coordinators, {} offset writes pending",
                coordinators.size(), queued.size() + (writing ? 1 : 0));
        coordinators.values().forEach(getContext()::stop);
        consumerGroups.values().forEach(getContext()::stop);
        if (!writing) {
            closeLog();
        }
        return this;
    }

    private void closeLog() {
        OffsetsLog target = log;
        getContext().pipeToSelf(BlockingIo.run(blockingIo, () -> {
            target.close();
            return Done.getInstance();
        }), (done, failure) -> new LogClosed(Optional.ofNullable(failure).map(BlockingIo::cause)));
    }

    private Behavior<Command> onLogClosed(LogClosed closed) {
        closed.failure().ifPresent(failure -> getContext().getLog().error("Closing the offsets log {} failed; the"
                + " next start recovers it: {}", settings.offsetsDir(), failure.toString()));
        getContext().getLog().info("Consumer groups stopped");
        shutdownRequests.forEach(replyTo -> replyTo.tell(Done.getInstance()));
        return Behaviors.stopped();
    }
}
