package io.riverlog.raft;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.ratis.proto.RaftProtos.CandidateInfoProto;
import org.apache.ratis.proto.RaftProtos.FollowerInfoProto;
import org.apache.ratis.proto.RaftProtos.LeaderInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import io.riverlog.raft.LeaderlessGroups.Change;

/**
 * A partition group without a leader for longer than the limit is reported once, and once more when it
 * has one again; how long a member has been without one is read from its Raft role.
 */
class LeaderlessGroupsTest {
    private static final long LIMIT_MS = 30_000;

    @Test
    void aGroupIsReportedOnceWhenItPassesTheLimitAndOnceWhenItIsLedAgain() {
        LeaderlessGroups groups = new LeaderlessGroups(LIMIT_MS);
        assertThat(groups.observe(7, 1_000)).isEqualTo(Change.NONE);
        assertThat(groups.observe(7, LIMIT_MS)).as("at the limit, not past it").isEqualTo(Change.NONE);
        assertThat(groups.observe(7, LIMIT_MS + 1)).isEqualTo(Change.LEADERLESS);
        assertThat(groups.observe(7, 90_000)).isEqualTo(Change.NONE);
        assertThat(groups.observe(8, 45_000)).isEqualTo(Change.LEADERLESS);
        assertThat(groups.count()).isEqualTo(2);

        assertThat(groups.observe(7, 0)).isEqualTo(Change.LED_AGAIN);
        assertThat(groups.observe(7, 100)).isEqualTo(Change.NONE);
        assertThat(groups.count()).isEqualTo(1);
    }

    @Test
    void aLeaderHasOne() {
        assertThat(LeaderlessGroups.sinceLeaderMs(role(RaftPeerRole.LEADER)
                .setLeaderInfo(LeaderInfoProto.newBuilder().setTerm(3)).build())).isZero();
    }

    @Test
    void aFollowerLastHeardFromItsLeaderWhenItsLastMessageCame() {
        ServerRpcProto leader = ServerRpcProto.newBuilder().setId(peer("node-2")).setLastRpcElapsedTimeMs(125_000)
                .build();
        assertThat(LeaderlessGroups.sinceLeaderMs(role(RaftPeerRole.FOLLOWER).setRoleElapsedTimeMs(600_000)
                .setFollowerInfo(FollowerInfoProto.newBuilder().setLeaderInfo(leader).setOutstandingOp(1)).build()))
                .isEqualTo(125_000);
    }

    @Test
    void aFollowerThatKnowsNoLeaderHasHadNoneSinceItBecameAFollower() {
        assertThat(LeaderlessGroups.sinceLeaderMs(role(RaftPeerRole.FOLLOWER).setRoleElapsedTimeMs(40_000)
                .setFollowerInfo(FollowerInfoProto.newBuilder().setLeaderInfo(ServerRpcProto.getDefaultInstance()))
                .build())).isEqualTo(40_000);
    }

    @Test
    void aCandidateHasHadNoneSinceItLastHadALeader() {
        assertThat(LeaderlessGroups.sinceLeaderMs(role(RaftPeerRole.CANDIDATE).setRoleElapsedTimeMs(500)
                .setCandidateInfo(CandidateInfoProto.newBuilder().setLastLeaderElapsedTimeMs(61_000)).build()))
                .isEqualTo(61_000);
    }

    private static RoleInfoProto.Builder role(RaftPeerRole role) {
        return RoleInfoProto.newBuilder().setSelf(peer("node-1")).setRole(role);
    }

    private static RaftPeerProto peer(String id) {
        return RaftPeerProto.newBuilder().setId(ByteString.copyFromUtf8(id)).build();
    }
}
