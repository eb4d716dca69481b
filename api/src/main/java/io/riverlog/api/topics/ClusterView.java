package io.riverlog.api.topics;

import java.util.Map;
import java.util.Optional;

import io.riverlog.actors.cluster.ClusterMembers;
import io.riverlog.actors.cluster.NodeAddress;
import io.riverlog.actors.cluster.Placement;
import io.riverlog.actors.cluster.PublishedNodes;
import io.riverlog.actors.topics.TopicInfo;

/**
 * The cluster as the Kafka handlers and the HTTP API answer it: which node leads a partition or
 * coordinates a group ({@link Placement}), and where each node is reached, as the nodes registered
 * themselves in the metadata group. On a single node everything is here.
 */
public final class ClusterView {
    private final Placement placement;
    private final PublishedNodes nodes;

    public ClusterView(Placement placement, PublishedNodes nodes) {
        this.placement = placement;
        this.nodes = nodes;
    }

    /** A single node, which leads everything. */
    public static ClusterView single(int nodeId) {
        return new ClusterView(new Placement(ClusterMembers.single(nodeId)), new PublishedNodes());
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

    public int leaderOf(TopicInfo topic, int partition) {
        return placement.leaderOf(topic.topicId(), partition);
    }

    /** True if another node leads the partition of {@code topic}. */
    public boolean ledElsewhere(TopicInfo topic, int partition) {
        return !placement.isLocal(topic.topicId(), partition);
    }

    public int coordinatorOf(String groupId) {
        return placement.coordinatorOf(groupId);
    }

    public Placement placement() {
        return placement;
    }
}
