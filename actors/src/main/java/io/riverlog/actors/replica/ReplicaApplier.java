package io.riverlog.actors.replica;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;

import io.riverlog.actors.ask.DirectAsk;
import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.InvalidBatchException;
import io.riverlog.wal.Storage;
import io.riverlog.wal.ValidBatches;

/**
 * The state machine of one partition group on one replica: hands each committed
 * entry to its partition's actor as an {@link PartitionActor.Append} carrying the leader's time, in
 * log order, and completes with the actor's answer. The actor assigns offsets and applies idempotence
 * as on a single node; every replica sees the same entries in the same order with the same time, so
 * every replica computes the same log. An entry for a partition whose actor is not registered yet
 * (this node's metadata has not caught up with the group), or has not opened its log yet, waits, in
 * order, until it is; the entries of the group's other partitions go on meanwhile.
 */
public final class ReplicaApplier {
    private final Scheduler scheduler;
    private final Duration timeout;
    private final Map<PartitionId, ActorRef<PartitionActor.Command>> actors = new HashMap<>();
    private final Map<PartitionId, ArrayDeque<Waiting>> waiting = new HashMap<>();
    private final Map<PartitionId, Replica> replicas = new HashMap<>();
    /** Topics deleted (by id): their entries, applied late or again after a restart, get {@link #OTHER_TOPIC}. */
    private final java.util.Set<UUID> deletedTopics = new java.util.HashSet<>();
    private final Storage storage;
    /** How soon a partition that answered it is still opening (its stash was full) is asked again. */
    private static final Duration OPENING_RECHECK = Duration.ofMillis(10);

    private record Waiting(long index, long term, ReplicaEntry entry,
                           CompletableFuture<PartitionActor.AppendReply> answer) {
    }

    /** A registered replica: its topic's id, where it keeps its progress, and how far it got (null: not read yet). */
    private static final class Replica {
        private final UUID topicId;
        private final Path dir;
        private ReplicaProgress.Applied applied;
        /** Why this replica stopped applying, or null while it applies. */
        private volatile String halted;
        /** Its progress file, open once the first entry is recorded. */
        private java.nio.channels.FileChannel progress;
        /** Unregistered: its file stays closed (a snapshot that raced with the unregistering skips it). */
        private boolean closed;
        /** Its partition was told to stop (the node shuts down, or the topic goes): refusals are expected. */
        private volatile boolean stopping;
        /** Whether its actor is being asked if it opened its log (entries wait meanwhile). */
        private boolean opening;

        Replica(UUID topicId, Path dir, ReplicaProgress.Applied applied) {
            this.topicId = topicId;
            this.dir = dir;
            this.applied = applied;
        }
    }

    /** The answer to an entry this replica carried out before it restarted (nobody waits for it). */
    public static final PartitionActor.AppendReply ALREADY_APPLIED = new PartitionActor.AppendFailed(
            PartitionActor.AppendError.NOT_AVAILABLE, "applied before this replica restarted");

