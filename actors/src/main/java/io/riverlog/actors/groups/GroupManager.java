package io.riverlog.actors.groups;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.groups.ConsumerGroupRequests.ConsumerGroupDescription;
import io.riverlog.actors.groups.ConsumerGroupRequests.ConsumerRequest;
import io.riverlog.actors.groups.ConsumerGroupRequests.Describe;
import io.riverlog.actors.groups.GroupActors.GroupProtocol;
import io.riverlog.actors.groups.GroupActors.RoutedGroup;
import io.riverlog.actors.groups.GroupRequests.CommitOffsets;
import io.riverlog.actors.groups.GroupRequests.DeleteGroup;
import io.riverlog.actors.groups.GroupRequests.DeleteOffsets;
import io.riverlog.actors.groups.GroupRequests.DescribeGroup;
import io.riverlog.actors.groups.GroupRequests.FetchOffsets;
import io.riverlog.actors.groups.GroupRequests.GroupDescription;
import io.riverlog.actors.groups.GroupRequests.GroupListing;
import io.riverlog.actors.groups.GroupRequests.GroupOverview;
import io.riverlog.actors.groups.GroupRequests.GroupRequest;
import io.riverlog.actors.groups.GroupRequests.ListGroups;
import io.riverlog.actors.groups.GroupRequests.Request;
import io.riverlog.actors.groups.classic.ClassicGroup;
import io.riverlog.actors.groups.consumer.ConsumerGroup;
import io.riverlog.actors.groups.consumer.ConsumerGroupSettings;
import io.riverlog.actors.groups.offsets.OffsetStore;
import io.riverlog.actors.groups.offsets.OffsetsEntry;
import io.riverlog.actors.groups.offsets.OffsetsReplication;
import io.riverlog.actors.topics.BlockingIo;
import io.riverlog.wal.Storage;

/**
 * The consumer groups of the broker, as Kafka's group coordinator serves them: routes each group's
 * requests to the actor of that group, a {@link ClassicGroup} (Kafka's classic group protocol) or a
 * {@link ConsumerGroup} (the consumer group protocol of KIP-848), and keeps the committed offsets in
 * an {@link OffsetStore}, which it owns.
 *
 * <p>A group id belongs to one protocol at a time. A group's actor is spawned when its first member
 * arrives (a JoinGroup, or a ConsumerGroupHeartbeat that joins); an empty group changes protocol
 * when a member of the other one arrives: its actor is stopped, and one of the other protocol
 * spawned. Otherwise the classic APIs reach a consumer-protocol group, which answers those the two
 * protocols share (offsets, description, deletion) and refuses the rest, while the consumer
 * protocol's requests about a classic group are refused here, as Kafka refuses them: it is not a
 * consumer group. A group without an actor exists while it has committed offsets, and its requests
 * are answered here. {@link GroupActors} holds the rule, and the actor of each group.
 *
 * <p>At start the offsets log is replayed on the blocking-IO dispatcher; until it is, every request
 * is answered COORDINATOR_LOAD_IN_PROGRESS, which clients retry. A commit is validated by the
 * group's actor if it has one, then written by the store and answered once it is durable; so are
 * offset deletions. OffsetFetch and ListGroups are answered here, from what is durable, without
 * asking the groups, which report each change of their state ({@link GroupActor.Report}); only a
 * fetch that names a member of a consumer-protocol group is checked by that group first.
 *
 * <p>In a cluster the offsets are replicated ({@link OffsetsReplication}): each group's changes go
 * through the log of the partition group its id hashes to (its shard), whose leader coordinates it,
 * and every member of the shard applies them ({@link ApplyReplicated}). A new leader serves the
 * shard's groups once a barrier entry of its own term is applied here (until then
 * COORDINATOR_LOAD_IN_PROGRESS); other nodes answer NOT_COORDINATOR. A member behind a purge of a
 * shard's log is sent the shard's offsets instead of the entries: {@link ExportShard} on a member
 * that has them, {@link ReplaceShard} on the one behind.
 *
 * <p>Deleting a group asks its actor first: an empty group turns Dead (answering
 * COORDINATOR_NOT_AVAILABLE, so that clients look the coordinator up again and reach a fresh actor),
 * then the deletion is logged and the actor stopped.
 */
