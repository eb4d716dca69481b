package io.riverlog.actors.topics;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

import io.riverlog.actors.cluster.GroupHosting;
import io.riverlog.actors.cluster.Placement;
import io.riverlog.actors.cluster.ReplicatedJournal;
import io.riverlog.actors.partition.PartitionId;

/**
 * Partition groups moving between nodes (Kafka's partition reassignment), as this node's registry
 * takes part. Where a group is going is decided in the metadata group: a move asked for sets its
 * target ({@link MetadataEntries#MOVE_GROUPS}), and the move is over once the group's Raft
 * configuration is the target, which its leader records ({@link MetadataEntries#GROUP_MOVED}).
 * Three things follow on every node, each done again until it holds ({@link #reconcile}):
 * <ul>
 *   <li>a node that a move takes a group to starts the group's division, outside its configuration,
 *       and its replicas of the group's partitions: the leader sends it the group's log from the
 *       start (or, if it was purged, the member copies the group's state first), which its replicas
 *       apply as any member's do;</li>
 *   <li>the group's leader changes the group's configuration to the target ({@link #check}): Raft
 *       has the new members catch up before the configuration that counts them commits;</li>
 *   <li>a node the group left stops its division (removing its Raft log), then its replicas of the
 *       group's partitions, then removes their directories.</li>
 * </ul>
 * A crash between steps is repaired by the next start's reconciliation. Used only on the registry's
 * own thread.
 */
final class GroupMoves {

    /** Time to look for moves to carry out as a group's leader. */
    record Check() implements TopicRegistry.Command {
    }

    /** A division of a group started or stopped here (or failed to). */
    record HostingChanged(int group, String what, Optional<Throwable> failure) implements TopicRegistry.Command {
    }

    /** A group's configuration changed to {@code members} (or failed to), through this node. */
    record Reconfigured(int group, List<Integer> members, Optional<Throwable> failure)
            implements TopicRegistry.Command {
    }

    /** The end of a move this node carried out is recorded in the metadata group (or failed to be). */
    record MoveRecorded(int group, List<Integer> members, Optional<Throwable> failure)
            implements TopicRegistry.Command {
    }

    /** A partition that moved away from this node has no directory here any more. */
    record MovedAwayRemoved(PartitionId id, Optional<Throwable> failure) implements TopicRegistry.Command {
    }

    private final ActorContext<TopicRegistry.Command> context;
    private final RegistrySettings settings;
    private final Executor blockingIo;
    private final TopicDirectories directories;
    private final PartitionChildren partitions;
    private final Placement placement;
    private final GroupHosting hosting;
    private final ReplicatedJournal journal;
    private final Duration checkInterval;
    /** Groups whose division is starting or stopping here. */
    private final Set<Integer> hostingChanges = new HashSet<>();
    /** Groups whose configuration this node is changing. */
    private final Set<Integer> reconfiguring = new HashSet<>();
    /** The last failure of each group's move, to say a repeated one once. */
    private final Map<Integer, String> lastFailure = new HashMap<>();
    /** The target each group was last tried for, to say so once per target rather than once per attempt. */
    private final Map<Integer, List<Integer>> tried = new HashMap<>();
    /**
     * Moves this node carried out and recorded, until the metadata group's entry reaches this node: not
     * tried again meanwhile (a leader the move removed is stepping down).
     */
    private final Map<Integer, List<Integer>> recorded = new HashMap<>();
    /** Partitions stopped because their group left this node; their directories go once they stopped. */
    private final Set<PartitionId> movingAway = new HashSet<>();
    /** Partitions being replaced by copies from their group's leader ({@link ReplicaInstalls}): not spawned here. */
    private final Set<PartitionId> installing;

    GroupMoves(ActorContext<TopicRegistry.Command> context, RegistrySettings settings, Executor blockingIo,
               TopicDirectories directories, PartitionChildren partitions, Placement placement,
               GroupHosting hosting, ReplicatedJournal journal, Duration checkInterval, Set<PartitionId> installing) {
        this.context = context;
        this.settings = settings;
        this.blockingIo = blockingIo;
        this.directories = directories;
        this.partitions = partitions;
        this.placement = placement;
        this.hosting = hosting;
        this.journal = journal;
        this.checkInterval = checkInterval;
        this.installing = installing;
    }

    /** Starts looking for moves every check interval. */
    void start() {
        context.scheduleOnce(checkInterval, context.getSelf(), new Check());
    }

    /**
     * Brings this node in line with where the groups are: starts the divisions and replicas of groups
     * it hosts, and stops those of groups it no longer does (the division first, then the replicas).
     */
    void reconcile(TopicTable topics) {
        Set<Integer> hosted = reconcileHosting();
        Set<PartitionId> held = new HashSet<>(movingAway);
        held.addAll(installing);
        for (TopicInfo topic : topics.all()) {
            partitions.spawn(topic, 0, topic.partitions(), held);
            List<PartitionId> away = new ArrayList<>();
            for (PartitionId id : TopicTable.partitionsOf(topic.name(), 0, topic.partitions())) {
                int group = placement.groupOf(topic.topicId(), id.partition());
                if (partitions.get(id).isPresent() && !placement.hostsGroup(group) && !hosted.contains(group)
                        && movingAway.add(id)) {
                    away.add(id);
                }
            }
            partitions.stop(away);
        }
    }

