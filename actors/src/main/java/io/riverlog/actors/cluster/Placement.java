package io.riverlog.actors.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;

import io.riverlog.wal.BatchFormat;

/**
 * Where partitions and consumer groups live, computed the same way on every node from what every
 * node knows: the members, a topic's id, a group's id.
 *
 * <p>In a cluster a partition's data is replicated by one of a fixed number of partition groups
 * (Raft groups): group g's replicas are the nodes g, g+1, ... in ascending id order, wrapping,
 * min(3, nodes) of them, and its first node is its preferred leader. A topic's partitions are dealt
 * out over the groups in turn, starting at a group the topic's id picks, so that topics created one
 * after the other do not all start on the same group. Which node leads a group is Raft's election,
 * read through {@link GroupLeaders}. A group's members change when its partitions are reassigned: the
 * metadata group records the move ({@link GroupMembers}), and from then on its members are those.
 *
 * <p>On a single node there are no groups and the node holds and leads everything.
 */
public final class Placement {
    private static final int MAX_REPLICATION = 3;

    private final ClusterMembers members;
    private final int groups;
    private final GroupLeaders leaders;
    private final GroupMembers moved;
    private final GroupStates reported = new GroupStates();

    /** A single node's placement: everything here. */
    public Placement(ClusterMembers members) {
        this(members, 0, group -> OptionalInt.of(members.self()));
    }

    public Placement(ClusterMembers members, int groups, GroupLeaders leaders) {
        this(members, groups, leaders, new GroupMembers());
    }

    /** A cluster's placement, where the groups that moved have the members {@code moved} records. */
    public Placement(ClusterMembers members, int groups, GroupLeaders leaders, GroupMembers moved) {
        if (members.replicated() && groups < 1) {
            throw new IllegalArgumentException("a cluster needs at least one partition group, not " + groups);
        }
        this.members = members;
        this.groups = groups;
        this.leaders = leaders;
        this.moved = moved;
    }

    /** The groups' moves, as the metadata group decided them. */
    public GroupMembers moved() {
        return moved;
    }

    /** The groups' leaders and in-sync members, as their leaders reported them through the metadata group. */
    public GroupStates reported() {
        return reported;
    }

    public ClusterMembers members() {
        return members;
    }

    /** How many partition groups the cluster has (0 on a single node). */
    public int groups() {
        return groups;
    }

    /** How many replicas each partition has. */
    public int replicationFactor() {
        return Math.min(MAX_REPLICATION, members.nodeIds().size());
    }

    /** The partition group that replicates partition {@code partition} of the topic with id {@code topicId}. */
    public int groupOf(UUID topicId, int partition) {
        long spread = topicId.getMostSignificantBits() ^ topicId.getLeastSignificantBits();
        return (int) Math.floorMod(spread + partition, (long) Math.max(1, groups));
    }

    /**
     * The group that partition 0 of a new topic must go to for its partitions to have the replicas
     * {@code assignments} (partition i's at i, preferred leader first), or empty if no group fits: a
     * topic's partitions go to consecutive groups, so partition i goes to (that group + i). A
     * partition's replicas fit a group's if they are the same nodes with the same preferred leader
     * (the others' order is the group's). On a single node every partition's replicas must be this node.
     */
    public OptionalInt firstGroupFor(List<List<Integer>> assignments) {
        for (int first = 0; first < Math.max(1, groups); first++) {
            boolean all = true;
            for (int p = 0; p < assignments.size() && all; p++) {
                all = fits(assignments.get(p), replicasOfGroupFor(Math.floorMod(first + p, Math.max(1, groups))));
            }
            if (all) {
                return OptionalInt.of(first);
            }
        }
        return OptionalInt.empty();
    }

    /**
     * The partitions from {@code from} on (partition from + i has {@code assignments} i) that would not
     * get those replicas in the topic with id {@code topicId}: empty if every one fits its group.
     */
    public List<Integer> misfits(UUID topicId, int from, List<List<Integer>> assignments) {
        List<Integer> misfits = new ArrayList<>();
        for (int i = 0; i < assignments.size(); i++) {
            if (!fits(assignments.get(i), replicasOf(topicId, from + i))) {
                misfits.add(from + i);
            }
        }
        return misfits;
    }

