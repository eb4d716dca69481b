package io.riverlog.actors.topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

import io.riverlog.actors.cluster.Placement;
import io.riverlog.actors.cluster.ReplicatedJournal;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.replica.ReplicaApplier;
import io.riverlog.actors.topics.TopicRegistry.Command;
import io.riverlog.wal.Storage;

/**
 * The registry's first behaviour in a cluster, where the metadata group's log is the truth instead of
 * a local metadata log. Once the consensus engine runs, the registry submits a barrier entry and
 * applies every entry that comes before it to its topic table; an entry committed before this
 * node started is thus carried out before the registry answers anything. Until a majority of the
 * nodes elects a leader the barrier is not committed: the registry says so in the log every
 * {@code retryInterval} and submits it again. Then directories of partitions this node does not run
 * are removed (as a single node removes those of unknown topics), and the registry takes over with
 * the stash. Meanwhile commands wait in the bounded stash, as when a single node loads.
 */
final class ClusterRegistryStart {

    private record JournalReady(ReplicatedJournal journal) implements Command {
    }

    private record JournalFailed(Throwable cause) implements Command {
    }

    private record BarrierCommitted(long index) implements Command {
    }

    private record BarrierFailed(Throwable cause) implements Command {
    }

    private record SubmitBarrier() implements Command {
    }

    private record CleanedUp(TopicDirectories.Cleanup cleanup) implements Command {
    }

    private record CleanupFailed(Throwable cause) implements Command {
    }

    /** Builds the registry once the node has caught up. */
    @FunctionalInterface
    interface Ready {
        TopicRegistry registry(ActorContext<Command> context, StashBuffer<Command> stash, Executor blockingIo,
                               RegistryLoader.Loaded loaded, ReplicatedJournal journal);
    }

    private final ActorContext<Command> context;
    private final StashBuffer<Command> stash;
    private final TimerScheduler<Command> timers;
    private final RegistrySettings settings;
    private final Storage storage;
    private final Placement placement;
    private final ReplicaApplier replicas;
    private final Duration retryInterval;
    private final Ready ready;
    private final Executor blockingIo;
    private final TopicTable topics = new TopicTable();
    private final List<ActorRef<Done>> shutdownsNotStashed = new ArrayList<>();
    private ReplicatedJournal journal;
    private long appliedIndex = -1;
    private long barrierIndex = Long.MAX_VALUE;
    private int entries;
    private boolean cleaning;

    private ClusterRegistryStart(ActorContext<Command> context, StashBuffer<Command> stash,
                                 TimerScheduler<Command> timers, RegistrySettings settings, Storage storage,
                                 Placement placement, ReplicaApplier replicas, Duration retryInterval, Ready ready) {
        this.context = context;
        this.stash = stash;
        this.timers = timers;
        this.settings = settings;
        this.storage = storage;
        this.placement = placement;
        this.replicas = replicas;
        this.retryInterval = retryInterval;
        this.ready = ready;
        this.blockingIo = BlockingIo.executor(context);
    }

    static Behavior<Command> joining(RegistrySettings settings, Storage storage, Placement placement,
                                     ReplicaApplier replicas, CompletionStage<ReplicatedJournal> journal,
                                     Duration retryInterval, Ready ready) {
        return Behaviors.setup(context -> Behaviors.withStash(settings.pendingCommands(), stash ->
                Behaviors.withTimers(timers -> {
                    context.setLoggerName(TopicRegistry.class);
                    context.pipeToSelf(journal, (started, failure) -> failure == null ? new JournalReady(started)
                            : new JournalFailed(BlockingIo.cause(failure)));
                    return new ClusterRegistryStart(context, stash, timers, settings, storage, placement,
                            replicas, retryInterval, ready).waiting();
                })));
    }

