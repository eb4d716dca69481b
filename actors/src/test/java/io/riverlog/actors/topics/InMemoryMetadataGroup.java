package io.riverlog.actors.topics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.riverlog.actors.cluster.ReplicatedJournal;
import io.riverlog.actors.cluster.ReplicatedStateMachine;

/**
 * A metadata group without a consensus engine, for the registry's own tests: one log in memory that
 * every joined node's state machine applies in order, as the engine would after a commit. It can be
 * told to stop committing (no majority), and a node that joins late applies the log from its start,
 * as a restarted node does.
 */
final class InMemoryMetadataGroup {
    private final List<byte[]> log = new ArrayList<>();
    private final List<ReplicatedStateMachine> nodes = new ArrayList<>();
    private boolean committing = true;
    private boolean holding;
    private int held;
    private int refused;

    /** Adds a node: it applies every entry so far, then each new one. */
    synchronized void join(ReplicatedStateMachine node) {
        for (int i = 0; i < log.size(); i++) {
            node.apply(i, log.get(i));
        }
        nodes.add(node);
    }

    /** While on, a submission is never answered, as when the group's leader stops answering. */
    synchronized void holding(boolean on) {
        holding = on;
    }

    synchronized void committing(boolean on) {
        committing = on;
    }

    /** Submissions never answered, while holding. */
    synchronized int held() {
        return held;
    }

    /** Entries refused while not committing. */
    synchronized int refused() {
        return refused;
    }

    /** The journal as one node submits to it. */
    ReplicatedJournal journal() {
        return this::submit;
    }

    private synchronized CompletionStage<ReplicatedJournal.Committed> submit(byte[] entry) {
        if (holding) {
            held++;
            return new CompletableFuture<>();
        }
        if (!committing) {
            refused++;
            return CompletableFuture.failedFuture(new java.io.IOException("no majority"));
        }
        long index = log.size();
        log.add(entry);
        byte[] reply = null;
        for (ReplicatedStateMachine node : nodes) {
            byte[] answer = node.apply(index, entry);
            reply = reply == null ? answer : reply;
        }
        return CompletableFuture.completedFuture(new ReplicatedJournal.Committed(index, reply));
    }
}
