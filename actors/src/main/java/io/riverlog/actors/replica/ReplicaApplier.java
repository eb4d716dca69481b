package io.riverlog.actors.replica;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;

import io.riverlog.actors.ask.DirectAsk;
import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.InvalidBatchException;
import io.riverlog.wal.ValidBatches;

/**
 * The state machine of one partition group on one replica (work in progress): hands each committed
 * entry to its partition's actor as an {@link PartitionActor.Append} carrying the leader's time, in
 * log order, and completes with the actor's answer. The actor assigns offsets and applies idempotence
 * as on a single node; every replica sees the same entries in the same order with the same time, so
 * every replica computes the same log. An entry for a partition whose actor is not registered yet
 * (this node's metadata has not caught up with the group) waits, in order, until it is.
 */
public final class ReplicaApplier {
    private final Scheduler scheduler;
    private final Duration timeout;
    private final Map<PartitionId, ActorRef<PartitionActor.Command>> actors = new HashMap<>();
    private final Map<PartitionId, ArrayDeque<Waiting>> waiting = new HashMap<>();

    private record Waiting(ReplicaEntry entry, CompletableFuture<PartitionActor.AppendReply> answer) {
    }

    public ReplicaApplier(Scheduler scheduler, Duration timeout) {
        this.scheduler = scheduler;
        this.timeout = timeout;
    }

    /** The partition's actor on this replica; entries that waited for it go to it first, in order. */
    public synchronized void register(PartitionId id, ActorRef<PartitionActor.Command> actor) {
        actors.put(id, actor);
        ArrayDeque<Waiting> queued = waiting.remove(id);
        if (queued != null) {
            for (Waiting w : queued) {
                send(actor, w.entry()).whenComplete((reply, error) -> {
                    if (error != null) {
                        w.answer().completeExceptionally(error);
                    } else {
                        w.answer().complete(reply);
                    }
                });
            }
        }
    }

    public synchronized void unregister(PartitionId id) {
        actors.remove(id);
    }

    /** Applies one entry; called in log order. */
    public synchronized CompletionStage<PartitionActor.AppendReply> apply(byte[] bytes) {
        ReplicaEntry entry = ReplicaEntry.decode(bytes);
        ActorRef<PartitionActor.Command> actor = actors.get(entry.partition());
        ArrayDeque<Waiting> queued = waiting.get(entry.partition());
        if (actor == null || queued != null) {
            CompletableFuture<PartitionActor.AppendReply> answer = new CompletableFuture<>();
            waiting.computeIfAbsent(entry.partition(), id -> new ArrayDeque<>()).add(new Waiting(entry, answer));
            return answer;
        }
        return send(actor, entry);
    }

    private CompletionStage<PartitionActor.AppendReply> send(ActorRef<PartitionActor.Command> actor,
                                                             ReplicaEntry entry) {
        try {
            ValidBatches valid = BatchFormat.validate(entry.batches());
            return DirectAsk.<PartitionActor.Command, PartitionActor.AppendReply>ask(actor,
                    replyTo -> new PartitionActor.Append(valid, entry.appendTimeMs(), replyTo), timeout, scheduler);
        } catch (InvalidBatchException e) {
            // The leader validated it: only damage in transit or a bug brings this; every replica refuses alike.
            return CompletableFuture.completedFuture(new PartitionActor.AppendFailed(
                    PartitionActor.AppendError.INVALID_RECORD, e.getMessage()));
        }
    }
}
