package io.riverlog.raft;

import java.util.HashSet;
import java.util.Set;

import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;

/**
 * Which of this node's partition groups have been without a leader, as this member sees it, for
 * longer than a limit: their partitions take no records and serve no reads. Each such stretch is
 * reported once, when it passes the limit, and once more when a leader is heard again. A group's
 * members elect a leader within a few election timeouts whenever a majority of them is up and can
 * reach each other; a group still leaderless long after that has lost its majority, or has a member
 * that can no longer stand for election (as Ratis 3.3.0 left one, see {@link SnapshotMarkerStorage}).
 * Not thread-safe: the sampler's thread owns it.
 */
final class LeaderlessGroups {

    /** What changed for a group at a sample. */
    enum Change { NONE, LEADERLESS, LED_AGAIN }

    private final long limitMs;
    private final Set<Integer> leaderless = new HashSet<>();

    LeaderlessGroups(long limitMs) {
        this.limitMs = limitMs;
    }

    /** Notes that group {@code group} last heard of its leader {@code sinceLeaderMs} ago. */
    Change observe(int group, long sinceLeaderMs) {
        if (sinceLeaderMs > limitMs) {
            return leaderless.add(group) ? Change.LEADERLESS : Change.NONE;
        }
        return leaderless.remove(group) ? Change.LED_AGAIN : Change.NONE;
    }

    /** How many groups are leaderless now. */
    int count() {
        return leaderless.size();
    }

    /**
     * How long ago this member last heard from its group's leader, from its role: 0 as the leader; as
     * a follower, since the leader's last message, or, knowing no leader (just started), since it
     * became a follower; as a candidate, since it last had a leader.
     */
    static long sinceLeaderMs(RoleInfoProto role) {
        if (role.getRole() == RaftPeerRole.LEADER) {
            return 0;
        }
        if (role.hasFollowerInfo()) {
            ServerRpcProto leader = role.getFollowerInfo().getLeaderInfo();
            return leader.hasId() ? leader.getLastRpcElapsedTimeMs() : role.getRoleElapsedTimeMs();
        }
        if (role.hasCandidateInfo()) {
            return role.getCandidateInfo().getLastLeaderElapsedTimeMs();
        }
        return 0;
    }
}
