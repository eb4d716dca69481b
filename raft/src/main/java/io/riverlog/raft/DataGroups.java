package io.riverlog.raft;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;

/**
 * The cluster's partition groups: a fixed number of Raft
 * groups that carry the partitions' data, each with min(3, nodes) members. Group g's members are the
 * nodes g, g+1, ... (in ascending id order, wrapping), and the first of them has the highest Ratis
 * priority, so that preferred leaders are spread over the nodes as evenly as the count allows.
 * Computed the same way on every node from {@code --cluster}; group ids are fixed by their number.
 */
public final class DataGroups {
    private static final String ID_PREFIX = "riverlog-partitions-";
    private static final int MAX_REPLICATION = 3;

    private DataGroups() {
    }

    public static RaftGroupId id(int group) {
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes((ID_PREFIX + group).getBytes(StandardCharsets.UTF_8)));
    }

    /** How many replicas a partition has in a cluster of {@code nodes}. */
    public static int replicationFactor(int nodes) {
        return Math.min(MAX_REPLICATION, nodes);
    }

    /** The {@code count} groups of the cluster, with their members and priorities. */
    public static List<RaftGroup> of(ClusterSpec spec, int count) {
        List<ClusterSpec.Member> nodes = spec.members().stream().sorted(Comparator.comparingInt(ClusterSpec.Member::id))
                .toList();
        int replicas = replicationFactor(nodes.size());
        List<RaftGroup> groups = new ArrayList<>(count);
        for (int g = 0; g < count; g++) {
            List<ClusterSpec.Member> members = new ArrayList<>(replicas);
            for (int k = 0; k < replicas; k++) {
                members.add(nodes.get((g + k) % nodes.size()));
            }
            groups.add(RaftGroup.valueOf(id(g), peers(members)));
        }
        return groups;
    }

    /**
     * A group's members as Raft peers, the first with the highest priority and each next one lower, so
     * that the first is the group's preferred leader.
     */
    static List<RaftPeer> peers(List<ClusterSpec.Member> members) {
        List<RaftPeer> peers = new ArrayList<>(members.size());
        for (int k = 0; k < members.size(); k++) {
            ClusterSpec.Member member = members.get(k);
            peers.add(RaftPeer.newBuilder().setId(RaftNode.peerId(member.id())).setAddress(member.address())
                    .setPriority(members.size() - k).build());
        }
        return peers;
    }
}
