package io.riverlog.actors.replica;

import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.IntFunction;

import io.riverlog.actors.cluster.ReplicatedJournal;
import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.ValidBatches;

/**
 * Appends to replicated partitions: the batches go to the partition's group as one entry, with this
 * node's clock as the time every replica judges them by, and the answer is the one the leader's
 * replica gave when it applied the committed entry.
 */
public final class ReplicatedAppends {
    private final IntFunction<ReplicatedJournal> groups;

    /** {@code groups} gives partition group g as this node submits to it. */
    public ReplicatedAppends(IntFunction<ReplicatedJournal> groups) {
        this.groups = groups;
    }

    public CompletionStage<PartitionActor.AppendReply> append(int group, PartitionId id, UUID topicId,
                                                              ValidBatches batches) {
        byte[] entry = ReplicaEntry.encode(id, topicId, System.currentTimeMillis(), batches);
        return groups.apply(group).submit(entry).thenApply(committed -> ReplicaStateMachine.decode(committed.reply()));
    }
}