    /** Every group's replicas, preferred leader first ("g0 [1, 2, 3], g1 [2, 3, 1]"), to say what fits. */
    public String describeGroups() {
        if (!members.replicated()) {
            return "a single node holds every partition: [" + members.self() + "]";
        }
        List<String> all = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            all.add("g" + g + " " + replicasOfGroup(g));
        }
        return String.join(", ", all);
    }

    private List<Integer> replicasOfGroupFor(int group) {
        return members.replicated() ? replicasOfGroup(group) : List.of(members.self());
    }

    private static boolean fits(List<Integer> wanted, List<Integer> replicas) {
        return wanted.size() == replicas.size() && !wanted.isEmpty() && wanted.get(0).equals(replicas.get(0))
                && new java.util.HashSet<>(wanted).equals(new java.util.HashSet<>(replicas));
    }

    /** Group {@code group}'s replicas, its preferred leader first. */
    public List<Integer> replicasOfGroup(int group) {
        return moved.of(group).map(GroupMembers.Membership::members).orElseGet(() -> firstReplicasOfGroup(group));
    }

    /** The members a move of group {@code group} under way goes to; empty if none is under way. */
    public java.util.Optional<List<Integer>> targetOfGroup(int group) {
        return moved.of(group).flatMap(GroupMembers.Membership::target);
    }

    /**
     * True if this node holds group {@code group}'s replicas: it is a member, or a move under way takes
     * the group to it (it catches up first), or away from it (it serves until the move is over).
     */
    public boolean hostsGroup(int group) {
        int self = members.self();
        return replicasOfGroup(group).contains(self) || targetOfGroup(group).filter(t -> t.contains(self)).isPresent();
    }

    /** Group {@code group}'s members at the cluster's first start, before any move. */
    public List<Integer> firstReplicasOfGroup(int group) {
        List<Integer> nodes = members.nodeIds();
        List<Integer> replicas = new ArrayList<>(replicationFactor());
        for (int k = 0; k < replicationFactor(); k++) {
            replicas.add(nodes.get(Math.floorMod(group + k, nodes.size())));
        }
        return replicas;
    }

    /**
     * The nodes that hold a replica of the partition, its preferred leader first; while its group moves,
     * as Kafka lists a partition being reassigned: the target's members, then those being removed.
     */
    public List<Integer> replicasOf(UUID topicId, int partition) {
        if (!members.replicated()) {
            return List.of(members.self());
        }
        int group = groupOf(topicId, partition);
        List<Integer> replicas = replicasOfGroup(group);
        return targetOfGroup(group).map(target -> {
            List<Integer> all = new ArrayList<>(target);
            replicas.stream().filter(node -> !target.contains(node)).forEach(all::add);
            return List.copyOf(all);
        }).orElse(replicas);
    }

    /**
     * The partition's replicas that are in sync, in the order of {@link #replicasOf}: those its group
     * judges so where this node is a member of the group, else every replica (it cannot tell).
     */
    public List<Integer> inSyncReplicasOf(UUID topicId, int partition) {
        List<Integer> replicas = replicasOf(topicId, partition);
        if (!members.replicated()) {
            return replicas;
        }
        return leaders.inSyncOf(groupOf(topicId, partition))
                .map(inSync -> replicas.stream().filter(inSync::contains).toList()).orElse(replicas);
    }

    /** True if this node holds a replica of the partition. */
    public boolean hostsReplica(UUID topicId, int partition) {
        return !members.replicated() || hostsGroup(groupOf(topicId, partition));
    }

    /** The node that leads the partition now, as this node knows it; empty while its group elects one. */
    public OptionalInt leaderOf(UUID topicId, int partition) {
        return members.replicated() ? leaderOfGroup(groupOf(topicId, partition)) : OptionalInt.of(members.self());
    }

    /** The node that leads partition group {@code group} now, as this node knows it; empty while it elects one. */
    public OptionalInt leaderOfGroup(int group) {
        return leaders.leaderOf(group);
    }

    /**
     * The partition's leader epoch as this node knows it: its group's Raft term in a cluster
     * ({@link GroupLeaders#NO_EPOCH} if unknown here), {@link BatchFormat#LEADER_EPOCH} on a single node.
     */
    public int leaderEpochOf(UUID topicId, int partition) {
        return members.replicated() ? leaders.epochOf(groupOf(topicId, partition)) : BatchFormat.LEADER_EPOCH;
    }

    /** True if this node leads the partition now. */
    public boolean isLocal(UUID topicId, int partition) {
        OptionalInt leader = leaderOf(topicId, partition);
        return leader.isPresent() && leader.getAsInt() == members.self();
    }

    /**
     * The partition group whose log holds the committed offsets of consumer group {@code groupId}, and
     * whose leader coordinates it (as a partition of Kafka's offsets topic does). String's hash is
     * specified by the language, so every node computes the same.
     */
    public int shardOf(String groupId) {
        return Math.floorMod(groupId.hashCode(), Math.max(1, groups));
    }

    /**
     * The node that coordinates the consumer group {@code groupId} (Kafka's group coordinator) now, as
     * this node knows it: the leader of its shard; empty while that group elects one.
     */
    public OptionalInt coordinatorOf(String groupId) {
        return members.replicated() ? leaders.leaderOf(shardOf(groupId)) : OptionalInt.of(members.self());
    }
}