public final class GroupManager extends AbstractBehavior<GroupManager.Command> {

    public interface Command {
    }

    /** Writes what was accepted, closes the offsets log, replies, and stops (with every group's actor). */
    public record Shutdown(ActorRef<Done> replyTo) implements Command {
    }

    /** The group gained its first member: its committed offsets no longer expire. */
    public record GroupBecameActive(String groupId) implements Command {
    }

    /** The group lost its last member: its committed offsets expire after the retention from now. */
    public record GroupBecameEmpty(String groupId) implements Command {
    }

    /** A group's report, through the adapter that its actor was given. */
    private record Reported(GroupActor.Report report) implements Command {
    }

    private enum CheckExpiry implements Command { INSTANCE }

    /**
     * What a shard's log hands the manager: waits, in order, while the offsets log is replayed at start,
     * and fails with the load's failure.
     */
    private sealed interface ShardLogCommand extends Command permits ApplyReplicated, ExportShard, ReplaceShard {
        CompletableFuture<?> answer();
    }

    /**
     * In a cluster: a committed entry of a shard's log holding offset changes ({@link OffsetsEntry}), to
     * apply here; {@code applied} completes once they are durable in this node's offsets log.
     */
    public record ApplyReplicated(byte[] entry, CompletableFuture<Void> applied) implements ShardLogCommand {
        @Override
        public CompletableFuture<?> answer() {
            return applied;
        }
    }

    /**
     * In a cluster: the committed offsets of {@code shard}'s groups on this node, for a member behind a
     * purge of the shard's log (or with a new disk), which is sent them with the shard's snapshot and
     * {@link ReplaceShard replaces} its own with them. {@code exported} completes with one
     * {@link OffsetsEntry} holding each group's offsets and membership, as this node has them once the
     * entries handed to it before are applied; it fails with IllegalStateException on a single node.
     */
    public record ExportShard(int shard, CompletableFuture<byte[]> exported) implements ShardLogCommand {
        @Override
        public CompletableFuture<?> answer() {
            return exported;
        }
    }

    /**
     * In a cluster, on a member behind a purge of {@code shard}'s log: makes this node's offsets of the
     * shard's groups those of {@code entry} ({@link ExportShard} of an up-to-date member). The groups
     * of the shard this node has are deleted and the entry's changes applied, as one write to this
     * node's offsets log; {@code replaced} completes once it is durable here. A malformed entry (or one
     * naming a group of another shard) fails it with IllegalArgumentException and changes nothing; on a
     * single node it fails with IllegalStateException.
     */
    public record ReplaceShard(int shard, byte[] entry, CompletableFuture<Void> replaced) implements ShardLogCommand {
        @Override
        public CompletableFuture<?> answer() {
            return replaced;
        }
    }

    /** The barrier of {@code shard} submitted in {@code term} was applied here, or failed. */
    private record ShardLoaded(int shard, int term, Optional<Throwable> failure) implements Command {
    }

    private final OffsetStore offsets;
    private final GroupActors groups;
    /** In a cluster: where the offsets are replicated, and which node coordinates which group. */
    private final Optional<OffsetsReplication> replication;
    /** In a cluster: the shards whose groups this node coordinates, with the term it became ready in. */
    private final Map<Integer, Integer> readyTerms = new HashMap<>();
    /** The shards whose barrier is in flight. */
    private final Set<Integer> loadingShards = new HashSet<>();
    private final List<ActorRef<Done>> shutdownRequests = new ArrayList<>();
    private boolean shuttingDown;

    public static Behavior<Command> create(GroupSettings settings, ConsumerGroupSettings consumerSettings,
                                           Storage storage) {
        return create(settings, consumerSettings, storage, Clock.systemUTC(), Optional.empty());
    }

    /**
     * A manager of one node of a cluster, which keeps the offsets in the shards' logs and coordinates
     * the groups of the shards this node leads: a request about another group is answered NOT_COORDINATOR.
     */
    public static Behavior<Command> create(GroupSettings settings, ConsumerGroupSettings consumerSettings,
                                           Storage storage, OffsetsReplication replication) {
        return create(settings, consumerSettings, storage, Clock.systemUTC(), Optional.of(replication));
    }

