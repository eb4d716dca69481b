package io.riverlog.actors.cluster;

import java.util.List;

/**
 * The nodes of a cluster by id, in ascending order, and which of them this one is. A broker started
 * without {@code --cluster} is a single node that replicates nothing ({@link #single}).
 *
 * @param self       this node's id
 * @param nodeIds    every node's id, this one's included, ascending
 * @param replicated true if the metadata is replicated by the cluster's Raft groups
 */
public record ClusterMembers(int self, List<Integer> nodeIds, boolean replicated) {

    public ClusterMembers {
        nodeIds = nodeIds.stream().sorted().toList();
        if (!nodeIds.contains(self)) {
            throw new IllegalArgumentException("node " + self + " is not one of the members " + nodeIds);
        }
        if (nodeIds.stream().distinct().count() != nodeIds.size()) {
            throw new IllegalArgumentException("node ids must differ: " + nodeIds);
        }
    }

    /** One broker on its own, as it runs without {@code --cluster}. */
    public static ClusterMembers single(int nodeId) {
        return new ClusterMembers(nodeId, List.of(nodeId), false);
    }

    /** How many nodes make a majority. */
    public int majority() {
        return nodeIds.size() / 2 + 1;
    }
}