    /** Refusals that come from this replica's own state, not from the entry: the others need not share them. */
    private static final java.util.Set<PartitionActor.AppendError> LOCAL_FAILURES = java.util.EnumSet.of(
            PartitionActor.AppendError.STORAGE_ERROR, PartitionActor.AppendError.OUTCOME_UNKNOWN,
            PartitionActor.AppendError.NOT_AVAILABLE);
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ReplicaApplier.class);

    /** The answer to an entry of another topic of the same name, deleted since. */
    public static final PartitionActor.AppendReply OTHER_TOPIC = new PartitionActor.AppendFailed(
            PartitionActor.AppendError.NOT_AVAILABLE, "the entry's topic was deleted");

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
    public synchronized void register(PartitionId id, UUID topicId, ActorRef<PartitionActor.Command> actor,
                                      Path dir, ReplicaProgress.Applied applied) {
        Replica previous = replicas.put(id, new Replica(topicId, dir, applied));
        if (previous != null) {
            synchronized (previous) {
                closeQuietly(previous);
            }
        }
        actors.put(id, actor);
        drain(id);
    }

    /**
     * As {@link #register(PartitionId, UUID, ActorRef, Path, ReplicaProgress.Applied)}, reading what it
     * applied from {@code dir} when its first entry comes (on the consensus engine's thread, not the caller's).
     */
    public void register(PartitionId id, UUID topicId, ActorRef<PartitionActor.Command> actor, Path dir) {
        register(id, topicId, actor, dir, null);
    }

    /**
     * The partition's actor was told to stop: the entries it refuses from now on stop this replica as
     * any refusal does (they are applied again at the next start), but that is expected, not an error.
     */
    public synchronized void stopping(PartitionId id) {
        Replica replica = replicas.get(id);
        if (replica != null) {
            replica.stopping = true;
        }
    }

    public synchronized void unregister(PartitionId id) {
        actors.remove(id);
        Replica replica = replicas.remove(id);
        if (replica != null) {
            synchronized (replica) {
                closeQuietly(replica);
            }
        }
    }

    /**
     * The topic with this id was deleted: entries of it that wait for their partition (which will never
     * be registered again) and those still to come are answered {@link #OTHER_TOPIC}. Without this,
     * such entries would wait forever and hold back the group's snapshots.
     */
    public synchronized void topicDeleted(UUID topicId) {
        if (!deletedTopics.add(topicId)) {
            return;
        }
        waiting.values().removeIf(queue -> {
            queue.removeIf(w -> {
                if (w.entry().topicId().equals(topicId)) {
                    w.answer().complete(OTHER_TOPIC);
                    return true;
                }
                return false;
            });
            return queue.isEmpty();
        });
    }

    /** Applies one entry of term 0; called in log order. */
    public CompletionStage<PartitionActor.AppendReply> apply(long index, byte[] bytes) {
        return apply(index, 0, ReplicaEntry.decode(bytes));
    }

    /**
     * Applies one entry, committed in {@code term}, which becomes its batches' leader epoch; called in
     * log order (so terms never decrease).
     */
    public synchronized CompletionStage<PartitionActor.AppendReply> apply(long index, long term,
                                                                          ReplicaEntry entry) {
        if (deletedTopics.contains(entry.topicId())) {
            return CompletableFuture.completedFuture(OTHER_TOPIC);
        }
        ActorRef<PartitionActor.Command> actor = actors.get(entry.partition());
        if (actor == null || waiting.containsKey(entry.partition())
                || replicas.get(entry.partition()).applied == null) {
            CompletableFuture<PartitionActor.AppendReply> answer = new CompletableFuture<>();
            waiting.computeIfAbsent(entry.partition(), id -> new ArrayDeque<>())
                    .add(new Waiting(index, term, entry, answer));
            drain(entry.partition());
            return answer;
        }
        return send(index, term, actor, entry);
    }

    /**
     * Hands the entries that wait for the partition to its actor, in order, once it is registered and
     * has opened its log; until then they wait. What the replica applied is read once its actor opened
     * the log: the recovery may go back to the durable record. The question runs off the applying
     * thread, so that one partition opening its log does not hold back its group's other partitions.
     */
    private void drain(PartitionId id) {
        ArrayDeque<Waiting> queued = waiting.get(id);
        ActorRef<PartitionActor.Command> actor = actors.get(id);
        if (queued == null || actor == null) {
            return;
        }
        Replica replica = replicas.get(id);
        if (replica.applied == null && replica.halted == null) {
            if (!replica.opening) {
                replica.opening = true;
                askWhetherOpened(id, replica, actor, System.nanoTime() + timeout.toNanos());
            }
            return;
        }
        waiting.remove(id);
        for (Waiting w : queued) {
            send(w.index(), w.term(), actor, w.entry()).whenComplete((reply, error) -> {
                if (error != null) {
                    w.answer().completeExceptionally(error);
                } else {
                    w.answer().complete(reply);
                }
            });
        }
    }

    /**
     * Asks the partition's actor until it has opened its log ({@link ReplicaProgress#recover} ran), or
     * could not: a partition opening with a full stash answers at once, and is asked again.
     */
    private void askWhetherOpened(PartitionId id, Replica replica, ActorRef<PartitionActor.Command> actor,
                                  long deadline) {
        DirectAsk.<PartitionActor.Command, PartitionActor.PartitionState>ask(actor, PartitionActor.GetState::new,
                timeout, scheduler).whenCompleteAsync((state, failure) -> {
                    if (failure == null && state.availability() == PartitionActor.Availability.OPENING
                            && System.nanoTime() < deadline) {
                        CompletableFuture.delayedExecutor(OPENING_RECHECK.toNanos(), TimeUnit.NANOSECONDS)
                                .execute(() -> askWhetherOpened(id, replica, actor, deadline));
                        return;
                    }
                    opened(id, replica, failure != null ? "the partition " + actor + " did not answer: " + failure
                            : state.availability() == PartitionActor.Availability.OPENING
                            ? "the partition " + actor + " did not open its log in " + timeout : null);
                });
    }

    /**
     * The partition's actor opened its log, or could not ({@code failure}): reads what the replica applied
     * and hands it the entries that waited. A replica that cannot tell what it applied stops applying
     * ({@link #halt}), as one whose storage refuses an entry does.
     */
    private synchronized void opened(PartitionId id, Replica replica, String failure) {
        replica.opening = false;
        ArrayDeque<Waiting> queued = waiting.get(id);
        if (replicas.get(id) != replica || queued == null) {
            // Unregistered or registered again since (its entries wait for the next registration), or
            // nothing waits any more (its topic was deleted): the next entry asks again.
            return;
        }
        PartitionActor.AppendFailed refusal = failure == null ? null
                : new PartitionActor.AppendFailed(PartitionActor.AppendError.NOT_AVAILABLE, failure);
        if (refusal == null) {
            try {
                replica.applied = ReplicaProgress.read(replica.dir, storage);
            } catch (java.io.IOException e) {
                refusal = new PartitionActor.AppendFailed(PartitionActor.AppendError.STORAGE_ERROR,
                        "reading what replica " + replica.dir + " applied failed: " + e.getMessage());
            }
        }
        if (refusal != null) {
            halt(replica, queued.peekFirst().index(), refusal);
        }
        drain(id);
    }

    private CompletionStage<PartitionActor.AppendReply> send(long index, long term,
                                                             ActorRef<PartitionActor.Command> actor,
                                                             ReplicaEntry entry) {
        Replica replica = replicas.get(entry.partition());
        if (!replica.topicId.equals(entry.topicId())) {
            // An entry of a topic deleted since (applied again at a restart): it has no partition here any more.
            return CompletableFuture.completedFuture(OTHER_TOPIC);
        }
        // Null only for a replica that stopped before it could read what it applied.
        if (replica.applied != null && index <= replica.applied.index()) {
            return CompletableFuture.completedFuture(ALREADY_APPLIED);
        }
        if (replica.halted != null) {
            return CompletableFuture.completedFuture(new PartitionActor.AppendFailed(
                    PartitionActor.AppendError.STORAGE_ERROR, replica.halted));
        }
        try {
            ValidBatches valid = entry.validate();
            return DirectAsk.<PartitionActor.Command, PartitionActor.AppendReply>ask(actor,
                    replyTo -> new PartitionActor.Append(valid, entry.appendTimeMs(), Math.toIntExact(term), replyTo),
                    timeout, scheduler)
                    .handle((reply, failure) -> failure != null
                            ? halt(replica, index, new PartitionActor.AppendFailed(
                                    PartitionActor.AppendError.NOT_AVAILABLE, failure.toString()))
                            : recorded(entry.partition(), replica, index, reply));
        } catch (InvalidBatchException e) {
            // The leader validated it: only damage in transit or a bug brings this; every replica refuses alike.
            return CompletableFuture.completedFuture(recorded(entry.partition(), replica, index,
                    new PartitionActor.AppendFailed(
                    PartitionActor.AppendError.INVALID_RECORD, e.getMessage())));
        }
    }

    /**
     * Records that the entry at {@code index} was carried out (answers come in log order for one
     * partition). The end only grows: a retried batch answered with its first offsets leaves it.
     * A refusal that every replica makes alike (a sequence out of order, a record too large) counts
     * as carried out; one that comes from this replica's own state (its storage failed, it was
     * stopping) does not: see {@link #halt}.
     */
    private PartitionActor.AppendReply recorded(PartitionId id, Replica replica, long index,
                                                PartitionActor.AppendReply reply) {
        if (reply instanceof PartitionActor.AppendFailed failed && LOCAL_FAILURES.contains(failed.error())) {
            return halt(replica, index, failed);
        }
        synchronized (replica) {
            // Halted: an entry before this one was not carried out here, so no later one may count as applied.
            if (replica.closed || replica.halted != null) {
                return reply;
            }
            long end = reply instanceof PartitionActor.Appended appended
                    ? Math.max(replica.applied.endOffset(), appended.lastOffset() + 1) : replica.applied.endOffset();
            ReplicaProgress.Applied applied = new ReplicaProgress.Applied(index, end);
            try {
                if (replica.progress == null) {
                    replica.progress = ReplicaProgress.open(replica.dir, storage);
                }
                ReplicaProgress.write(replica.progress, applied);
                replica.applied = applied;
            } catch (java.io.IOException e) {
                return halt(replica, index, new PartitionActor.AppendFailed(
                        PartitionActor.AppendError.STORAGE_ERROR, "recording what was applied failed: " + e));
            }
        }
        return reply;
    }

    /** A partition that got an entry of its group: the last one's index, and the topic id it carried. */
    public record Touched(PartitionId partition, UUID topicId, long index) {
    }

    /**
     * Makes what the replicas of {@code partitions} applied durable: each partition's log is fsynced
     * ({@link PartitionActor.Flush}), then its pair ({@link ReplicaProgress#writeDurably}), so that a
     * restart, even after a power cut, may skip the entries they carried out. False if one of them
     * cannot vouch for its entries: it stopped applying ({@link #halt}), its log could not be made
     * durable, or it is not registered (its partition stopped, or has not started yet) while its topic is
     * not known deleted. Such a replica applies its entries again from the group's log at its next
     * start, so no snapshot may pass them.
     */
    public boolean makeDurable(java.util.Collection<Touched> partitions) throws java.io.IOException {
        java.util.Map<Replica, ActorRef<PartitionActor.Command>> durable = new java.util.LinkedHashMap<>();
        synchronized (this) {
            for (Touched touched : partitions) {
                Replica replica = replicas.get(touched.partition());
                if (replica == null || !replica.topicId.equals(touched.topicId())) {
                    if (!deletedTopics.contains(touched.topicId())) {
                        return false;
                    }
                    continue;
                }
                if (replica.halted != null) {
                    return false;
                }
                durable.put(replica, actors.get(touched.partition()));
            }
        }
        // The pairs first, then the fsyncs: each log is then durable at least up to its pair.
        java.util.Map<Replica, ReplicaProgress.Applied> pairs = new java.util.HashMap<>();
        java.util.Map<Replica, CompletableFuture<PartitionActor.FlushReply>> flushes = new java.util.HashMap<>();
        for (Map.Entry<Replica, ActorRef<PartitionActor.Command>> entry : durable.entrySet()) {
            synchronized (entry.getKey()) {
                if (entry.getKey().applied == null || entry.getKey().closed) {
                    continue;
                }
                pairs.put(entry.getKey(), entry.getKey().applied);
            }
            flushes.put(entry.getKey(), DirectAsk.<PartitionActor.Command, PartitionActor.FlushReply>ask(
                    entry.getValue(), PartitionActor.Flush::new, timeout, scheduler).toCompletableFuture());
        }
        boolean all = true;
        for (Map.Entry<Replica, ReplicaProgress.Applied> pair : pairs.entrySet()) {
            Replica replica = pair.getKey();
            PartitionActor.FlushReply reply = flushed(flushes.get(replica));
            if (!(reply instanceof PartitionActor.Flushed flushed)
                    || flushed.durableEndOffset() < pair.getValue().endOffset()) {
                if (reply instanceof PartitionActor.FlushFailed failed && !replica.stopping) {
                    halt(replica, pair.getValue().index(), new PartitionActor.AppendFailed(
                            PartitionActor.AppendError.STORAGE_ERROR, failed.message()));
                }
                all = false;
                continue;
            }
            synchronized (replica) {
                if (!replica.closed) {
                    if (replica.progress == null) {
                        replica.progress = ReplicaProgress.open(replica.dir, storage);
                    }
                    ReplicaProgress.writeDurably(replica.progress, pair.getValue());
                }
            }
        }
        return all;
    }

    /** The answer to a flush; a flush that did not answer in time counts as failed, without a reason. */
    private PartitionActor.FlushReply flushed(CompletableFuture<PartitionActor.FlushReply> reply) {
        try {
            return reply.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return null;
        }
    }

    private static void closeQuietly(Replica replica) {
        replica.closed = true;
        if (replica.progress != null) {
            try {
                replica.progress.close();
            } catch (java.io.IOException e) {
                log.warn("Closing the progress file of replica {} failed: {}", replica.dir, e.toString());
            }
            replica.progress = null;
        }
    }

    /**
     * This replica could not carry out the entry at {@code index} while the others did: it stops
     * applying the partition's entries, rather than give later ones the offsets this one should have
     * had. At the node's next start its log is cut back to what it recorded as applied and the group's
     * log (kept whole behind it) is applied again from there. If its storage failed, what it wrote since
     * its last snapshot may never reach the disk (after a failed fsync the page cache may hold bytes the
     * disk does not): it goes back to the snapshot ({@link ReplicaProgress#rollBack}).
     */
    private PartitionActor.AppendReply halt(Replica replica, long index, PartitionActor.AppendFailed failure) {
        if (replica.halted == null) {
            replica.halted = "this replica in " + replica.dir + " stopped applying at entry " + index + ": "
                    + failure.message();
            if (replica.stopping) {
                log.debug("Replica {} stopped applying its group's entries at entry {} as it stops; it applies"
                        + " them at its next start", replica.dir, index);
                return failure;
            }
            log.error("Replica {} stopped applying its group's entries at entry {} ({}: {}); the other replicas"
                    + " go on, and this one catches up when the node restarts", replica.dir, index, failure.error(),
                    failure.message());
            if (failure.error() == PartitionActor.AppendError.STORAGE_ERROR
                    || failure.error() == PartitionActor.AppendError.OUTCOME_UNKNOWN) {
                synchronized (replica) {
                    try {
                        ReplicaProgress.rollBack(replica.dir, storage);
                    } catch (java.io.IOException e) {
                        log.error("Replica {} could not go back to its last snapshot after its storage failed: {}",
                                replica.dir, e.toString());
                    }
                }
            }
        }
        return failure;
    }
}
