package io.riverlog.actors.cluster;

import java.util.List;
import java.util.UUID;

/**
 * Where partitions and consumer groups live, computed the same way on every node from what every
 * node knows: the members, a topic's id, a group's id. A topic's partitions are dealt out over the
 * nodes in turn, starting at a node that the topic's id picks, so that topics created one after the
 * other do not all start on the same node.
 *
 * <p>For now each partition has one replica, its leader; replication by per-partition Raft groups
 * will give it more, and then leadership comes from Raft rather than from here.
 */
public final class Placement {
    private final ClusterMembers members;

    public Placement(ClusterMembers members) {
        this.members = members;
    }

    public ClusterMembers members() {
        return members;
    }

    /** The node that leads partition {@code partition} of the topic with id {@code topicId}. */
    public int leaderOf(UUID topicId, int partition) {
        List<Integer> nodes = members.nodeIds();
        long spread = topicId.getMostSignificantBits() ^ topicId.getLeastSignificantBits();
        int start = (int) Math.floorMod(spread, (long) nodes.size());
        return nodes.get(Math.floorMod(start + partition, nodes.size()));
    }

    /** True if this node leads the partition. */
    public boolean isLocal(UUID topicId, int partition) {
        return leaderOf(topicId, partition) == members.self();
    }

    /**
     * The node that coordinates the consumer group {@code groupId} (Kafka's group coordinator).
     * String's hash is specified by the language, so every node computes the same.
     */
    public int coordinatorOf(String groupId) {
        List<Integer> nodes = members.nodeIds();
        return nodes.get(Math.floorMod(groupId.hashCode(), nodes.size()));
    }

    public boolean coordinatesHere(String groupId) {
        return coordinatorOf(groupId) == members.self();
    }
}
