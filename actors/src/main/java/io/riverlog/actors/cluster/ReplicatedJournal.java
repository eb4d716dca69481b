package io.riverlog.actors.cluster;

import java.util.concurrent.CompletionStage;

/**
 * A log replicated over a group of nodes: an entry submitted on any node is committed (durable on a
 * majority) and then applied by every node's {@link ReplicatedStateMachine}, in the same order.
 */
public interface ReplicatedJournal {

    /** A committed entry: where it is in the log, and what the state machine answered to it. */
    record Committed(long index, byte[] reply) {
    }

    /**
     * Submits {@code entry}; completes once it is committed and applied by the group's leader, or
     * fails if that did not happen in time (then it may still be committed later).
     */
    CompletionStage<Committed> submit(byte[] entry);
}
