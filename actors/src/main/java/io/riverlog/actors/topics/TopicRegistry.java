package io.riverlog.actors.topics;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.wal.RecordLog;
import io.riverlog.wal.Storage;
import io.riverlog.wal.WriteOutcomeUnknownException;

/**
 * Topic metadata, and the parent of one {@link PartitionActor} per partition of every topic.
 *
 * <p>The metadata log ({@code <data-dir>/meta}, see {@link TopicEvents}) is the truth: at start the
 * registry replays it, removes partition directories of topics it does not name, and spawns the
 * partitions; commands wait in a bounded stash meanwhile. A change (create, delete, add partitions,
 * alter configs) is validated, written and fsynced, and only then applied and answered. Changes run
 * one at a time; the next ones wait in the stash, while queries are answered at once from what is
 * already durable. All file IO runs on the blocking-IO dispatcher.
 *
 * <p>Delete writes its event first, then stops the topic's partitions, then removes their
 * directories; a crash between these steps leaves directories that the next start removes. Create
 * removes leftovers under the new partitions' names before writing, so a re-created topic always
 * starts empty.
 *
 * <p>Topic configs become the log settings of partitions spawned after the change (partitions
 * added later, and every partition at the next start); partitions already running keep theirs.
 */
public final class TopicRegistry extends AbstractBehavior<TopicRegistry.Command> {

    public interface Command {
    }

    // ---------------------------------------------------------------- changes

