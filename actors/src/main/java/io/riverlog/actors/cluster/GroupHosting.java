package io.riverlog.actors.cluster;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The partition groups this node's consensus engine hosts, and how a group moves to other nodes: the
 * registry joins the groups a move takes to this node and leaves those a move took away, and the
 * leader of a moving group changes its Raft configuration ({@link #reconfigure}).
 */
public interface GroupHosting {

    /** A node that hosts no partition groups (a single node). */
    GroupHosting NONE = new GroupHosting() {
        @Override
        public Set<Integer> hosted() {
            return Set.of();
        }

        @Override
        public CompletionStage<Void> join(int group, List<Integer> members) {
            return CompletableFuture.failedFuture(new IllegalStateException("a single node hosts no partition groups"));
        }

        @Override
        public CompletionStage<Void> leave(int group) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public boolean leads(int group) {
            return false;
        }

        @Override
        public CompletionStage<Void> reconfigure(int group, List<Integer> members) {
            return CompletableFuture.failedFuture(new IllegalStateException("a single node hosts no partition groups"));
        }
    };

    /** The groups whose Raft division runs on this node. */
    Set<Integer> hosted();

    /**
     * Starts a division of group {@code group} here, outside its configuration (whose {@code members}
     * are the others): it waits for the leader to send it the group's log, and votes once a
     * configuration that names it is committed.
     */
    CompletionStage<Void> join(int group, List<Integer> members);

    /** Stops this node's division of group {@code group} and removes its log. */
    CompletionStage<Void> leave(int group);

    /** True if this node leads group {@code group} now. */
    boolean leads(int group);

    /**
     * Changes group {@code group}'s Raft configuration to {@code members} (its preferred leader first),
     * through this node, its leader: new members catch up with the log first. Done once the new
     * configuration is committed; failed if it was not (not the leader any more, a change under way).
     */
    CompletionStage<Void> reconfigure(int group, List<Integer> members);
}