    /**
     * Starts the divisions of the groups this node hosts and stops those of groups it no longer does;
     * returns the groups whose division ran here before.
     */
    Set<Integer> reconcileHosting() {
        Set<Integer> hosted = hosting.hosted();
        for (int group = 0; group < placement.groups(); group++) {
            if (hostingChanges.contains(group)) {
                continue;
            }
            boolean wanted = placement.hostsGroup(group);
            if (wanted && !hosted.contains(group)) {
                List<Integer> others = placement.replicasOfGroup(group);
                context.getLog().info("Partition group {} moves to this node: joining it (members {})", group,
                        others);
                changeHosting(group, "joining", hosting.join(group, others));
            } else if (!wanted && hosted.contains(group)) {
                context.getLog().info("Partition group {} moved away from this node (to {}): leaving it", group,
                        placement.replicasOfGroup(group));
                changeHosting(group, "leaving", hosting.leave(group));
            }
        }
        return hosted;
    }

    private void changeHosting(int group, String what, CompletionStage<Void> change) {
        hostingChanges.add(group);
        context.pipeToSelf(change, (done, failure) -> new HostingChanged(group, what,
                Optional.ofNullable(failure).map(BlockingIo::cause)));
    }

    /**
     * A division started or stopped; false if that failed (logged; tried again at the next check, not at
     * once, as the failure may last).
     */
    boolean hostingChanged(HostingChanged changed) {
        hostingChanges.remove(changed.group());
        changed.failure().ifPresent(failure -> context.getLog().warn("{} partition group {} failed; trying again in"
                + " {}: {}", changed.what(), changed.group(), checkInterval, failure.toString()));
        return changed.failure().isEmpty();
    }

    /** As a group's leader, changes the configuration of the groups whose move is under way. */
    void check() {
        recorded.entrySet().removeIf(move -> !placement.targetOfGroup(move.getKey())
                .equals(Optional.of(move.getValue())));
        placement.moved().all().forEach((group, membership) -> membership.target().ifPresent(target -> {
            if (hosting.leads(group) && !target.equals(recorded.get(group)) && reconfiguring.add(group)) {
                if (!target.equals(tried.put(group, target))) {
                    context.getLog().info("Moving partition group {} from nodes {} to {}", group,
                            membership.members(), target);
                }
                context.pipeToSelf(hosting.reconfigure(group, target), (done, failure) -> new Reconfigured(group,
                        target, Optional.ofNullable(failure).map(BlockingIo::cause)));
            }
        }));
        context.scheduleOnce(checkInterval, context.getSelf(), new Check());
    }

    /** The configuration changed: records the end of the move; or it did not, and the next check tries again. */
    void reconfigured(Reconfigured reconfigured) {
        if (reconfigured.failure().isPresent()) {
            reconfiguring.remove(reconfigured.group());
            // Said once per target (a target node that is down fails every attempt until it is back).
            String failure = reconfigured.failure().get().toString();
            if (!failure.equals(lastFailure.put(reconfigured.group(), failure))) {
                context.getLog().warn("Moving partition group {} to nodes {} failed; trying again every {}: {}",
                        reconfigured.group(), reconfigured.members(), checkInterval, failure);
            }
            return;
        }
        lastFailure.remove(reconfigured.group());
        byte[] entry = MetadataEntries.groupMoved(new MetadataEntries.GroupMove(reconfigured.group(),
                reconfigured.members()));
        context.pipeToSelf(journal.submit(entry), (committed, failure) -> new MoveRecorded(reconfigured.group(),
                reconfigured.members(), Optional.ofNullable(failure).map(BlockingIo::cause)));
    }

    void recorded(MoveRecorded recorded) {
        reconfiguring.remove(recorded.group());
        if (recorded.failure().isEmpty()) {
            this.recorded.put(recorded.group(), recorded.members());
        }
        recorded.failure().ifPresent(failure -> context.getLog().warn("Recording the move of partition group {}"
                + " failed; trying again in {}: {}", recorded.group(), checkInterval, failure.toString()));
    }

    /**
     * A partition terminated: if it moved away, its directory is removed. True if it did (the registry
     * has nothing else to do for it).
     */
    boolean terminated(PartitionId id) {
        if (!movingAway.contains(id)) {
            return false;
        }
        Path dir = settings.partitionDir(id);
        context.pipeToSelf(BlockingIo.run(blockingIo, () -> {
            directories.delete(dir);
            return Done.getInstance();
        }), (done, failure) -> new MovedAwayRemoved(id, Optional.ofNullable(failure).map(BlockingIo::cause)));
        return true;
    }

    void removed(MovedAwayRemoved removed) {
        movingAway.remove(removed.id());
        if (removed.failure().isPresent()) {
            context.getLog().error("Partition {} moved away, but removing its directory failed; the next start"
                    + " removes it: {}", removed.id(), removed.failure().get().toString());
        } else {
            context.getLog().info("Partition {} moved away from this node; its data here is removed", removed.id());
        }
    }
}
