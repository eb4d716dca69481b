package io.riverlog.actors.cluster;

import java.util.OptionalInt;

/** Which node leads each partition group now, as this node's Raft server knows it. */
@FunctionalInterface
public interface GroupLeaders {

    /** The leader of partition group {@code group}; empty while none is known (an election runs). */
    OptionalInt leaderOf(int group);
}
