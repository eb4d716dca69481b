package io.riverlog.actors.topics;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;

import io.riverlog.actors.cluster.ClusterMembers;
import io.riverlog.actors.cluster.GroupHosting;
import io.riverlog.actors.cluster.Placement;
import io.riverlog.actors.cluster.ReplicatedJournal;
import io.riverlog.actors.partition.LogCleaner;
import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.actors.partition.Scrubber;
import io.riverlog.actors.replica.ReplicaApplier;
import io.riverlog.actors.replica.ReplicaProgress;
import io.riverlog.wal.RecordLog;
import io.riverlog.wal.Storage;

/**
 * Topic metadata, and the parent of one {@link PartitionActor} per partition of every topic.
 *
 * <p>The metadata log ({@code <data-dir>/meta}, see {@link TopicEvents}) is the truth: at start the
 * registry replays it, removes partition directories of topics it does not name, and spawns the
 * partitions; commands wait in a bounded stash meanwhile ({@link RegistryStart}). A change (create,
 * delete, add partitions, alter configs) is validated ({@link ChangePlan}), written and fsynced,
 * and only then applied and answered ({@link ChangeInFlight}). Changes run one at a time; the next
 * ones wait in the stash, while queries are answered at once from what is already durable. All file
 * IO runs on the blocking-IO dispatcher. Its child {@link Scrubber} verifies the partitions' logs
 * in the background.
 *
 * <p>Delete writes its event first, then stops the topic's partitions, then removes their
 * directories ({@link TopicDeletion}); a crash between these steps leaves directories that the next
 * start removes. Create removes leftovers under the new partitions' names before writing, so a
 * re-created topic always starts empty.
 *
 * <p>Topic configs ({@link TopicConfigs}) become the settings of the topic's partitions: those
 * spawned later get them at start, running ones are told once the change is durable.
 *
 * <p>The registry also reserves blocks of producer ids ({@link ProducerIdReservations}): each block
 * is written to the metadata log and fsynced, in turn with the changes, before it is answered.
 *
 * <p>In a cluster ({@link #createReplicated}) the metadata group's log takes the metadata log's
 * place: a change is submitted to it, accepted or refused by the group's state machine
 * ({@link MetadataStateMachine}), and carried out by every node's registry when its entry is applied,
 * in log order ({@link AppliedEntries}); each node runs a replica of each partition the {@link Placement}
 * puts on it, registered with the {@link ReplicaApplier} that hands it its partition group's entries.
 * Producer id blocks are handed out by the group's state machine.
 */
public final class TopicRegistry extends AbstractBehavior<TopicRegistry.Command> {

    public interface Command {
        /**
         * Answers the command as refused: a change with {@link ChangeFailed}, a shutdown with Done
         * (nothing is left to stop). Queries have no refused form: one dropped while loading with a
         * full stash is answered by its asker's timeout.
         */
        default void fail(TopicError error, String message) {
        }
    }

    // ---------------------------------------------------------------- changes

    /**
     * A change of topic metadata: validated against the topics as they are when its turn comes,
     * written and fsynced, applied, and answered with {@link Changed}; or answered with
     * {@link ChangeFailed} and not in effect (see {@link TopicError#OUTCOME_UNKNOWN} for the exception).
     */
    public sealed interface Change extends Command permits CreateTopic, DeleteTopic, CreatePartitions, AlterConfigs {
        /** The topic the change is about. */
        String name();

        ActorRef<ChangeReply> replyTo();

        /** Answers the change as carried out, with the topic after it (a deleted topic as it was). */
        default void answer(TopicInfo topic) {
            replyTo().tell(new Changed(topic));
        }

        @Override
        default void fail(TopicError error, String message) {
            replyTo().tell(new ChangeFailed(error, message));
        }
    }

    public sealed interface ChangeReply permits Changed, ChangeFailed {
    }

    /** The change is durable and in effect: the topic after it; for a delete, the topic as it was, its data gone. */
    public record Changed(TopicInfo topic) implements ChangeReply {
    }