    /** Creates a topic; a count of {@link #DEFAULT_PARTITIONS} takes {@code riverlog.topics.default-partitions}. */
    public record CreateTopic(String name, int partitions, Map<String, String> configs,
                              ActorRef<CreateTopicReply> replyTo) implements Command {
        public static final int DEFAULT_PARTITIONS = -1;

        public CreateTopic {
            Objects.requireNonNull(name, "name");
            configs = configs == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(configs));
        }
    }

    public sealed interface CreateTopicReply {
    }

    public record TopicCreated(TopicInfo topic) implements CreateTopicReply {
    }

    public record CreateTopicFailed(TopicError error, String message) implements CreateTopicReply {
    }

    /** Deletes a topic and its data; the reply comes once its partitions stopped and their files are gone. */
    public record DeleteTopic(String name, ActorRef<DeleteTopicReply> replyTo) implements Command {
        public DeleteTopic {
            Objects.requireNonNull(name, "name");
        }
    }

    public sealed interface DeleteTopicReply {
    }

    public record TopicDeleted(TopicInfo topic) implements DeleteTopicReply {
    }

    public record DeleteTopicFailed(TopicError error, String message) implements DeleteTopicReply {
    }

    /** Grows a topic to {@code newTotalCount} partitions; the new ones start empty. */
    public record CreatePartitions(String name, int newTotalCount, ActorRef<CreatePartitionsReply> replyTo)
            implements Command {
        public CreatePartitions {
            Objects.requireNonNull(name, "name");
        }
    }

    public sealed interface CreatePartitionsReply {
    }

    public record PartitionsCreated(TopicInfo topic) implements CreatePartitionsReply {
    }

    public record CreatePartitionsFailed(TopicError error, String message) implements CreatePartitionsReply {
    }

    /** Sets (present value) or removes (empty value) per-topic configs; see {@link TopicConfigs}. */
    public record AlterConfigs(String name, Map<String, Optional<String>> changes, ActorRef<AlterConfigsReply> replyTo)
            implements Command {
        public AlterConfigs {
            Objects.requireNonNull(name, "name");
            changes = Collections.unmodifiableMap(new LinkedHashMap<>(changes));
        }
    }

    public sealed interface AlterConfigsReply {
    }

    public record ConfigsAltered(TopicInfo topic) implements AlterConfigsReply {
    }

    public record AlterConfigsFailed(TopicError error, String message) implements AlterConfigsReply {
    }

    /** Stops every partition cleanly (flushed and closed), closes the metadata log, replies, and stops. */
    public record Shutdown(ActorRef<Done> replyTo) implements Command {
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

    // ---------------------------------------------------------------- internal

    private record MetadataLoaded(RegistryLoader.Loaded loaded) implements Command {
    }

    private record LoadFailed(Throwable cause) implements Command {
    }

    private record ChangeWritten(TopicEvent event) implements Command {
    }

    private record ChangeFailed(TopicEvent event, Throwable cause) implements Command {
    }

    private record PartitionStopped(PartitionId id) implements Command {
    }

    private record DirectoriesDeleted(Optional<Throwable> failure) implements Command {
    }

    private record MetadataClosed(Optional<Throwable> failure) implements Command {
    }

    // ---------------------------------------------------------------- state

    private final StashBuffer<Command> stash;
    private final RegistrySettings settings;
    private final Supplier<UUID> randomIds;
    private final Executor blockingIo;
    private final RecordLog<TopicEvent> metadata;
    private final TopicDirectories directories;
    private final TopicTable topics;
    private final PublishedTopics published;
    private final PartitionChildren partitions;
    /** The change being written or carried out; the next changes wait in the stash. */
    private Command changeInFlight;
    /** The topic whose deletion is being carried out. */
    private TopicInfo deleting;
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
        return Behaviors.setup(context -> Behaviors.withStash(settings.pendingCommands(), stash -> {
            Executor blockingIo = BlockingIo.executor(context);
            context.pipeToSelf(BlockingIo.run(blockingIo, () -> RegistryLoader.load(settings, storage, clock)),
                    (loaded, failure) -> failure == null ? new MetadataLoaded(loaded)
                            : new LoadFailed(BlockingIo.cause(failure)));
            return loading(context, stash, settings, loaded -> new TopicRegistry(context, stash, settings, storage,
                    metrics, randomIds, blockingIo, loaded, published));
        }));
    }

    /** Until the metadata log is replayed, commands wait in the stash. */
    private static Behavior<Command> loading(ActorContext<Command> context, StashBuffer<Command> stash,
                                             RegistrySettings settings,
                                             Function<RegistryLoader.Loaded, TopicRegistry> ready) {
        List<ActorRef<Done>> shutdownsNotStashed = new ArrayList<>();
        return Behaviors.receive(Command.class)
                .onMessage(MetadataLoaded.class, loaded -> {
                    TopicRegistry registry = ready.apply(loaded.loaded());
                    Behavior<Command> next = stash.unstashAll(registry);
                    for (ActorRef<Done> replyTo : shutdownsNotStashed) {
                        next = registry.onShutdown(new Shutdown(replyTo));
                    }
                    return next;
                })
                .onMessage(LoadFailed.class, failed -> {
                    context.getLog().error("The topic registry cannot start: loading {} failed", settings.metadataDir(),
                            failed.cause());
                    String reason = "the topic registry could not load its metadata: " + failed.cause().getMessage();
                    stash.forEach(message -> refuse(message, TopicError.STORAGE_ERROR, reason));
                    shutdownsNotStashed.forEach(replyTo -> replyTo.tell(Done.getInstance()));
                    return Behaviors.stopped();
                })
                .onAnyMessage(message -> {
                    if (!stash.isFull()) {
                        stash.stash(message);
                    } else if (message instanceof Shutdown shutdown) {
                        shutdownsNotStashed.add(shutdown.replyTo());
                    } else {
                        refuse(message, TopicError.NOT_AVAILABLE, "the topic registry is still loading and "
                                + settings.pendingCommands() + " commands are waiting");
                    }
                    return Behaviors.same();
                })
                .build();
    }

    private TopicRegistry(ActorContext<Command> context, StashBuffer<Command> stash, RegistrySettings settings,
                          Storage storage, PartitionMetrics metrics, Supplier<UUID> randomIds,
                          Executor blockingIo, RegistryLoader.Loaded loaded, PublishedTopics published) {
        super(context);
        this.published = published;
        this.stash = stash;
        this.settings = settings;
        this.partitions = new PartitionChildren(context, settings, storage, metrics, PartitionStopped::new);
        this.randomIds = randomIds;
        this.blockingIo = blockingIo;
        this.metadata = loaded.log();
        this.directories = new TopicDirectories(storage, settings.topicsDir());
        this.topics = loaded.topics();
        for (Path removed : loaded.cleanup().removed()) {
            context.getLog().info("Removed {}: it belongs to no partition of a known topic", removed);
        }
        for (Path ignored : loaded.cleanup().ignored()) {
            context.getLog().warn("Ignoring {}: its name is not that of a partition directory", ignored);
        }
        for (TopicInfo topic : topics.all()) {
            partitions.spawn(topic, 0, topic.partitions());
        }
        published.publish(topics.all());
        context.getLog().info("Topic registry loaded {} events from {}: topics {}, partitions {}",
                loaded.events(), settings.metadataDir(), topics.all().size(), partitions.size());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(ListTopics.class, this::onListTopics)
                .onMessage(DescribeTopic.class, this::onDescribeTopic)
                .onMessage(GetPartition.class, this::onGetPartition)
                .onMessage(CreateTopic.class, this::onCreateTopic)
                .onMessage(DeleteTopic.class, this::onDeleteTopic)
                .onMessage(CreatePartitions.class, this::onCreatePartitions)
                .onMessage(AlterConfigs.class, this::onAlterConfigs)
                .onMessage(Shutdown.class, this::onShutdown)
                .onMessage(ChangeWritten.class, this::onChangeWritten)
                .onMessage(ChangeFailed.class, this::onChangeFailed)
                .onMessage(PartitionStopped.class, this::onPartitionStopped)
                .onMessage(DirectoriesDeleted.class, this::onDirectoriesDeleted)
                .onMessage(MetadataClosed.class, this::onMetadataClosed)
                .build();
    }

    // ---------------------------------------------------------------- queries

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

    // ---------------------------------------------------------------- changes: validate, then write

    private Behavior<Command> onCreateTopic(CreateTopic create) {
        if (!startsNow(create)) {
            return this;
        }
        int count = create.partitions() == CreateTopic.DEFAULT_PARTITIONS
                ? settings.defaultPartitions() : create.partitions();
        Optional<TopicTable.Rejection> rejection = topics.checkCreate(create.name(), count,
                settings.maxPartitionsPerTopic(), create.configs());
        if (rejection.isPresent()) {
            return refused(create, rejection.get());
        }
        UUID id = topics.newTopicId(randomIds);
        return write(create, new TopicEvent.Created(create.name(), id, count, TopicConfigs.normalized(create.configs())),
                TopicTable.partitionsOf(create.name(), 0, count));
    }

    private Behavior<Command> onDeleteTopic(DeleteTopic delete) {
        if (!startsNow(delete)) {
            return this;
        }
        Optional<TopicTable.Rejection> rejection = topics.checkDelete(delete.name());
        if (rejection.isPresent()) {
            return refused(delete, rejection.get());
        }
        TopicInfo topic = topics.get(delete.name()).orElseThrow();
        return write(delete, new TopicEvent.Deleted(topic.name(), topic.topicId()), List.of());
    }

    private Behavior<Command> onCreatePartitions(CreatePartitions create) {
        if (!startsNow(create)) {
            return this;
        }
        Optional<TopicTable.Rejection> rejection = topics.checkCreatePartitions(create.name(),
                create.newTotalCount(), settings.maxPartitionsPerTopic());
        if (rejection.isPresent()) {
            return refused(create, rejection.get());
        }
        TopicInfo topic = topics.get(create.name()).orElseThrow();
        return write(create, new TopicEvent.PartitionsAdded(topic.name(), topic.topicId(), create.newTotalCount()),
                TopicTable.partitionsOf(topic.name(), topic.partitions(), create.newTotalCount()));
    }

    private Behavior<Command> onAlterConfigs(AlterConfigs alter) {
        if (!startsNow(alter)) {
            return this;
        }
        Optional<TopicTable.Rejection> rejection = topics.checkAlterConfigs(alter.name(), alter.changes());
        if (rejection.isPresent()) {
            return refused(alter, rejection.get());
        }
        TopicInfo topic = topics.get(alter.name()).orElseThrow();
        Map<String, String> configs = TopicConfigs.applyChanges(topic.configs(), alter.changes());
        return write(alter, new TopicEvent.ConfigsReplaced(topic.name(), topic.topicId(), configs), List.of());
    }

    /** True if the change may start; otherwise it waits its turn in the stash, or is refused. */
    private boolean startsNow(Command change) {
        if (shuttingDown) {
            refuse(change, TopicError.NOT_AVAILABLE, "the topic registry is shutting down");
            return false;
        }
        if (changeInFlight == null) {
            return true;
        }
        if (stash.isFull()) {
            refuse(change, TopicError.NOT_AVAILABLE, settings.pendingCommands() + " topic changes are already waiting");
        } else {
            stash.stash(change);
        }
        return false;
    }

    /**
     * On the blocking-IO dispatcher: removes leftover directories under the names the change will
     * use, then appends the event and fsyncs it.
     */
    private Behavior<Command> write(Command change, TopicEvent event, List<PartitionId> newPartitions) {
        changeInFlight = change;
        RecordLog<TopicEvent> log = metadata;
        List<Path> leftovers = newPartitions.stream().map(settings::partitionDir).toList();
        getContext().pipeToSelf(BlockingIo.run(blockingIo, () -> {
            for (Path dir : leftovers) {
                directories.delete(dir);
            }
            log.append(event);
            return event;
        }), (written, failure) -> failure == null ? new ChangeWritten(event)
                : new ChangeFailed(event, BlockingIo.cause(failure)));
        return this;
    }

    // ---------------------------------------------------------------- changes: durable, now apply

    private Behavior<Command> onChangeWritten(ChangeWritten written) {
        TopicEvent event = written.event();
        int partitionsBefore = topics.get(event.name()).map(TopicInfo::partitions).orElse(0);
        if (event instanceof TopicEvent.Deleted) {
            deleting = topics.get(event.name()).orElseThrow();
            topics.apply(event);
            published.publish(topics.all());
            getContext().getLog().info("Deleted topic {} (id {}); stopping its partitions ({}) and removing their data",
                    deleting.name(), deleting.topicId(), deleting.partitions());
            partitions.stop(TopicTable.partitionsOf(deleting.name(), 0, deleting.partitions()));
            return afterPartitionsStop();
        }
        topics.apply(event);
        published.publish(topics.all());
        TopicInfo topic = topics.get(event.name()).orElseThrow();
        partitions.spawn(topic, partitionsBefore, topic.partitions());
        if (event instanceof TopicEvent.Created) {
            getContext().getLog().info("Created topic {} (id {}): partitions {}, configs {}", topic.name(),
                    topic.topicId(), topic.partitions(), topic.configs());
        } else if (event instanceof TopicEvent.PartitionsAdded) {
            getContext().getLog().info("Topic {} grew from {} to {} partitions", topic.name(), partitionsBefore,
                    topic.partitions());
        } else {
            getContext().getLog().info("Altered configs of topic {}: now {}; running partitions keep their log"
                    + " settings until the next start", topic.name(), topic.configs());
        }
        answer(topic);
        return changeDone();
    }

    private Behavior<Command> onChangeFailed(ChangeFailed failed) {
        if (failed.cause() instanceof WriteOutcomeUnknownException) {
            getContext().getLog().error("Topic change {} failed, and whether it comes into effect at the next start is"
                    + " unknown; changes are refused until the metadata log is cut back: {}", failed.event(),
                    failed.cause().getMessage());
            refuse(changeInFlight, TopicError.OUTCOME_UNKNOWN, "writing the topic change failed and the outcome is"
                    + " unknown: it is not in effect now, but may be after a restart: " + failed.cause().getMessage());
        } else {
            getContext().getLog().error("Topic change {} failed; it is not in effect and never will be: {}",
                    failed.event(), failed.cause().getMessage());
            refuse(changeInFlight, TopicError.STORAGE_ERROR, "writing the topic change failed; it is not in effect: "
                    + failed.cause().getMessage());
        }
        return changeDone();
    }

    private Behavior<Command> onDirectoriesDeleted(DirectoriesDeleted deleted) {
        deleted.failure().ifPresent(failure -> getContext().getLog().error("Topic {} is deleted, but removing its"
                + " directories failed; the next start (or a new topic of that name) removes them: {}",
                deleting.name(), failure.toString()));
        answer(deleting);
        deleting = null;
        return changeDone();
    }

    private Behavior<Command> changeDone() {
        changeInFlight = null;
        if (shuttingDown) {
            stash.forEach(waiting -> refuse(waiting, TopicError.NOT_AVAILABLE, "the topic registry is shutting down"));
            stash.clear();
            return stopAllPartitions();
        }
        // Changes stashed again while unstashing (one started meanwhile) keep their order for the next round.
        return stash.unstashAll(this);
    }

    private void answer(TopicInfo topic) {
        if (changeInFlight instanceof CreateTopic create) {
            create.replyTo().tell(new TopicCreated(topic));
        } else if (changeInFlight instanceof DeleteTopic delete) {
            delete.replyTo().tell(new TopicDeleted(topic));
        } else if (changeInFlight instanceof CreatePartitions create) {
            create.replyTo().tell(new PartitionsCreated(topic));
        } else if (changeInFlight instanceof AlterConfigs alter) {
            alter.replyTo().tell(new ConfigsAltered(topic));
        }
    }

    // ---------------------------------------------------------------- partitions

    private Behavior<Command> onPartitionStopped(PartitionStopped stopped) {
        if (!partitions.terminated(stopped.id())) {
            getContext().getLog().error("Partition {} stopped on its own; it is unavailable until the broker restarts",
                    stopped.id());
            return this;
        }
        return afterPartitionsStop();
    }

    private Behavior<Command> stopAllPartitions() {
        partitions.stopAll();
        return afterPartitionsStop();
    }

    private Behavior<Command> afterPartitionsStop() {
        return partitions.noneStopping() ? partitionsStopped() : this;
    }

    /** The partitions of a deleted topic stopped: remove their data; or, when shutting down, all stopped. */
    private Behavior<Command> partitionsStopped() {
        if (deleting != null) {
            List<Path> dirs = TopicTable.partitionsOf(deleting.name(), 0, deleting.partitions()).stream()
                    .map(settings::partitionDir).toList();
            getContext().pipeToSelf(BlockingIo.run(blockingIo, () -> {
                for (Path dir : dirs) {
                    directories.delete(dir);
                }
                return Done.getInstance();
            }), (done, failure) -> new DirectoriesDeleted(Optional.ofNullable(failure).map(BlockingIo::cause)));
            return this;
        }
        RecordLog<TopicEvent> log = metadata;
        getContext().pipeToSelf(BlockingIo.run(blockingIo, () -> {
            log.close();
            return Done.getInstance();
        }), (done, failure) -> new MetadataClosed(Optional.ofNullable(failure).map(BlockingIo::cause)));
        return this;
    }

    // ---------------------------------------------------------------- shutdown

    private Behavior<Command> onShutdown(Shutdown shutdown) {
        shutdownRequests.add(shutdown.replyTo());
        if (shuttingDown) {
            return this;
        }
        shuttingDown = true;
        getContext().getLog().info("Topic registry shutting down: stopping its partitions ({})", partitions.size());
        // A change in flight finishes first; changeDone() then refuses the changes waiting behind it.
        return changeInFlight == null ? stopAllPartitions() : this;
    }

    private Behavior<Command> onMetadataClosed(MetadataClosed closed) {
        closed.failure().ifPresent(failure -> getContext().getLog().error("Closing the metadata log {} failed; the"
                + " next start recovers it: {}", settings.metadataDir(), failure.toString()));
        getContext().getLog().info("Topic registry stopped");
        shutdownRequests.forEach(replyTo -> replyTo.tell(Done.getInstance()));
        return Behaviors.stopped();
    }

    private Behavior<Command> refused(Command change, TopicTable.Rejection rejection) {
        refuse(change, rejection.error(), rejection.message());
        return this;
    }

    /**
     * Answers a change that cannot be carried out. Queries have no failed form: one dropped while
     * loading with a full stash is answered by its asker's timeout.
     */
    private static void refuse(Command command, TopicError error, String message) {
        if (command instanceof CreateTopic create) {
            create.replyTo().tell(new CreateTopicFailed(error, message));
        } else if (command instanceof DeleteTopic delete) {
            delete.replyTo().tell(new DeleteTopicFailed(error, message));
        } else if (command instanceof CreatePartitions create) {
            create.replyTo().tell(new CreatePartitionsFailed(error, message));
        } else if (command instanceof AlterConfigs alter) {
            alter.replyTo().tell(new AlterConfigsFailed(error, message));
        } else if (command instanceof Shutdown shutdown) {
            shutdown.replyTo().tell(Done.getInstance());
        }
    }
}
