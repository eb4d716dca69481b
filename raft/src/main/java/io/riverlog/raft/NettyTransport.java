package io.riverlog.raft;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.netty.NettyFactory;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;

/**
 * Ratis' Netty transport with this project's log appender ({@link NotifyingLogAppender}): Ratis' own
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
        return new NettyFactory(parameters) {
            @Override
            public LogAppender newLogAppender(RaftServer.Division server, LeaderState leaderState,
                                              FollowerInfo follower) {
                return new NotifyingLogAppender(server, leaderState, follower);
            }
        };
    }
}
