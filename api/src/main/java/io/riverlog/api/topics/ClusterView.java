package io.riverlog.api.topics;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.riverlog.actors.cluster.ClusterMembers;
import io.riverlog.actors.cluster.LeadershipTransfers;
import io.riverlog.actors.cluster.NodeAddress;
import io.riverlog.actors.cluster.Placement;
import io.riverlog.actors.cluster.PublishedNodes;
import io.riverlog.actors.replica.ReplicatedAppends;
import io.riverlog.actors.topics.TopicInfo;

/**
 * The cluster as the Kafka handlers and the HTTP API answer it: which node leads a partition or
 * coordinates a group ({@link Placement}), and where each node is reached, as the nodes registered
 * themselves in the metadata group. On a single node everything is here.
 */
public final class ClusterView {
    /** The leader of a partition whose group is electing one. */
    public static final int NO_LEADER = -1;

    private final Placement placement;
    private final PublishedNodes nodes;
    private final Optional<ReplicatedAppends> appends;
    private final Optional<LeadershipTransfers> transfers;

    /**
     * A node of a cluster, which appends to its partitions through their groups' {@code appends} and
     * moves a group's leadership with {@code transfers}.
     */
    public ClusterView(Placement placement, PublishedNodes nodes, ReplicatedAppends appends,
                       LeadershipTransfers transfers) {
        this(placement, nodes, Optional.of(appends), Optional.of(transfers));
    }

    private ClusterView(Placement placement, PublishedNodes nodes, Optional<ReplicatedAppends> appends,
                        Optional<LeadershipTransfers> transfers) {
        this.placement = placement;
        this.nodes = nodes;
        this.appends = appends;
        this.transfers = transfers;
    }

    /** A single node, which leads everything. */
    public static ClusterView single(int nodeId) {
        return new ClusterView(new Placement(ClusterMembers.single(nodeId)), new PublishedNodes(), Optional.empty(),
                Optional.empty());
    }

    /** How a group's leadership is moved; empty on a single node. */
    public Optional<LeadershipTransfers> transfers() {
        return transfers;
    }

    /** True in a cluster: then other nodes lead partitions and their addresses come from {@link #nodes()}. */
    public boolean isCluster() {
        return placement.members().replicated();
    }

    public int self() {
        return placement.members().self();
    }

    /** The registered nodes by id (in a cluster; a single node registers nowhere). */
    public Map<Integer, NodeAddress> nodes() {
        return nodes.all();
    }

    public Optional<NodeAddress> node(int nodeId) {
        return nodes.get(nodeId);
    }

    /** The node that leads the partition now, or {@link #NO_LEADER} while its group elects one. */
    public int leaderOf(TopicInfo topic, int partition) {
        return placement.leaderOf(topic.topicId(), partition).orElse(NO_LEADER);
    }

    /** The partition's leader epoch as this node knows it (see {@link Placement#leaderEpochOf}). */
    public int leaderEpochOf(TopicInfo topic, int partition) {
        return placement.leaderEpochOf(topic.topicId(), partition);
    }

    /** The nodes that hold a replica of the partition, its preferred leader first. */
    public List<Integer> replicasOf(TopicInfo topic, int partition) {
        return placement.replicasOf(topic.topicId(), partition);
    }

    /** The partition's replicas that are in sync, as this node knows them ({@link Placement#inSyncReplicasOf}). */
    public List<Integer> inSyncReplicasOf(TopicInfo topic, int partition) {
        return placement.inSyncReplicasOf(topic.topicId(), partition);
    }

    /** How the partitions of a cluster are appended to (through their groups); empty on a single node. */
    public Optional<ReplicatedAppends> appends() {
        return appends;
    }

    /** True if another node leads the partition of {@code topic}, or none does yet. */
    public boolean ledElsewhere(TopicInfo topic, int partition) {
        return !placement.isLocal(topic.topicId(), partition);
    }

    /** The node that coordinates the group now (the leader of its shard); empty while none is known. */
    public java.util.OptionalInt coordinatorOf(String groupId) {
        return placement.coordinatorOf(groupId);
    }

    public Placement placement() {
        return placement;
    }
}
