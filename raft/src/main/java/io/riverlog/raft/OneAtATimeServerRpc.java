package io.riverlog.raft;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotReplyProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteReplyProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionReplyProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServerRpc;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * Ratis' Netty server transport, with the requests that Ratis sends without a call id sent one at a
 * time to each peer. All of a node's groups share one connection to a peer, on which replies find
 * their requests by call id; Ratis numbers votes and appends, but sends every leadership hand-over
 * ({@code startLeaderElection}) and snapshot notification ({@code installSnapshot}) as call 0, and its
 * replies to them carry 0 too. Two of them to one peer at once (two groups handing their leadership to
 * the node that just restarted) collide: the second is refused at once and the first never hears its
 * answer, and each hand-over waits for its timeout. Seen in the rolling restart test.
 */
final class OneAtATimeServerRpc implements RaftServerRpc {
    private final RaftServerRpc transport;
    private final ConcurrentHashMap<ByteString, ReentrantLock> unnumbered = new ConcurrentHashMap<>();

    OneAtATimeServerRpc(RaftServerRpc transport) {
        this.transport = transport;
    }

    @FunctionalInterface
    private interface Call<T> {
        T send() throws IOException;
    }

    /** Sends an unnumbered request to {@code peer} once no other unnumbered request to it waits for its reply. */
    private <T> T oneAtATime(ByteString peer, Call<T> call) throws IOException {
        ReentrantLock lock = unnumbered.computeIfAbsent(peer, id -> new ReentrantLock());
        lock.lock();
        try {
            return call.send();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public StartLeaderElectionReplyProto startLeaderElection(StartLeaderElectionRequestProto request)
            throws IOException {
        return oneAtATime(request.getServerRequest().getReplyId(), () -> transport.startLeaderElection(request));
    }

    @Override
    public InstallSnapshotReplyProto installSnapshot(InstallSnapshotRequestProto request) throws IOException {
        return oneAtATime(request.getServerRequest().getReplyId(), () -> transport.installSnapshot(request));
    }

    @Override
    public RequestVoteReplyProto requestVote(RequestVoteRequestProto request) throws IOException {
        return transport.requestVote(request);
    }

    @Override
    public AppendEntriesReplyProto appendEntries(AppendEntriesRequestProto request) throws IOException {
        return transport.appendEntries(request);
    }

    @Override
    public void start() throws IOException {
        transport.start();
    }

    @Override
    public InetSocketAddress getInetSocketAddress() {
        return transport.getInetSocketAddress();
    }

    @Override
    public InetSocketAddress getClientServerAddress() {
        return transport.getClientServerAddress();
    }

    @Override
    public InetSocketAddress getAdminServerAddress() {
        return transport.getAdminServerAddress();
    }

    @Override
    public void handleException(RaftPeerId peer, Exception e, boolean reconnect) {
        transport.handleException(peer, e, reconnect);
    }

    @Override
    public void notifyNotLeader(RaftGroupId group) {
        transport.notifyNotLeader(group);
    }

    @Override
    public void addRaftPeers(java.util.Collection<RaftPeer> peers) {
        transport.addRaftPeers(peers);
    }

    @Override
    public RpcType getRpcType() {
        return transport.getRpcType();
    }

    @Override
    public void close() throws IOException {
        transport.close();
    }
}
