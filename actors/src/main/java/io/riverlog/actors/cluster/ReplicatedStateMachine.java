package io.riverlog.actors.cluster;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What a node does with each committed entry of a {@link ReplicatedJournal}: called one entry at a
 * time, in log order, on the consensus engine's thread, on every node. It must decide only from the
 * entries before it, so that every node decides the same; at a restart the entries are applied
 * again from the start, or from the last {@link #snapshot} on.
 */
public interface ReplicatedStateMachine {

    /** Applies the entry at {@code index}; returns the answer its submitter gets. */
    byte[] apply(long index, byte[] entry);

    /**
     * As {@link #apply}, for a state machine that answers later (a partition group's hands the entry
     * to an actor) or needs the {@code term} of the leader that appended the entry. Still called in
     * log order; the answers may complete in any order.
     */
    default CompletionStage<byte[]> applyAsync(long index, long term, byte[] entry) {
        return CompletableFuture.completedFuture(apply(index, entry));
    }

    /**
     * Makes durable what the entries up to {@code index} did (each of them has been answered), so that
     * the group's log up to there may be dropped: after a restart only the entries after it are
     * applied again. False if this state machine cannot vouch for that now; its log then stays.
     */
    default boolean snapshot(long index) throws IOException {
        return false;
    }

    /**
     * The leader no longer has the entries this member needs next (they were purged behind its
     * snapshots): brings this member's state to the leader's, node {@code leaderNode}, at one of its
     * snapshots, and completes with that snapshot's point; the leader then sends the entries after it.
     * Fails if the state cannot be copied now (the member is asked again later).
     */
    default CompletionStage<SnapshotPoint> install(int leaderNode) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException(
                "this state machine cannot copy its state from the leader"));
    }
}
