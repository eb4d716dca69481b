package io.riverlog.actors.topics;

import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

import io.riverlog.actors.cluster.Placement;
import io.riverlog.actors.partition.LogCleaner;
import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.actors.partition.Scrubber;
import io.riverlog.actors.replica.ReplicaApplier;
import io.riverlog.actors.replica.ReplicaProgress;
import io.riverlog.wal.Storage;

/**
 * The registry's children: one {@link PartitionActor} per partition, spawned with the log settings
 * its topic's configs give, named after its directory, watched, handed to the broker's
 * {@link Scrubber} and {@link LogCleaner}, and stopped on request. Used only on the registry's own thread.
 *
 * <p>What counts as stopped is a partition's termination, not its reply to Stop: termination also
 * comes for a partition that already stopped on its own, and only once its writer closed the files.
 */
final class PartitionChildren {
    private final ActorContext<TopicRegistry.Command> context;
    private final RegistrySettings settings;
    private final Storage storage;
    private final PartitionMetrics metrics;
    private final ActorRef<Scrubber.Command> scrubber;
    private final ActorRef<LogCleaner.Command> cleaner;
    /** The message the registry gets when a partition terminates. */
    private final Function<PartitionId, TopicRegistry.Command> terminationMessage;
    /** Which partitions this node runs: all of them on a single node, those it holds a replica of in a cluster. */
    private final Placement placement;
    /** In a cluster, what hands each partition group's entries to the replicas here; null on a single node. */
    private final ReplicaApplier replicas;
    private final Map<PartitionId, ActorRef<PartitionActor.Command>> running = new HashMap<>();
    private final Set<PartitionId> stopping = new HashSet<>();

    PartitionChildren(ActorContext<TopicRegistry.Command> context, RegistrySettings settings, Storage storage,
                      PartitionMetrics metrics, ActorRef<Scrubber.Command> scrubber,
                      ActorRef<LogCleaner.Command> cleaner,
                      Function<PartitionId, TopicRegistry.Command> terminationMessage, Placement placement,
                      ReplicaApplier replicas) {
        this.context = context;
        this.settings = settings;
        this.storage = storage;
        this.metrics = metrics;
        this.scrubber = scrubber;
        this.cleaner = cleaner;
        this.terminationMessage = terminationMessage;
        this.placement = placement;
        this.replicas = replicas;
    }

    /**
     * Spawns the partitions {@code [from, to)} of the topic that this node runs, but not those running or
     * stopping (a partition group's move to this node spawns what it did not run yet).
     */
    void spawn(TopicInfo topic, int from, int to) {
        spawn(topic, from, to, Set.of());
    }

    /** As {@link #spawn(TopicInfo, int, int)}, but not the partitions in {@code held} either. */
    void spawn(TopicInfo topic, int from, int to, Set<PartitionId> held) {
        PartitionSettings partitionSettings = TopicConfigs.partitionSettings(settings.partition(), topic.configs());
        for (PartitionId id : TopicTable.partitionsOf(topic.name(), from, to)) {
            if (!placement.hostsReplica(topic.topicId(), id.partition()) || running.containsKey(id)
                    || stopping.contains(id) || held.contains(id)) {
                continue;
            }
            Path dir = settings.partitionDir(id);
            // A replica's log is the state its group's Raft log builds: written without fsyncing (ReplicaProgress).
            ActorRef<PartitionActor.Command> ref = context.spawn(replicas == null
                    ? PartitionActor.create(id, dir, partitionSettings, storage, metrics)
                    : PartitionActor.create(id, dir, ReplicaProgress.settingsOf(partitionSettings), storage,
                            metrics, ReplicaProgress.OPENER),
                    id.directoryName());
            if (replicas != null) {
                replicas.register(id, topic.topicId(), ref, dir);
            }
            context.watchWith(ref, terminationMessage.apply(id));
            running.put(id, ref);
            scrubber.tell(new Scrubber.Add(id, ref));
            cleaner.tell(new LogCleaner.Add(id, ref));
        }
    }

    /** The topic with this id is deleted: its entries in the partition groups' logs go nowhere. */
    void topicDeleted(java.util.UUID topicId) {
        if (replicas != null) {
            replicas.topicDeleted(topicId);
        }
    }

    /** Applies the topic's (new) configs to its running partitions. */
    void reconfigure(TopicInfo topic) {
        PartitionSettings partitionSettings = TopicConfigs.partitionSettings(settings.partition(), topic.configs());
        PartitionActor.Reconfigure reconfigure = new PartitionActor.Reconfigure(partitionSettings.log(),
                partitionSettings.appendPolicy());
        for (PartitionId id : TopicTable.partitionsOf(topic.name(), 0, topic.partitions())) {
            ActorRef<PartitionActor.Command> ref = running.get(id);
            if (ref != null && !stopping.contains(id)) {
                ref.tell(reconfigure);
            }
        }
    }

    /** The partitions of {@code [from, to)} of the topic that this node runs. */
    List<PartitionId> local(String topic, java.util.UUID topicId, int from, int to) {
        return TopicTable.partitionsOf(topic, from, to).stream()
                .filter(id -> placement.hostsReplica(topicId, id.partition())).toList();
    }

    Optional<ActorRef<PartitionActor.Command>> get(PartitionId id) {
        return Optional.ofNullable(running.get(id));
    }

    int size() {
        return running.size();
    }

    /** Tells the running ones among {@code ids} to stop, flushing and closing their logs. */
    void stop(Collection<PartitionId> ids) {
        ActorRef<Done> ignored = context.getSystem().ignoreRef();
        for (PartitionId id : ids) {
            ActorRef<PartitionActor.Command> ref = running.get(id);
            if (ref != null && stopping.add(id)) {
                if (replicas != null) {
                    replicas.stopping(id);
                }
                ref.tell(new PartitionActor.Stop(ignored));
            }
        }
    }

    void stopAll() {
        stop(List.copyOf(running.keySet()));
    }

    /** True once every partition told to stop has terminated. */
    boolean noneStopping() {
        return stopping.isEmpty();
    }

    /** A partition terminated; false if nobody told it to stop. */
    boolean terminated(PartitionId id) {
        running.remove(id);
        if (replicas != null) {
            replicas.unregister(id);
        }
        return stopping.remove(id);
    }
}
