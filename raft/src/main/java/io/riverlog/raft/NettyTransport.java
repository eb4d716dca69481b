package io.riverlog.raft;

import org.apache.ratis.client.ClientFactory;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.netty.NettyFactory;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerRpc;
import org.apache.ratis.server.ServerFactory;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;

/**
 * Ratis' Netty transport with this project's log appender ({@link NotifyingLogAppender}) and its requests
 * without a call id sent one at a time ({@link OneAtATimeServerRpc}). Ratis' own
 * appender for Netty can only send a snapshot's files to a follower that needs purged entries, where
 * the partition groups need the follower told to copy the state itself. Ratis finds a transport of its
 * own by its class name ({@link #name}), which is why this class has a public constructor.
 */
public final class NettyTransport implements RpcType {

    @Override
    public String name() {
        return NettyTransport.class.getName();
    }

    @Override
    public RpcFactory newFactory(Parameters parameters) {
        return new Factory(new NettyFactory(parameters));
    }

    /** Netty's factory, with this project's appender and its server transport in {@link OneAtATimeServerRpc}. */
    private static final class Factory implements ServerFactory, ClientFactory {
        private final NettyFactory netty;

        Factory(NettyFactory netty) {
            this.netty = netty;
        }

        @Override
        public RpcType getRpcType() {
            return netty.getRpcType();
        }

        @Override
        public RaftServerRpc newRaftServerRpc(RaftServer server) {
            return new OneAtATimeServerRpc(netty.newRaftServerRpc(server));
        }

        @Override
        public LogAppender newLogAppender(RaftServer.Division server, LeaderState leaderState, FollowerInfo follower) {
            return new NotifyingLogAppender(server, leaderState, follower);
        }

        @Override
        public RaftClientRpc newRaftClientRpc(ClientId clientId, RaftProperties properties) {
            return netty.newRaftClientRpc(clientId, properties);
        }
    }
}
