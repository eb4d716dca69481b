package io.riverlog.actors.cluster;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/** Which node leads each partition group now, and in which term, as this node's Raft server knows it. */
@FunctionalInterface
public interface GroupLeaders {
    /** The epoch of a group whose term this node does not know (it is not a member). */
    int NO_EPOCH = -1;

    /** The leader of partition group {@code group}; empty while none is known (an election runs). */
    OptionalInt leaderOf(int group);

    /**
     * The leader epoch of the group's partitions: the group's current Raft term, which is also the
     * epoch written into the batches its leader commits; {@link #NO_EPOCH} if unknown here.
     */
    default int epochOf(int group) {
        return NO_EPOCH;
    }

    /**
     * The group's members that are in sync (have caught up with the leader lately), as this node knows
     * them; empty if it cannot tell (it is not a member).
     */
    default Optional<Set<Integer>> inSyncOf(int group) {
        return Optional.empty();
    }
}
