package io.riverlog.actors.cluster;

/**
 * What a node does with each committed entry of a {@link ReplicatedJournal}: called one entry at a
 * time, in log order, on the consensus engine's thread, on every node. It must decide only from the
 * entries before it, so that every node decides the same; at a restart the entries are applied
 * again from the start.
 */
public interface ReplicatedStateMachine {

    /** Applies the entry at {@code index}; returns the answer its submitter gets. */
    byte[] apply(long index, byte[] entry);
}