    /**
     * Hands a committed entry of a shard's log to {@code manager}; completes once it is durable in this
     * node's offsets log (entries that come while the log is replayed wait, in order).
     */
    public static CompletionStage<Void> applyReplicated(ActorRef<Command> manager, byte[] entry) {
        CompletableFuture<Void> applied = new CompletableFuture<>();
        manager.tell(new ApplyReplicated(entry, applied));
        return applied;
    }

    /** Asks {@code manager} for its offsets of {@code shard}'s groups ({@link ExportShard}). */
    public static CompletionStage<byte[]> exportShard(ActorRef<Command> manager, int shard) {
        CompletableFuture<byte[]> exported = new CompletableFuture<>();
        manager.tell(new ExportShard(shard, exported));
        return exported;
    }

    /** Has {@code manager} replace its offsets of {@code shard}'s groups by {@code entry}'s ({@link ReplaceShard}). */
    public static CompletionStage<Void> replaceShard(ActorRef<Command> manager, int shard, byte[] entry) {
        CompletableFuture<Void> replaced = new CompletableFuture<>();
        manager.tell(new ReplaceShard(shard, entry, replaced));
        return replaced;
    }

    /** With the consumer group protocol's settings of {@link ConfigFactory#load()} (this module's reference.conf). */
    public static Behavior<Command> create(GroupSettings settings, Storage storage) {
        return create(settings, storage, Clock.systemUTC());
    }

    /**
     * With the consumer group protocol's settings of {@link ConfigFactory#load()} (this module's reference.conf), on
     * {@code clock} (which judges offset expiry).
     */
    public static Behavior<Command> create(GroupSettings settings, Storage storage, Clock clock) {
        return create(settings, ConsumerGroupSettings.fromConfig(ConfigFactory.load()), storage, clock,
                Optional.empty());
    }

