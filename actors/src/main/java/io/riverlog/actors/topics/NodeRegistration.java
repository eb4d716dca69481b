package io.riverlog.actors.topics;

import java.util.concurrent.CompletionStage;

import io.riverlog.actors.cluster.NodeAddress;
import io.riverlog.actors.cluster.ReplicatedJournal;

/** A node's addresses, as it registers them in the metadata group so that every node can name it to clients. */
public final class NodeRegistration {
    private NodeRegistration() {
    }

    /** Submits {@code node}'s addresses; completes once the group committed them. */
    public static CompletionStage<Long> register(ReplicatedJournal journal, NodeAddress node) {
        return journal.submit(MetadataEntries.registerNode(node)).thenApply(ReplicatedJournal.Committed::index);
    }
}
