package io.riverlog.actors.replica;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.IntFunction;

import io.riverlog.actors.cluster.ReplicatedJournal;
import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.ValidBatches;

/**
 * Appends to replicated partitions: the batches go to the partition's group as one entry, with this
 * node's clock as the time every replica judges them by, and the answer is the one the leader's
 * replica gave when it applied the committed entry. The appends of one produce request to partitions
 * of the same group go as one entry ({@link #appendAll}): one round of the consensus engine for all of
 * them, rather than one per partition (a request to a thousand partitions made a thousand entries).
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

    /**
     * Appends {@code parts} to partitions of group {@code group}, in their order: as few entries as
     * there can be, since an entry holds a partition at most once (a second append to one goes in the
     * next entry, after the first). Returns each part's answer, in the order of the parts.
     */
    public List<CompletableFuture<PartitionActor.AppendReply>> appendAll(int group, List<ReplicaEntry.Part> parts) {
        List<CompletableFuture<PartitionActor.AppendReply>> answers = new ArrayList<>(parts.size());
        List<ReplicaEntry.Part> entry = new ArrayList<>();
        Set<PartitionId> inEntry = new HashSet<>();
        for (int i = 0; i <= parts.size(); i++) {
            if (i == parts.size() || !inEntry.add(parts.get(i).partition())) {
                answers.addAll(submit(group, entry));
                entry = new ArrayList<>();
                inEntry.clear();
                if (i < parts.size()) {
                    inEntry.add(parts.get(i).partition());
                }
            }
            if (i < parts.size()) {
                entry.add(parts.get(i));
            }
        }
        return answers;
    }

    private List<CompletableFuture<PartitionActor.AppendReply>> submit(int group, List<ReplicaEntry.Part> parts) {
        if (parts.isEmpty()) {
            return List.of();
        }
        if (parts.size() == 1) {
            ReplicaEntry.Part part = parts.get(0);
            return List.of(append(group, part.partition(), part.topicId(), part.batches()).toCompletableFuture());
        }
        CompletableFuture<List<PartitionActor.AppendReply>> replies = groups.apply(group)
                .submit(ReplicaEntry.encodeAll(parts, System.currentTimeMillis()))
                .thenApply(committed -> ReplicaStateMachine.decodeAll(committed.reply())).toCompletableFuture();
        List<CompletableFuture<PartitionActor.AppendReply>> answers = new ArrayList<>(parts.size());
        for (int i = 0; i < parts.size(); i++) {
            int n = i;
            answers.add(replies.thenApply(all -> all.get(n)));
        }
        return answers;
    }
}