    static Behavior<Command> create(GroupSettings settings, ConsumerGroupSettings consumerSettings,
                                    Storage storage, Clock clock, Optional<OffsetsReplication> replication) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            context.setLoggerName(GroupManager.class);
            Executor blockingIo = BlockingIo.executor(context);
            timers.startTimerWithFixedDelay(CheckExpiry.INSTANCE, settings.offsetStorage().retentionCheckInterval());
            OffsetStore.load(context, blockingIo, settings, storage, clock);
            return loading(context, settings, consumerSettings, clock, blockingIo, replication);
        }));
    }

    /** Until the offsets are replayed, requests are answered COORDINATOR_LOAD_IN_PROGRESS. */
    private static Behavior<Command> loading(ActorContext<Command> context, GroupSettings settings,
                                             ConsumerGroupSettings consumerSettings, Clock clock,
                                             Executor blockingIo, Optional<OffsetsReplication> replication) {
        List<ActorRef<Done>> shutdowns = new ArrayList<>();
        List<ShardLogCommand> fromShardLogs = new ArrayList<>();
        return Behaviors.receive(Command.class)
                .onMessage(OffsetStore.Loaded.class, loaded -> {
                    GroupManager manager = new GroupManager(context, settings, consumerSettings,
                            new OffsetStore(context, blockingIo, settings, clock, loaded, replication), replication);
                    fromShardLogs.forEach(manager::onShardLog);
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
                    fromShardLogs.forEach(command -> command.answer().completeExceptionally(failed.cause()));
                    return Behaviors.receive(Command.class)
                            .onMessage(Request.class, request -> {
                                request.fail(GroupError.COORDINATOR_NOT_AVAILABLE);
                                return Behaviors.same();
                            })
                            .onMessage(ShardLogCommand.class, command -> {
                                command.answer().completeExceptionally(failed.cause());
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
                .onMessage(ShardLogCommand.class, command -> {
                    fromShardLogs.add(command);
                    return Behaviors.same();
                })
                .onMessage(Shutdown.class, shutdown -> {
                    shutdowns.add(shutdown.replyTo());
                    return Behaviors.same();
                })
                .build();
    }

    private GroupManager(ActorContext<Command> context, GroupSettings settings, ConsumerGroupSettings consumerSettings,
                         OffsetStore offsets, Optional<OffsetsReplication> replication) {
        super(context);
        this.offsets = offsets;
        this.replication = replication;
        this.groups = new GroupActors(context, settings, consumerSettings,
                context.messageAdapter(GroupActor.Report.class, Reported::new));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(GroupRequest.class, request -> route(request, request.groupId()))
                .onMessage(ConsumerRequest.class, request -> route(request, request.groupId()))
                .onMessage(FetchOffsets.class, this::onFetchOffsets)
                .onMessage(ListGroups.class, this::onListGroups)
                .onMessage(Reported.class, reported -> onReport(reported.report()))
                .onMessage(GroupActors.Stopped.class, this::onGroupStopped)
                .onMessage(GroupBecameActive.class, active -> onMembership(active.groupId(), true))
                .onMessage(GroupBecameEmpty.class, empty -> onMembership(empty.groupId(), false))
                .onMessage(CheckExpiry.class, check -> {
                    stopGroupsLedElsewhere();
                    offsets.checkExpiry(groupId -> coordinationError(groupId).isEmpty());
                    return this;
                })
                .onMessage(OffsetStore.Written.class, written -> {
                    offsets.written(written);
                    return this;
                })
                .onMessage(OffsetStore.Replicated.class, replicated -> {
                    offsets.replicated(replicated);
                    return this;
                })
                .onMessage(ShardLogCommand.class, this::onShardLog)
                .onMessage(ShardLoaded.class, this::onShardLoaded)
                .onMessage(Shutdown.class, this::onShutdown)
                .onMessage(OffsetStore.Closed.class, this::onOffsetsClosed)
                .build();
    }

    // ---------------------------------------------------------------- routing

    /**
     * A request of either protocol about one group goes to the group's actor, which a member that
     * arrives spawns ({@link GroupActors#forRequest}); a consumer-protocol request about a classic
     * group is refused; a group without an actor is answered here.
     */
    private <R extends Request & GroupActor.Command> Behavior<Command> route(R request, String groupId) {
        if (shuttingDown) {
            request.fail(GroupError.COORDINATOR_NOT_AVAILABLE);
            return this;
        }
        if (groupId == null || groupId.isEmpty()) {
            request.fail(GroupError.INVALID_GROUP_ID);
            return this;
        }
        Optional<GroupError> notHere = coordinationError(groupId);
        if (notHere.isPresent()) {
            if (notHere.get() == GroupError.NOT_COORDINATOR) {
                // Left from when this node coordinated it: its members now go to the new coordinator.
                groups.stopWhere(groupId::equals);
            }
            request.fail(notHere.get());
            return this;
        }
        Optional<RoutedGroup> group = groups.forRequest(request, groupId);
        if (group.isEmpty()) {
            return withoutActor(request, groupId);
        }
        if (group.get().protocol() == GroupProtocol.CLASSIC && request instanceof ConsumerRequest) {
            return refuseForClassicGroup(request, group.get());
        }
        group.get().actor().tell(request);
        return this;
    }

    /** A group without an actor: it has no members, and at most committed offsets. */
    private Behavior<Command> withoutActor(Request request, String groupId) {
        boolean exists = offsets.hasGroup(groupId);
        if (request instanceof CommitOffsets commit) {
            if (commit.isSimple()) {
                offsets.commit(commit);
            } else {
                commit.fail(GroupError.ILLEGAL_GENERATION);
            }
        } else if (request instanceof DescribeGroup describe) {
            describe.replyTo().tell(exists
                    ? new GroupDescription(GroupError.NONE, groupId, GroupState.EMPTY, "", "", List.of())
                    : GroupDescription.failed(groupId, GroupError.GROUP_ID_NOT_FOUND));
        } else if (request instanceof DeleteGroup delete) {
            if (exists) {
                offsets.deleteGroup(delete);
            } else {
                delete.fail(GroupError.GROUP_ID_NOT_FOUND);
            }
        } else if (request instanceof DeleteOffsets delete) {
            if (exists) {
                offsets.deleteOffsets(delete, Optional.of(Set.of()));
            } else {
                delete.fail(GroupError.GROUP_ID_NOT_FOUND);
            }
        } else if (request instanceof Describe describe) {
            notAConsumerGroup(describe, exists);
        } else {
            // SyncGroup, Heartbeat, LeaveGroup, a ConsumerGroupHeartbeat that does not join: the member
            // cannot be in a group that has none (membership does not survive a restart), and must join again.
            request.fail(GroupError.UNKNOWN_MEMBER_ID);
        }
        return this;
    }

    /** A consumer-protocol request about a classic group, which stays one: refused, as Kafka does. */
    private Behavior<Command> refuseForClassicGroup(Request request, RoutedGroup group) {
        if (request instanceof Describe describe) {
            notAConsumerGroup(describe, true);
        } else if (!group.isEmpty()) {
            // The group exists, but is not a consumer-protocol group.
            request.fail(GroupError.GROUP_ID_NOT_FOUND);
        } else {
            // A heartbeat that does not join cannot be from a member of this group.
            request.fail(GroupError.UNKNOWN_MEMBER_ID);
        }
        return this;
    }

    /** As Kafka: the admin client then describes the group with DescribeGroups. */
    private static void notAConsumerGroup(Describe describe, boolean groupExists) {
        String groupId = describe.groupId();
        describe.replyTo().tell(ConsumerGroupDescription.failed(groupId, GroupError.GROUP_ID_NOT_FOUND, groupExists
                ? "Group " + groupId + " is not a consumer group." : "Group " + groupId + " not found."));
    }

    // ---------------------------------------------------------------- coordination in a cluster

    /**
     * Why this node does not serve the group now: empty if it coordinates it (always on a single
     * node; in a cluster once it leads the group's shard and applied the shard's log up to its own
     * term), NOT_COORDINATOR if another node leads the shard, COORDINATOR_LOAD_IN_PROGRESS while this
     * new leader applies what earlier leaders committed (a barrier entry it submits tells when).
     */
    private Optional<GroupError> coordinationError(String groupId) {
        if (replication.isEmpty()) {
            return Optional.empty();
        }
        OffsetsReplication shards = replication.get();
        int shard = shards.shardOf(groupId);
        OptionalInt term = shards.leadingTerm(shard);
        if (term.isEmpty()) {
            return Optional.of(GroupError.NOT_COORDINATOR);
        }
        Integer ready = readyTerms.get(shard);
        if (ready != null && ready == term.getAsInt()) {
            return Optional.empty();
        }
        if (loadingShards.add(shard)) {
            int leading = term.getAsInt();
            getContext().pipeToSelf(shards.submit(shard, OffsetsEntry.barrier()),
                    (done, failure) -> new ShardLoaded(shard, leading, Optional.ofNullable(failure)));
        }
        return Optional.of(GroupError.COORDINATOR_LOAD_IN_PROGRESS);
    }

    /**
     * The shard's log is applied here up to this node's term: it coordinates the shard's groups from
     * now on. Group actors left from an earlier term of its are stopped (their members may have
     * joined another coordinator since): members join again.
     */
    private Behavior<Command> onShardLoaded(ShardLoaded loaded) {
        loadingShards.remove(loaded.shard());
        OffsetsReplication shards = replication.orElseThrow();
        if (loaded.failure().isPresent()) {
            getContext().getLog().debug("The barrier of partition group {} failed; the next request tries again: {}",
                    loaded.shard(), loaded.failure().get().toString());
            return this;
        }
        if (!shards.leadingTerm(loaded.shard()).equals(OptionalInt.of(loaded.term()))) {
            return this;
        }
        readyTerms.put(loaded.shard(), loaded.term());
        int stopped = groups.stopWhere(groupId -> shards.shardOf(groupId) == loaded.shard());
        offsets.coordinating(loaded.shard());
        getContext().getLog().info("Coordinating the consumer groups of partition group {} from term {}{}",
                loaded.shard(), loaded.term(), stopped == 0 ? "" : "; " + stopped + " groups of an earlier term"
                        + " stopped, their members join again");
        return this;
    }

    /** Stops the actors of groups this node no longer coordinates (their members found the new coordinator). */
    private void stopGroupsLedElsewhere() {
        replication.ifPresent(shards -> {
            readyTerms.keySet().removeIf(shard -> shards.leadingTerm(shard).isEmpty());
            groups.stopWhere(groupId -> shards.leadingTerm(shards.shardOf(groupId)).isEmpty());
        });
    }

    private Behavior<Command> onShardLog(ShardLogCommand command) {
        if (command instanceof ApplyReplicated apply) {
            offsets.applyReplicated(apply.entry(), apply.applied());
        } else if (command instanceof ExportShard export) {
            offsets.exportShard(export.shard(), export.exported());
        } else if (command instanceof ReplaceShard replace) {
            offsets.replaceShard(replace.shard(), replace.entry(), replace.replaced());
        }
        return this;
    }

    // ---------------------------------------------------------------- offsets and listings

    private Behavior<Command> onFetchOffsets(FetchOffsets fetch) {
        if (fetch.groupId() == null || fetch.groupId().isEmpty()) {
            fetch.fail(GroupError.INVALID_GROUP_ID);
            return this;
        }
        Optional<GroupError> notHere = coordinationError(fetch.groupId());
        if (notHere.isPresent()) {
            fetch.fail(notHere.get());
            return this;
        }
        Optional<RoutedGroup> group = groups.get(fetch.groupId());
        if (group.isPresent() && group.get().protocol() == GroupProtocol.CONSUMER && fetch.memberId().isPresent()) {
            group.get().actor().tell(fetch); // checks the member and its epoch, then reports it as FetchAccepted
        } else {
            offsets.fetch(fetch);
        }
        return this;
    }

    private Behavior<Command> onListGroups(ListGroups list) {
        Map<String, GroupOverview> all = new TreeMap<>();
        for (String groupId : offsets.groups()) {
            all.put(groupId, new GroupOverview(groupId, "", GroupState.EMPTY));
        }
        groups.overviews().forEach(overview -> all.put(overview.groupId(), overview));
        // In a cluster each node lists the groups it coordinates; clients ask every node.
        all.keySet().removeIf(groupId -> replication.map(shards -> shards.leadingTerm(shards.shardOf(groupId))
                .isEmpty()).orElse(false));
        list.replyTo().tell(new GroupListing(GroupError.NONE, List.copyOf(all.values())));
        return this;
    }

    // ---------------------------------------------------------------- what the groups report

    private Behavior<Command> onReport(GroupActor.Report report) {
        if (report instanceof GroupActor.Changed changed) {
            onChanged(changed);
        } else if (report instanceof GroupActor.CommitAccepted accepted) {
            offsets.commit(accepted.request());
        } else if (report instanceof GroupActor.FetchAccepted accepted) {
            offsets.fetch(accepted.request());
        } else if (report instanceof GroupActor.OffsetDeletionAccepted accepted) {
            offsets.deleteOffsets(accepted.request(), accepted.subscribedTopics());
        } else if (report instanceof GroupActor.Retired retired) {
            onRetired(retired);
        }
        return this;
    }

    private void onChanged(GroupActor.Changed changed) {
        if (groups.changed(changed.group(), changed.overview())) {
            GroupState state = changed.overview().state();
            onMembership(changed.overview().groupId(), state != GroupState.EMPTY && state != GroupState.DEAD);
        }
    }

    private void onRetired(GroupActor.Retired retired) {
        groups.remove(retired.request().groupId(), retired.group());
        // After everything forwarded to it so far, which it answers as Dead.
        retired.group().tell(GroupActor.Stop.INSTANCE);
        offsets.deleteGroup(retired.request());
    }

    private Behavior<Command> onGroupStopped(GroupActors.Stopped stopped) {
        groups.remove(stopped.groupId(), stopped.actor()).ifPresent(group -> {
            onMembership(stopped.groupId(), false);
            if (!shuttingDown) {
                getContext().getLog().error("The actor of {} group {} stopped unexpectedly; its members must join"
                        + " again", group.protocol(), stopped.groupId());
            }
        });
        return this;
    }

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
        getContext().getLog().info("Consumer groups shutting down: {} groups with an actor, {} offset writes pending",
                groups.size(), offsets.writesPending());
        groups.stopAll();
        offsets.close();
        return this;
    }

    private Behavior<Command> onOffsetsClosed(OffsetStore.Closed closed) {
        offsets.closed(closed);
        getContext().getLog().info("Consumer groups stopped");
        shutdownRequests.forEach(replyTo -> replyTo.tell(Done.getInstance()));
        return Behaviors.stopped();
    }
}