    public record ChangeFailed(TopicError error, String message) implements ChangeReply {
    }

    /** Creates a topic; a count of {@link #DEFAULT_PARTITIONS} takes {@code riverlog.topics.default-partitions}. */
    public record CreateTopic(String name, int partitions, Map<String, String> configs, OptionalInt firstGroup,
                              ActorRef<ChangeReply> replyTo) implements Change {
        public static final int DEFAULT_PARTITIONS = -1;

        public CreateTopic {
            Objects.requireNonNull(name, "name");
            configs = configs == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(configs));
        }

        /** A topic whose partitions go where the placement deals them. */
        public CreateTopic(String name, int partitions, Map<String, String> configs, ActorRef<ChangeReply> replyTo) {
            this(name, partitions, configs, OptionalInt.empty(), replyTo);
        }
    }

    /** Deletes a topic and its data; the reply comes once its partitions stopped and their files are gone. */
    public record DeleteTopic(String name, ActorRef<ChangeReply> replyTo) implements Change {
        public DeleteTopic {
            Objects.requireNonNull(name, "name");
        }
    }

    /** Grows a topic to {@code newTotalCount} partitions; the new ones start empty. */
    public record CreatePartitions(String name, int newTotalCount, ActorRef<ChangeReply> replyTo) implements Change {
        public CreatePartitions {
            Objects.requireNonNull(name, "name");
        }
    }

    /** Sets (present value) or removes (empty value) per-topic configs; see {@link TopicConfigs}. */
    public record AlterConfigs(String name, Map<String, Optional<String>> changes, ActorRef<ChangeReply> replyTo)
            implements Change {
        public AlterConfigs {
            Objects.requireNonNull(name, "name");
            changes = Collections.unmodifiableMap(new LinkedHashMap<>(changes));
        }
    }

    /** Stops every partition cleanly (flushed and closed), closes the metadata log, replies, and stops. */
    public record Shutdown(ActorRef<Done> replyTo) implements Command {
        @Override
        public void fail(TopicError error, String message) {
            replyTo.tell(Done.getInstance());
        }
    }

    // ---------------------------------------------------------------- queries

    public record ListTopics(ActorRef<Topics> replyTo) implements Command {
    }

    /** Every topic, sorted by name. */
    public record Topics(List<TopicInfo> topics) {
    }

    public record DescribeTopic(String name, ActorRef<TopicDescription> replyTo) implements Command {
        public DescribeTopic {
            Objects.requireNonNull(name, "name");
        }
    }

    public record TopicDescription(Optional<TopicInfo> topic) {
    }

    public record GetPartition(PartitionId id, ActorRef<PartitionRef> replyTo) implements Command {
        public GetPartition {
            Objects.requireNonNull(id, "id");
        }
    }

    /** The partition's actor; empty if no topic has that partition. */
    public record PartitionRef(Optional<ActorRef<PartitionActor.Command>> partition) {
    }

    // ---------------------------------------------------------------- producer ids

    /**
     * Reserves the next block of producer ids ({@code riverlog.topics.producer-id-block-size}):
     * answered with {@link ProducerIdBlock} once the reservation is durable, or with
     * {@link ProducerIdsRefused}, and then no id of it may be handed out.
     */
    public record ReserveProducerIds(ActorRef<ProducerIdsReply> replyTo) implements Command {
        @Override
        public void fail(TopicError error, String message) {
            replyTo.tell(new ProducerIdsRefused(error, message));
        }
    }

    public sealed interface ProducerIdsReply permits ProducerIdBlock, ProducerIdsRefused {
    }

    /** The ids from {@code firstId} up to, not including, {@code endId}: the asker's, now and after restarts. */
    public record ProducerIdBlock(long firstId, long endId) implements ProducerIdsReply {
    }

    public record ProducerIdsRefused(TopicError error, String message) implements ProducerIdsReply {
    }

    // ---------------------------------------------------------------- partition groups moving

    /**
     * Moves partition groups (each with all its partitions) to other nodes: {@code targets} maps a
     * group to its new members, its preferred leader first; a group's present members as target end a
     * move under way. Answered once the moves are recorded in the metadata group, before they are done.
     */
    public record MoveGroups(Map<Integer, List<Integer>> targets, ActorRef<MovesReply> replyTo) implements Command {
        public MoveGroups {
            targets = Map.copyOf(targets);
        }

        @Override
        public void fail(TopicError error, String message) {
            replyTo.tell(new MovesReply(Optional.of(error), message));
        }
    }

    /** The moves are recorded (no error), or were not. */
    public record MovesReply(Optional<TopicError> error, String message) {
    }

    /**
     * Replaces this node's replicas of a partition group's partitions by copies from the group's leader,
     * staged beside them (a member that needs entries the leader purged: {@link ReplicaInstalls});
     * {@code installed} completes once they are in place.
     */
    public record InstallReplicas(int group, List<StagedReplica> replicas, CompletableFuture<Void> installed)
            implements Command {
        public InstallReplicas {
            replicas = List.copyOf(replicas);
        }

        @Override
        public void fail(TopicError error, String message) {
            installed.completeExceptionally(new IllegalStateException(message));
        }
    }

    /**
     * A copy of a partition's replica in {@code staged}, whose files are written and fsynced, of topic
     * {@code topicId}, and what the copied replica had applied.
     */
    public record StagedReplica(PartitionId id, UUID topicId, Path staged, ReplicaProgress.Applied applied) {
    }

    // ---------------------------------------------------------------- internal

    private record PartitionStopped(PartitionId id) implements Command {
    }

    private record MetadataClosed(Optional<Throwable> failure) implements Command {
    }

    /** Leftover directories under the names of the partitions an applied entry creates are gone. */
    private record LeftoversRemoved(Optional<Throwable> failure) implements Command {
    }

    // ---------------------------------------------------------------- state

    private final StashBuffer<Command> stash;
    private final RegistrySettings settings;
    private final Supplier<UUID> randomIds;
    private final Executor blockingIo;
    private final RecordLog<TopicEvent> metadata;
    /** In a cluster, the metadata group that takes the metadata log's place; null on a single node. */
    private final ReplicatedJournal journal;
    private final AppliedEntries applied = new AppliedEntries();
    private final TopicDirectories directories;
    private final TopicTable topics;
    private final PartitionChildren partitions;
    /** The change being written or carried out; the next changes wait in the stash. */
    private final ChangeInFlight change;
    private final TopicDeletion deletion;
    /** The reservation of producer ids being written; the next ones wait in the stash, as changes do. */
    private final ProducerIdReservations producerIds;
    /** Where partitions and groups are (everything here on a single node). */
    private final Placement placement;
    /** In a cluster, the partition groups moving to or away from this node; null on a single node. */
    private final GroupMoves moves;
    /** In a cluster, replicas being replaced by copies from their group's leader; null on a single node. */
    private final ReplicaInstalls installs;
    private final List<ActorRef<Done>> shutdownRequests = new ArrayList<>();
    private boolean shuttingDown;

    public static Behavior<Command> create(RegistrySettings settings, Storage storage,
                                           PartitionMetrics metrics) {
        return create(settings, storage, metrics, new PublishedTopics());
    }

    /** A registry that publishes its topics to {@code published} after every change. */
    public static Behavior<Command> create(RegistrySettings settings, Storage storage,
                                           PartitionMetrics metrics, PublishedTopics published) {
        return create(settings, storage, metrics, Clock.systemUTC(), TopicTable::randomKafkaId, published);
    }

    /** As {@link #create(RegistrySettings, Storage, PartitionMetrics)}, with time and topic ids injected. */
    static Behavior<Command> create(RegistrySettings settings, Storage storage, PartitionMetrics metrics,
                                    Clock clock, Supplier<UUID> randomIds) {
        return create(settings, storage, metrics, clock, randomIds, new PublishedTopics());
    }

    static Behavior<Command> create(RegistrySettings settings, Storage storage, PartitionMetrics metrics,
                                    Clock clock, Supplier<UUID> randomIds, PublishedTopics published) {
        return RegistryStart.loading(settings, storage, clock, (context, stash, blockingIo, loaded) ->
                new TopicRegistry(context, stash, settings, storage, metrics, randomIds, blockingIo, loaded,
                        published, null, new Placement(ClusterMembers.single(0)), null, GroupHosting.NONE,
                        Duration.ZERO));
    }

    /**
     * A registry of one node of a cluster: the metadata group (its journal once the consensus engine
     * runs) holds the topics, and this node runs replicas of the partitions {@code placement} puts on it,
     * fed by {@code replicas}; partition groups move to and away from it through {@code hosting},
     * looked for every {@code moveCheckInterval} ({@link GroupMoves}). Every
     * {@code retryInterval} until a majority of the nodes answers, it says in the log that it waits.
     */
    public static Behavior<Command> createReplicated(RegistrySettings settings, Storage storage,
                                                     PartitionMetrics metrics, PublishedTopics published,
                                                     Placement placement, ReplicaApplier replicas,
                                                     CompletionStage<ReplicatedJournal> journal,
                                                     Duration retryInterval, GroupHosting hosting,
                                                     Duration moveCheckInterval) {
        return ClusterRegistryStart.joining(settings, storage, placement, replicas, journal, retryInterval,
                (context, stash, blockingIo, loaded, started) -> new TopicRegistry(context, stash, settings,
                        storage, metrics, TopicTable::randomKafkaId, blockingIo, loaded, published, started,
                        placement, replicas, hosting, moveCheckInterval));
    }

    private TopicRegistry(ActorContext<Command> context, StashBuffer<Command> stash, RegistrySettings settings,
                          Storage storage, PartitionMetrics metrics, Supplier<UUID> randomIds,
                          Executor blockingIo, RegistryLoader.Loaded loaded, PublishedTopics published,
                          ReplicatedJournal journal, Placement placement, ReplicaApplier replicas,
                          GroupHosting hosting, Duration moveCheckInterval) {
        super(context);
        this.stash = stash;
        this.settings = settings;
        this.partitions = new PartitionChildren(context, settings, storage, metrics,
                context.spawn(Scrubber.create(settings.scrub()), "scrubber"),
                context.spawn(LogCleaner.create(settings.cleaner()), "log-cleaner"), PartitionStopped::new,
                placement, replicas);
        this.journal = journal;
        this.placement = placement;
        this.randomIds = randomIds;
        this.blockingIo = blockingIo;
        this.metadata = loaded.log();
        this.topics = loaded.topics();
        this.directories = new TopicDirectories(storage, settings.topicsDir());
        this.change = new ChangeInFlight(context, settings, blockingIo, metadata, directories, topics, published,
                partitions);
        this.deletion = new TopicDeletion(context, settings, blockingIo, directories, partitions);
        this.producerIds = new ProducerIdReservations(context, blockingIo, metadata, settings.producerIdBlockSize(),
                loaded.nextUnreservedProducerId());
        for (Path removed : loaded.cleanup().removed()) {
            context.getLog().info("Removed {}: it belongs to no partition of a known topic", removed);
        }
        for (String recovered : loaded.cleanup().recovered()) {
            context.getLog().warn("Recovered {}", recovered);
        }
        for (Path ignored : loaded.cleanup().ignored()) {
            context.getLog().warn("Ignoring {}: its name is not that of a partition directory", ignored);
        }
        for (TopicInfo topic : topics.all()) {
            partitions.spawn(topic, 0, topic.partitions());
        }
        published.publish(topics.all());
        this.installs = journal == null ? null : new ReplicaInstalls(context, settings, storage, blockingIo,
                partitions);
        this.moves = journal == null ? null : new GroupMoves(context, settings, blockingIo, directories, partitions,
                placement, hosting, journal, moveCheckInterval, installs.held());
        if (moves != null) {
            moves.reconcile(topics);
            moves.start();
        }
        context.getLog().info("Topic registry loaded {} events from {}: topics {}, partitions {}",
                loaded.events(), journal == null ? settings.metadataDir() : "the metadata group",
                topics.all().size(), partitions.size());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(ListTopics.class, this::onListTopics)
                .onMessage(DescribeTopic.class, this::onDescribeTopic)
                .onMessage(GetPartition.class, this::onGetPartition)
                .onMessage(CreateTopic.class, create -> onChange(create,
                        () -> ChangePlan.of(create, topics, settings, idsFor(create))))
                .onMessage(DeleteTopic.class, delete -> onChange(delete, () -> ChangePlan.of(delete, topics)))
                .onMessage(CreatePartitions.class, create -> onChange(create,
                        () -> ChangePlan.of(create, topics, settings)))
                .onMessage(AlterConfigs.class, alter -> onChange(alter, () -> ChangePlan.of(alter, topics)))
                .onMessage(ReserveProducerIds.class, this::onReserveProducerIds)
                .onMessage(Shutdown.class, shutdown -> onShutdown(shutdown.replyTo()))
                .onMessage(ChangeInFlight.Written.class, this::onWritten)
                .onMessage(ChangeInFlight.WriteFailed.class, this::onWriteFailed)
                .onMessage(ProducerIdReservations.Written.class, this::onProducerIdsWritten)
                .onMessage(ProducerIdReservations.WriteFailed.class, this::onProducerIdsFailed)
                .onMessage(PartitionStopped.class, this::onPartitionStopped)
                .onMessage(TopicDeletion.DirectoriesDeleted.class, this::onDirectoriesDeleted)
                .onMessage(MetadataClosed.class, this::onMetadataClosed)
                .onMessage(MetadataStateMachine.Applied.class, this::onApplied)
                .onMessage(ChangeInFlight.Replicated.class, this::onReplicated)
                .onMessage(ChangeInFlight.Refused.class, refused -> {
                    change.refuse(refused);
                    return changeDone();
                })
                .onMessage(ChangeInFlight.NotCommitted.class, failed -> {
                    change.notCommitted(failed);
                    return changeDone();
                })
                .onMessage(LeftoversRemoved.class, this::onLeftoversRemoved)
                .onMessage(MoveGroups.class, this::onMoveGroups)
                .onMessage(InstallReplicas.class, this::onInstallReplicas)
                .onMessage(ReplicaInstalls.Replaced.class, replaced -> {
                    installs.replaced(replaced);
                    return reconcileGroups();
                })
                .onMessage(GroupMoves.Check.class, check -> {
                    if (!shuttingDown) {
                        moves.check();
                        moves.reconcileHosting();
                    }
                    return this;
                })
                .onMessage(GroupMoves.HostingChanged.class, changed -> moves.hostingChanged(changed)
                        ? reconcileGroups() : this)
                .onMessage(GroupMoves.Reconfigured.class, reconfigured -> {
                    moves.reconfigured(reconfigured);
                    return this;
                })
                .onMessage(GroupMoves.MoveRecorded.class, recorded -> {
                    moves.recorded(recorded);
                    return this;
                })
                .onMessage(GroupMoves.MovedAwayRemoved.class, removed -> {
                    moves.removed(removed);
                    return reconcileGroups();
                })
                .build();
    }

    // ---------------------------------------------------------------- queries

    /**
     * Where the new topic's ids come from: any id, or, for a topic whose partition 0 must go to a given
     * partition group (its replicas were asked for), one that the placement puts there.
     */
    private Supplier<UUID> idsFor(CreateTopic create) {
        if (create.firstGroup().isEmpty()) {
            return randomIds;
        }
        // A group the placement has (the handler picked it from the same placement): the loop always ends.
        int first = Math.floorMod(create.firstGroup().getAsInt(), Math.max(1, placement.groups()));
        return () -> {
            UUID id = randomIds.get();
            while (placement.groupOf(id, 0) != first) {
                id = randomIds.get();
            }
            return id;
        };
    }

    private Behavior<Command> onListTopics(ListTopics list) {
        list.replyTo().tell(new Topics(topics.all()));
        return this;
    }

    private Behavior<Command> onDescribeTopic(DescribeTopic describe) {
        describe.replyTo().tell(new TopicDescription(topics.get(describe.name())));
        return this;
    }

    private Behavior<Command> onGetPartition(GetPartition get) {
        get.replyTo().tell(new PartitionRef(topics.contains(get.id()) ? partitions.get(get.id()) : Optional.empty()));
        return this;
    }

    // ---------------------------------------------------------------- changes: planned, then written

    /**
     * Plans the change once its turn comes, then writes its event; a change refused by its plan is
     * answered at once.
     */
    private Behavior<Command> onChange(Change next, Supplier<ChangePlan> plan) {
        if (!startsNow(next)) {
            return this;
        }
        ChangePlan planned = plan.get();
        planned.rejection().ifPresentOrElse(rejection -> next.fail(rejection.error(), rejection.message()),
                () -> {
                    if (journal == null) {
                        change.write(next, planned.event(), planned.newPartitions());
                    } else {
                        change.replicate(next, planned.event(), journal);
                    }
                });
        return this;
    }

    /** True if the change or reservation may start; otherwise it waits its turn in the stash, or is refused. */
    private boolean startsNow(Command next) {
        if (shuttingDown) {
            next.fail(TopicError.NOT_AVAILABLE, "the topic registry is shutting down");
            return false;
        }
        if (nothingInFlight()) {
            return true;
        }
        if (stash.isFull()) {
            next.fail(TopicError.NOT_AVAILABLE, settings.pendingCommands() + " topic changes are already waiting");
        } else {
            stash.stash(next);
        }
        return false;
    }

    private boolean nothingInFlight() {
        return change.isEmpty() && producerIds.isEmpty();
    }

    // ---------------------------------------------------------------- changes: written, or not

    private Behavior<Command> onWritten(ChangeInFlight.Written written) {
        TopicInfo topic = change.apply(written.event());
        if (written.event() instanceof TopicEvent.Deleted) {
            deletion.start(topic);
            return afterPartitionsStop();
        }
        change.answer(topic);
        return changeDone();
    }

    private Behavior<Command> onWriteFailed(ChangeInFlight.WriteFailed failed) {
        change.fail(failed);
        return changeDone();
    }

    private Behavior<Command> onReserveProducerIds(ReserveProducerIds reserve) {
        if (journal != null) {
            reserveReplicated(reserve);
            return this;
        }
        if (startsNow(reserve)) {
            producerIds.reserve(reserve);
        }
        return this;
    }

    private Behavior<Command> onProducerIdsWritten(ProducerIdReservations.Written written) {
        producerIds.written(written);
        return changeDone();
    }

    private Behavior<Command> onProducerIdsFailed(ProducerIdReservations.WriteFailed failed) {
        producerIds.failed(failed);
        return changeDone();
    }

    private Behavior<Command> onDirectoriesDeleted(TopicDeletion.DirectoriesDeleted deleted) {
        if (journal == null) {
            change.answer(deletion.finished(deleted));
            return changeDone();
        }
        applied.done(deletion.finished(deleted));
        if (shuttingDown) {
            applied.clear();
            return stopAllPartitions();
        }
        boolean answered = answerIfCarriedOut();
        return carryOut() || answered ? changeDone() : this;
    }

    // ---------------------------------------------------------------- in a cluster: entries applied

    private void reserveReplicated(ReserveProducerIds reserve) {
        int blockSize = settings.producerIdBlockSize();
        journal.submit(MetadataEntries.reserveProducerIds(blockSize)).whenComplete((committed, failure) -> {
            if (failure != null) {
                reserve.fail(TopicError.NOT_AVAILABLE, "the metadata group did not reserve producer ids in time: "
                        + BlockingIo.cause(failure).getMessage());
                return;
            }
            MetadataEntries.Answer answer = MetadataEntries.decodeAnswer(committed.reply());
            if (answer.isAccepted()) {
                reserve.replyTo().tell(new ProducerIdBlock(answer.value(), answer.value() + blockSize));
            } else {
                reserve.fail(answer.error(), answer.message());
            }
        });
    }

    private Behavior<Command> onApplied(MetadataStateMachine.Applied entry) {
        if (shuttingDown) {
            return this;
        }
        applied.add(entry);
        return carryOut() ? changeDone() : this;
    }

    /**
     * Carries out the applied entries in log order until one must wait (for its partitions to stop,
     * or for leftover directories to go). True if that answered this node's change in flight.
     */
    private boolean carryOut() {
        boolean answered = false;
        Optional<MetadataStateMachine.Applied> next;
        while ((next = applied.next()).isPresent()) {
            Optional<TopicEvent.OfTopic> event = next.get().change();
            if (next.get().groupsMoved()) {
                applied.done(null);
                moves.reconcile(topics);
            } else if (event.isEmpty()) {
                applied.done(null);
            } else if (event.get() instanceof TopicEvent.Created
                    || event.get() instanceof TopicEvent.PartitionsAdded) {
                removeLeftovers(event.get());
                return answered;
            } else if (event.get() instanceof TopicEvent.Deleted) {
                partitions.topicDeleted(event.get().topicId());
                deletion.start(change.apply(event.get()));
                afterPartitionsStop();
                return answered;
            } else {
                applied.done(change.apply(event.get()));
            }
            answered |= answerIfCarriedOut();
        }
        return answered;
    }

    /** Removes leftovers under the names of this node's new partitions, before they are spawned. */
    private void removeLeftovers(TopicEvent.OfTopic event) {
        int from = topics.get(event.name()).map(TopicInfo::partitions).orElse(0);
        int to = event instanceof TopicEvent.Created created ? created.partitions()
                : ((TopicEvent.PartitionsAdded) event).partitions();
        List<Path> leftovers = partitions.local(event.name(), event.topicId(), from, to).stream()
                .map(settings::partitionDir).toList();
        getContext().pipeToSelf(BlockingIo.run(blockingIo, () -> {
            for (Path dir : leftovers) {
                directories.delete(dir);
            }
            return Done.getInstance();
        }), (done, failure) -> new LeftoversRemoved(Optional.ofNullable(failure).map(BlockingIo::cause)));
    }

    private Behavior<Command> onLeftoversRemoved(LeftoversRemoved removed) {
        TopicEvent.OfTopic event = applied.inProgress().change().orElseThrow();
        removed.failure().ifPresent(failure -> getContext().getLog().error("Removing leftover directories"
                + " of topic {} failed; its new partitions may start with old data: {}", event.name(),
                failure.toString()));
        if (shuttingDown) {
            applied.clear();
            return this;
        }
        applied.done(change.apply(event));
        boolean answered = answerIfCarriedOut();
        return carryOut() || answered ? changeDone() : this;
    }

    private Behavior<Command> onReplicated(ChangeInFlight.Replicated replicated) {
        change.await(replicated.index());
        return answerIfCarriedOut() ? changeDone() : this;
    }

    /** Answers this node's change once the entry that holds it was carried out here. */
    private boolean answerIfCarriedOut() {
        OptionalLong index = change.awaiting();
        if (change.isEmpty() || index.isEmpty() || !applied.reached(index.getAsLong())) {
            return false;
        }
        Optional<TopicInfo> result = applied.resultOf(index.getAsLong());
        if (result.isPresent()) {
            change.answer(result.get());
        } else {
            change.refuse(new ChangeInFlight.Refused(TopicError.OUTCOME_UNKNOWN, "the change was committed at entry "
                    + index.getAsLong() + " but its result is no longer known here; describe the topic"));
        }
        return true;
    }

    private Behavior<Command> changeDone() {
        if (shuttingDown) {
            stash.forEach(waiting -> waiting.fail(TopicError.NOT_AVAILABLE, "the topic registry is shutting down"));
            stash.clear();
            return stopAllPartitions();
        }
        // Changes stashed again while unstashing (one started meanwhile) keep their order for the next round.
        return stash.unstashAll(this);
    }

    // ---------------------------------------------------------------- partition groups moving

    private Behavior<Command> onMoveGroups(MoveGroups move) {
        if (journal == null) {
            move.fail(TopicError.NOT_AVAILABLE, "a single node has no partition groups to move");
            return this;
        }
        List<MetadataEntries.GroupMove> entry = new ArrayList<>();
        move.targets().forEach((group, members) -> entry.add(new MetadataEntries.GroupMove(group, members)));
        journal.submit(MetadataEntries.moveGroups(entry)).whenComplete((committed, failure) -> {
            if (failure != null) {
                move.fail(TopicError.OUTCOME_UNKNOWN, "the metadata group did not record the move in time: "
                        + BlockingIo.cause(failure).getMessage());
            } else {
                move.replyTo().tell(new MovesReply(Optional.empty(), ""));
            }
        });
        return this;
    }

    private Behavior<Command> onInstallReplicas(InstallReplicas install) {
        if (installs == null || shuttingDown) {
            install.fail(TopicError.NOT_AVAILABLE, installs == null ? "a single node has no replicas to install"
                    : "the topic registry is shutting down");
            return this;
        }
        installs.install(install, topics);
        return this;
    }

    private Behavior<Command> reconcileGroups() {
        if (!shuttingDown) {
            moves.reconcile(topics);
        }
        return this;
    }

    // ---------------------------------------------------------------- partitions

    private Behavior<Command> onPartitionStopped(PartitionStopped stopped) {
        if (!partitions.terminated(stopped.id())) {
            getContext().getLog().error("Partition {} stopped on its own; it is unavailable until the broker restarts",
                    stopped.id());
            return this;
        }
        if (moves != null && moves.terminated(stopped.id()) && !shuttingDown && !deletion.inProgress()) {
            return this;
        }
        if (installs != null && installs.terminated(stopped.id()) && !shuttingDown && !deletion.inProgress()) {
            return this;
        }
        return afterPartitionsStop();
    }

    private Behavior<Command> stopAllPartitions() {
        partitions.stopAll();
        return afterPartitionsStop();
    }

    /**
     * Once no partition is stopping: a deleted topic's directories go, or, when shutting down, the
     * metadata log closes.
     */
    private Behavior<Command> afterPartitionsStop() {
        if (!partitions.noneStopping()) {
            return this;
        }
        if (deletion.inProgress()) {
            deletion.removeDirectories();
            return this;
        }
        RecordLog<TopicEvent> log = metadata;
        if (log == null) {
            getContext().getSelf().tell(new MetadataClosed(Optional.empty()));
            return this;
        }
        getContext().pipeToSelf(BlockingIo.run(blockingIo, () -> {
            log.close();
            return Done.getInstance();
        }), (done, failure) -> new MetadataClosed(Optional.ofNullable(failure).map(BlockingIo::cause)));
        return this;
    }

    // ---------------------------------------------------------------- shutdown

    /** Also for shutdowns that arrived while loading with the stash full. */
    Behavior<Command> onShutdown(ActorRef<Done> replyTo) {
        shutdownRequests.add(replyTo);
        if (shuttingDown) {
            return this;
        }
        shuttingDown = true;
        getContext().getLog().info("Topic registry shutting down: stopping its partitions ({})", partitions.size());
        if (journal != null) {
            // Its entry may be committed, but this node no longer carries entries out to answer it.
            change.finish(TopicError.OUTCOME_UNKNOWN, "the node is stopping; the change may still come into effect");
        }
        // A write in flight finishes first; changeDone() then refuses the commands waiting behind it.
        return nothingInFlight() ? stopAllPartitions() : this;
    }

    private Behavior<Command> onMetadataClosed(MetadataClosed closed) {
        closed.failure().ifPresent(failure -> getContext().getLog().error("Closing the metadata log {} failed; the"
                + " next start recovers it: {}", settings.metadataDir(), failure.toString()));
        getContext().getLog().info("Topic registry stopped");
        shutdownRequests.forEach(replyTo -> replyTo.tell(Done.getInstance()));
        return Behaviors.stopped();
    }
}
