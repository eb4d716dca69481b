package io.riverlog.api.kafka.handlers;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;

import io.riverlog.actors.cluster.Placement;

/**
 * Replica assignments as CreateTopics and CreatePartitions carry them (each partition's replicas,
 * preferred leader first), checked against where partitions can be: a partition's replicas are its
 * partition group's members, and a topic's partitions go to consecutive groups, so an assignment is
 * taken if it follows the groups from some group on (and refused with what would fit otherwise).
 */
final class ReplicaAssignments {

    private ReplicaAssignments() {
    }

    /** Why {@code assignments} cannot be any partition's replicas here (an unknown node, one twice, a wrong count). */
    static Optional<String> problemWith(List<List<Integer>> assignments, Placement placement) {
        int factor = placement.replicationFactor();
        List<Integer> nodes = placement.members().nodeIds();
        for (int p = 0; p < assignments.size(); p++) {
            List<Integer> replicas = assignments.get(p);
            if (replicas.size() != factor) {
                return Optional.of("the replicas of partition " + p + " are " + replicas + ", but every partition has "
                        + factor + " (the replication factor)");
            }
            if (new HashSet<>(replicas).size() != replicas.size()) {
                return Optional.of("the replicas of partition " + p + " name a node twice: " + replicas);
            }
            for (int node : replicas) {
                if (!nodes.contains(node)) {
                    return Optional.of("the replicas of partition " + p + " name node " + node + ", which is not one"
                            + " of the nodes " + nodes);
                }
            }
        }
        return Optional.empty();
    }

    /** What assignments fit, for the message of a refusal. */
    static String whatFits(Placement placement) {
        return "a topic's partitions go to consecutive partition groups (partition i to group g + i), and a"
                + " partition's replicas are its group's (the same nodes, the same preferred leader first): "
                + placement.describeGroups() + "; reassign groups to change them";
    }
}
