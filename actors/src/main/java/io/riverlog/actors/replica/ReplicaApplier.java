package io.riverlog.actors.replica;

import java.nio.file.Path;
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
import io.riverlog.wal.Storage;
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
    private final Map<PartitionId, Replica> replicas = new HashMap<>();
    private final Storage storage;

    private record Waiting(long index, ReplicaEntry entry, CompletableFuture<PartitionActor.AppendReply> answer) {
    }

    /** A registered replica: where it keeps its progress, and how far it got. */
    private static final class Replica {
        private final Path dir;
        private ReplicaProgress.Applied applied;

        Replica(Path dir, ReplicaProgress.Applied applied) {
            this.dir = dir;
            this.applied = applied;
        }
    }

    /** The answer to an entry this replica carried out before it restarted (nobody waits for it). */
    public static final PartitionActor.AppendReply ALREADY_APPLIED = new PartitionActor.AppendFailed(
            PartitionActor.AppendError.NOT_AVAILABLE, "applied before this replica restarted");

    public ReplicaApplier(Scheduler scheduler, Duration timeout, Storage storage) {
        this.scheduler = scheduler;
        this.timeout = timeout;
        this.storage = storage;
    }

    /**
     * The partition's actor on this replica, whose log {@link ReplicaProgress#recover} prepared in
     * {@code dir} and which had applied {@code applied}; entries that waited for it go to it first, in
     * order, and entries it applied already are skipped.
     */
    public synchronized void register(PartitionId id, ActorRef<PartitionActor.Command> actor, Path dir,
                                      ReplicaProgress.Applied applied) {
        replicas.put(id, new Replica(dir, applied));
        actors.put(id, actor);
        ArrayDeque<Waiting> queued = waiting.remove(id);
        if (queued != null) {
            for (Waiting w : queued) {
                send(w.index(), actor, w.entry()).whenComplete((reply, error) -> {
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
    public synchronized CompletionStage<PartitionActor.AppendReply> apply(long index, byte[] bytes) {
        ReplicaEntry entry = ReplicaEntry.decode(bytes);
        ActorRef<PartitionActor.Command> actor = actors.get(entry.partition());
        ArrayDeque<Waiting> queued = waiting.get(entry.partition());
        if (actor == null || queued != null) {
            CompletableFuture<PartitionActor.AppendReply> answer = new CompletableFuture<>();
            waiting.computeIfAbsent(entry.partition(), id -> new ArrayDeque<>())
                    .add(new Waiting(index, entry, answer));
            return answer;
        }
        return send(index, actor, entry);
    }

    private CompletionStage<PartitionActor.AppendReply> send(long index, ActorRef<PartitionActor.Command> actor,
                                                             ReplicaEntry entry) {
        Replica replica = replicas.get(entry.partition());
        if (index <= replica.applied.index()) {
            return CompletableFuture.completedFuture(ALREADY_APPLIED);
        }
        try {
            ValidBatches valid = BatchFormat.validate(entry.batches());
            return DirectAsk.<PartitionActor.Command, PartitionActor.AppendReply>ask(actor,
                    replyTo -> new PartitionActor.Append(valid, entry.appendTimeMs(), replyTo), timeout, scheduler)
                    .thenApply(reply -> recorded(replica, index, reply));
        } catch (InvalidBatchException e) {
            // The leader validated it: only damage in transit or a bug brings this; every replica refuses alike.
            return CompletableFuture.completedFuture(recorded(replica, index, new PartitionActor.AppendFailed(
                    PartitionActor.AppendError.INVALID_RECORD, e.getMessage())));
        }
    }

    /**
     * Records that the entry at {@code index} was carried out (answers come in log order for one
     * partition). The end only grows: a retried batch answered with its first offsets leaves it.
     */
    private PartitionActor.AppendReply recorded(Replica replica, long index, PartitionActor.AppendReply reply) {
        synchronized (replica) {
            long end = reply instanceof PartitionActor.Appended appended
                    ? Math.max(replica.applied.endOffset(), appended.lastOffset() + 1) : replica.applied.endOffset();
            ReplicaProgress.Applied applied = new ReplicaProgress.Applied(index, end);
            try {
                ReplicaProgress.write(replica.dir, storage, applied);
                replica.applied = applied;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("recording what replica " + replica.dir + " applied failed", e);
            }
        }
        return reply;
    }
}