    private Behavior<Command> waiting() {
        return Behaviors.receive(Command.class)
                .onMessage(JournalReady.class, started -> {
                    journal = started.journal();
                    submitBarrier();
                    return Behaviors.same();
                })
                .onMessage(JournalFailed.class, failed -> cannotStart("the consensus engine did not start: "
                        + failed.cause().getMessage()))
                .onMessage(SubmitBarrier.class, submit -> {
                    submitBarrier();
                    return Behaviors.same();
                })
                .onMessage(BarrierFailed.class, failed -> {
                    context.getLog().warn("Waiting for a majority of the metadata group (nodes {}, {} needed) to"
                            + " elect a leader; trying again in {}: {}", placement.members().nodeIds(),
                            placement.members().majority(), retryInterval, failed.cause().toString());
                    timers.startSingleTimer(new SubmitBarrier(), retryInterval);
                    return Behaviors.same();
                })
                .onMessage(BarrierCommitted.class, committed -> {
                    barrierIndex = committed.index();
                    return cleanUpOnceCaughtUp();
                })
                .onMessage(MetadataStateMachine.Applied.class, applied -> {
                    applied.change().ifPresent(change -> {
                        try {
                            topics.apply(change);
                            if (change instanceof TopicEvent.Deleted) {
                                // Entries of it left in the partition groups' logs have no replica to go to.
                                replicas.topicDeleted(change.topicId());
                            }
                        } catch (IllegalStateException e) {
                            context.getLog().error("Metadata entry {} does not fit the topics: {}", applied.index(),
                                    e.getMessage());
                        }
                    });
                    appliedIndex = applied.index();
                    entries++;
                    return cleanUpOnceCaughtUp();
                })
                .onMessage(CleanedUp.class, cleaned -> {
                    RegistryLoader.Loaded loaded = new RegistryLoader.Loaded(null, topics, 0, entries,
                            cleaned.cleanup());
                    TopicRegistry registry = ready.registry(context, stash, blockingIo, loaded, journal);
                    Behavior<Command> next = stash.unstashAll(registry);
                    for (ActorRef<Done> replyTo : shutdownsNotStashed) {
                        next = registry.onShutdown(replyTo);
                    }
                    return next;
                })
                .onMessage(CleanupFailed.class, failed -> cannotStart("removing the directories of partitions this node"
                        + " does not run failed: " + failed.cause().getMessage()))
                .onMessage(TopicRegistry.Shutdown.class, shutdown -> {
                    // Nothing runs yet: no partition was spawned. A node that never reached a majority stops at once.
                    context.getLog().info("Topic registry stopped before it caught up with the metadata group");
                    shutdownsNotStashed.add(shutdown.replyTo());
                    return stopped("the node is stopping");
                })
                .onAnyMessage(message -> {
                    RegistryStart.hold(message, stash, shutdownsNotStashed, "the topic registry is still joining"
                            + " the metadata group and " + settings.pendingCommands() + " commands are waiting");
                    return Behaviors.same();
                })
                .build();
    }

    private void submitBarrier() {
        context.pipeToSelf(journal.submit(MetadataEntries.barrier()), (committed, failure) -> failure == null
                ? new BarrierCommitted(committed.index()) : new BarrierFailed(BlockingIo.cause(failure)));
    }

    private Behavior<Command> cleanUpOnceCaughtUp() {
        if (cleaning || appliedIndex < barrierIndex) {
            return Behaviors.same();
        }
        cleaning = true;
        Set<String> local = new HashSet<>();
        for (TopicInfo topic : topics.all()) {
            for (PartitionId id : TopicTable.partitionsOf(topic.name(), 0, topic.partitions())) {
                if (placement.hostsReplica(topic.topicId(), id.partition())) {
                    local.add(id.directoryName());
                }
            }
        }
        TopicDirectories directories = new TopicDirectories(storage, settings.topicsDir());
        context.pipeToSelf(BlockingIo.run(blockingIo, () -> {
            storage.createDirectories(settings.topicsDir());
            return directories.removeUnknown(local);
        }), (cleanup, failure) -> failure == null ? new CleanedUp(cleanup)
                : new CleanupFailed(BlockingIo.cause(failure)));
        context.getLog().info("Caught up with the metadata group at entry {}: topics {}", barrierIndex,
                topics.all().size());
        return Behaviors.same();
    }

    private Behavior<Command> cannotStart(String reason) {
        context.getLog().error("The topic registry cannot start: {}", reason);
        return stopped("the topic registry could not start: " + reason);
    }

    private Behavior<Command> stopped(String reason) {
        stash.forEach(message -> message.fail(TopicError.NOT_AVAILABLE, reason));
        shutdownsNotStashed.forEach(replyTo -> replyTo.tell(Done.getInstance()));
        return Behaviors.stopped();
    }
}
