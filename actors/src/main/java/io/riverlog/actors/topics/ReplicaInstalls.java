package io.riverlog.actors.topics;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.replica.ReplicaFiles;
import io.riverlog.wal.Storage;

/**
 * Replicas of a partition group replaced by copies from the group's leader, as this node's registry
 * carries it out ({@link TopicRegistry.InstallReplicas}): a member that needs entries the leader
 * purged gets the group's partitions as the leader's replicas hold them. The partitions are held
 * (not spawned by anything else), stopped, their directories replaced ({@link ReplicaFiles#install}),
 * and spawned again. Used only on the registry's own thread.
 */
final class ReplicaInstalls {

    /** The copies of a group's replicas are in place (or failed to be). */
    record Replaced(int group, Optional<Throwable> failure) implements TopicRegistry.Command {
    }

    private record Pending(TopicRegistry.InstallReplicas install, Set<PartitionId> waitingFor) {
    }

    private final ActorContext<TopicRegistry.Command> context;
    private final RegistrySettings settings;
    private final Storage storage;
    private final Executor blockingIo;
    private final PartitionChildren partitions;
    /** The partitions being replaced: nothing spawns them meanwhile. */
    private final Set<PartitionId> held = new HashSet<>();
    private final Map<Integer, Pending> pending = new HashMap<>();

    ReplicaInstalls(ActorContext<TopicRegistry.Command> context, RegistrySettings settings, Storage storage,
                    Executor blockingIo, PartitionChildren partitions) {
        this.context = context;
        this.settings = settings;
        this.storage = storage;
        this.blockingIo = blockingIo;
        this.partitions = partitions;
    }

    /** The partitions being replaced, live: whoever spawns partitions leaves these alone. */
    Set<PartitionId> held() {
        return held;
    }

    /**
     * Starts replacing the group's replicas: refused if one of their topics is not known here under
     * that id (this node's metadata lags the group's; the member is asked again later).
     */
    void install(TopicRegistry.InstallReplicas install, TopicTable topics) {
        if (pending.containsKey(install.group())) {
            install.installed().completeExceptionally(new IllegalStateException("the replicas of partition group "
                    + install.group() + " are being replaced already"));
            return;
        }
        for (TopicRegistry.StagedReplica replica : install.replicas()) {
            Optional<TopicInfo> topic = topics.get(replica.id().topic());
            if (topic.isEmpty() || !topic.get().topicId().equals(replica.topicId())) {
                install.installed().completeExceptionally(new IllegalStateException("topic " + replica.id().topic()
                        + " (id " + replica.topicId() + ") is not known on this node yet"));
                return;
            }
        }
        List<PartitionId> ids = install.replicas().stream().map(TopicRegistry.StagedReplica::id).toList();
        held.addAll(ids);
        Set<PartitionId> waitingFor = new HashSet<>();
        for (PartitionId id : ids) {
            if (partitions.get(id).isPresent()) {
                waitingFor.add(id);
            }
        }
        pending.put(install.group(), new Pending(install, waitingFor));
        partitions.stop(waitingFor);
        if (waitingFor.isEmpty()) {
            replace(install);
        }
    }

    /** A partition terminated: true if it was stopped to be replaced (the registry has nothing else to do for it). */
    boolean terminated(PartitionId id) {
        if (!held.contains(id)) {
            return false;
        }
        for (Pending waiting : pending.values()) {
            if (waiting.waitingFor().remove(id) && waiting.waitingFor().isEmpty()) {
                replace(waiting.install());
            }
        }
        return true;
    }

    private void replace(TopicRegistry.InstallReplicas install) {
        List<TopicRegistry.StagedReplica> replicas = install.replicas();
        context.pipeToSelf(BlockingIo.run(blockingIo, () -> {
            for (TopicRegistry.StagedReplica replica : replicas) {
                Path dir = settings.partitionDir(replica.id());
                ReplicaFiles.install(replica.staged(), dir, replica.applied(), storage);
            }
            return Done.getInstance();
        }), (done, failure) -> new Replaced(install.group(), Optional.ofNullable(failure).map(BlockingIo::cause)));
    }

    /** The directories are replaced (or not): the partitions may be spawned again, and the installer hears. */
    void replaced(Replaced replaced) {
        Pending done = pending.remove(replaced.group());
        done.install().replicas().forEach(replica -> held.remove(replica.id()));
        if (replaced.failure().isPresent()) {
            context.getLog().error("Replacing the replicas of partition group {} by the leader's copies failed: {}",
                    replaced.group(), replaced.failure().get().toString());
            done.install().installed().completeExceptionally(replaced.failure().get());
        } else {
            context.getLog().info("Replaced the replicas of partition group {} by the leader's copies: {}",
                    replaced.group(), done.install().replicas().stream().map(TopicRegistry.StagedReplica::id)
                            .toList());
            done.install().installed().complete(null);
        }
    }
}
