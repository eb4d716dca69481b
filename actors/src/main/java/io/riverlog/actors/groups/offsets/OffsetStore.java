package io.riverlog.actors.groups.offsets;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

import io.riverlog.actors.groups.CommittedOffset;
import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.GroupManager;
import io.riverlog.actors.groups.GroupRequests.CommitOffsets;
import io.riverlog.actors.groups.GroupRequests.CommitResult;
import io.riverlog.actors.groups.GroupRequests.DeleteGroup;
import io.riverlog.actors.groups.GroupRequests.DeleteGroupResult;
import io.riverlog.actors.groups.GroupRequests.DeleteOffsets;
import io.riverlog.actors.groups.GroupRequests.DeleteOffsetsResult;
import io.riverlog.actors.groups.GroupRequests.FetchOffsets;
import io.riverlog.actors.groups.GroupRequests.FetchResult;
import io.riverlog.actors.groups.GroupSettings;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.topics.BlockingIo;
import io.riverlog.wal.Storage;
import io.riverlog.wal.WriteOutcomeUnknownException;

/**
 * The committed offsets of every group: in memory ({@link OffsetTable}) and in the offsets log
 * ({@link OffsetsLog}, {@code <data-dir>/groups}), which is replayed at start ({@link #load}).
 *
 * <p>A change (a commit, the deletion of offsets or of a group, a group gaining its first or losing
 * its last member) is appended and fsynced, then applied to the table and answered. Changes that
 * arrive while a write is in flight are queued and written together with one fsync (group commit);
 * they are applied and answered in the order they were accepted. Before a write, the table is
 * snapshotted if enough changes were written since the last snapshot, and the expired offsets are
 * deleted if a check is due ({@link OffsetExpiry}); both are taken from the table while no write is
 * in flight. A write that fails was cut back by the log before the failure is reported, so its
 * changes are answered STORAGE_ERROR (not in effect, now or after a restart); if the cut-back failed
 * too, OUTCOME_UNKNOWN (they may come into effect at the next start). Fetches are answered from the
 * table, which holds only what is durable.
 *
 * <p>In a cluster ({@link OffsetsReplication}) a change is not written here but submitted to the log
 * of its group's shard and answered once that entry is committed and applied here; every member of
 * the shard applies the entry ({@link #applyReplicated}) by writing it to its own offsets log as
 * above. So the table of every member holds the shard's offsets, and the next leader has them. A
 * member behind a purge of a shard's log gets the shard's offsets from another member instead
 * ({@link #exportShard} there, {@link #replaceShard} here).
 *
 * <p>Not an actor of its own but a part of the {@link GroupManager}, used on its thread only: the
 * manager's routing asks the table whether a group exists (one without an actor exists while it has
 * committed offsets) and ListGroups joins the table's groups with the manager's, which from another
 * actor would take a round trip whose answer could be stale when it arrived; and a commit, accepted
 * by its group's actor, is queued here in the order the manager received it. The file IO runs on
 * the blocking-IO dispatcher, so the manager's thread never waits on the disk; its outcome reaches
 * the manager as a message ({@link Written}, {@link Closed}), which the manager hands back here.
 */
public final class OffsetStore {

    /** The offsets log is open and replayed: start the store with it. */
    public static final class Loaded implements GroupManager.Command {
        private final OffsetsLog log;
        private final OffsetTable table;
        private final long records;

        private Loaded(OffsetsLog log, OffsetTable table, long records) {
            this.log = log;
            this.table = table;
            this.records = records;
        }
    }

    /** Opening or replaying the offsets log failed: the committed offsets cannot be served. */
    public static final class LoadFailed implements GroupManager.Command {
        private final Throwable cause;

        private LoadFailed(Throwable cause) {
            this.cause = cause;
        }

        public Throwable cause() {
            return cause;
        }
    }

    /** A write finished, or failed: hand it to {@link #written}. */
    public static final class Written implements GroupManager.Command {
        private final List<PendingWrite> writes;
        private final Optional<Throwable> failure;

        private Written(List<PendingWrite> writes, Optional<Throwable> failure) {
            this.writes = writes;
            this.failure = failure;
        }
    }

    /** The offsets log is closed, or closing it failed: hand it to {@link #closed}. */
    public static final class Closed implements GroupManager.Command {
        private final Optional<Throwable> failure;

        private Closed(Optional<Throwable> failure) {
            this.failure = failure;
        }
    }

    /** A replicated write finished, or failed: hand it to {@link #replicated}. */
    public static final class Replicated implements GroupManager.Command {
        private final int shard;
        private final List<PendingWrite> writes;
        private final Optional<Throwable> failure;

        private Replicated(int shard, List<PendingWrite> writes, Optional<Throwable> failure) {
            this.shard = shard;
            this.writes = writes;
            this.failure = failure;
        }
    }

    /**
     * Changes to write as one batch; {@code onDurable} runs once they are applied,
     * {@code onFailure} if the write failed.
     */
    private record PendingWrite(List<OffsetChange> changes, Runnable onDurable, Consumer<GroupError> onFailure) {
    }

    /** The writes of one shard waiting to be replicated, and whether one is in flight (one at a time, in order). */
    private static final class Lane {
        private final List<PendingWrite> queued = new ArrayList<>();
        private boolean inFlight;
    }

    private final ActorContext<GroupManager.Command> context;
    private final Executor blockingIo;
    private final GroupSettings settings;
    private final Clock clock;
    private final OffsetsLog log;
    private final OffsetTable offsets;
    private final List<PendingWrite> queued = new ArrayList<>();
    /** In a cluster: the changes go through the shards' Raft logs, and come back to the table as applied entries. */
    private final Optional<OffsetsReplication> replication;
    private final Map<Integer, Lane> lanes = new HashMap<>();
    /** Groups that have members now, whatever protocol they use; their offsets do not expire. */
    private final Set<String> groupsWithMembers = new HashSet<>();
    private final long startedAtMs;
    private boolean expiryDue;
    /** The batch being written to the offsets log; empty while none is. */
    private List<PendingWrite> inFlight = List.of();
    private boolean closing;

    /**
     * Opens and replays the offsets log on the blocking-IO dispatcher; the manager then hears
     * {@link Loaded} or {@link LoadFailed}.
     */
    public static void load(ActorContext<GroupManager.Command> context, Executor blockingIo, GroupSettings settings,
                            Storage storage, Clock clock) {
        context.pipeToSelf(BlockingIo.run(blockingIo, () -> {
            OffsetsLog log = OffsetsLog.open(settings.offsetsDir(), settings.offsetsLog(), storage, clock,
                    settings.offsetStorage().snapshotAfterChanges());
            OffsetTable table = new OffsetTable();
            try {
                long records = log.replay(table::apply);
                return new Loaded(log, table, records);
            } catch (IOException | RuntimeException e) {
                log.close();
                throw e;
            }
        }), (loaded, failure) -> failure == null ? loaded : new LoadFailed(BlockingIo.cause(failure)));
    }

    /**
     * The store over what was loaded. Groups the log last saw with members have none after a restart:
     * they are written down as empty since now, so that their offsets expire from now on.
     */
    public OffsetStore(ActorContext<GroupManager.Command> context, Executor blockingIo, GroupSettings settings,
                       Clock clock, Loaded loaded, Optional<OffsetsReplication> replication) {
        this.context = context;
        this.replication = replication;
        this.blockingIo = blockingIo;
        this.settings = settings;
        this.clock = clock;
        this.log = loaded.log;
        this.offsets = loaded.table;
        this.startedAtMs = clock.millis();
        context.getLog().info("Consumer groups loaded {} records from {}: {} groups with {} committed offsets",
                loaded.records, settings.offsetsDir(), offsets.groups().size(), offsets.size());
        if (replication.isEmpty()) {
            recordMembersLostByTheRestart();
        }
    }

    // ---------------------------------------------------------------- queries

    /** True if the group has committed offsets. */
    public boolean hasGroup(String groupId) {
        return offsets.hasGroup(groupId);
    }

    /** The groups that have committed offsets. */
    public Set<String> groups() {
        return offsets.groups();
    }

    /** Answers the fetch from the table: the offsets it asks for that the group committed. */
    public void fetch(FetchOffsets fetch) {
        Map<PartitionId, CommittedOffset> all = offsets.offsetsOf(fetch.groupId());
        if (fetch.partitions().isEmpty()) {
            fetch.replyTo().tell(new FetchResult(GroupError.NONE, new LinkedHashMap<>(all)));
            return;
        }
        Map<PartitionId, CommittedOffset> found = new LinkedHashMap<>();
        for (PartitionId partition : fetch.partitions().get()) {
            CommittedOffset offset = all.get(partition);
            if (offset != null) {
                found.put(partition, offset);
            }
        }
        fetch.replyTo().tell(new FetchResult(GroupError.NONE, found));
    }

    // ---------------------------------------------------------------- changes

    /**
     * Writes a commit its group accepted (or one from outside any group); metadata over the limit
     * is refused per partition.
     */
    public void commit(CommitOffsets commit) {
        Map<PartitionId, GroupError> results = new LinkedHashMap<>();
        List<OffsetChange> changes = new ArrayList<>();
        commit.offsets().forEach((partition, offset) -> {
            if (offset.metadata()
                    .map(m -> m.getBytes(StandardCharsets.UTF_8).length > settings.maxOffsetMetadataBytes())
                    .orElse(false)) {
                results.put(partition, GroupError.OFFSET_METADATA_TOO_LARGE);
            } else {
                results.put(partition, GroupError.NONE);
                changes.add(new OffsetChange.Committed(commit.groupId(), partition, offset));
            }
        });
        if (changes.isEmpty()) {
            commit.replyTo().tell(new CommitResult(results));
            return;
        }
        enqueue(new PendingWrite(changes, () -> commit.replyTo().tell(new CommitResult(results)), commit::fail));
    }

    /**
     * Deletes the group's offsets of the partitions whose topics are not in {@code subscribedTopics}
     * (empty: every topic counts as subscribed); the others are answered GROUP_SUBSCRIBED_TO_TOPIC.
     */
    public void deleteOffsets(DeleteOffsets request, Optional<Set<String>> subscribedTopics) {
        Map<PartitionId, GroupError> results = new LinkedHashMap<>();
        List<OffsetChange> changes = new ArrayList<>();
        for (PartitionId partition : request.partitions()) {
            boolean subscribed = subscribedTopics.map(topics -> topics.contains(partition.topic())).orElse(true);
            if (subscribed) {
                results.put(partition, GroupError.GROUP_SUBSCRIBED_TO_TOPIC);
            } else {
                results.put(partition, GroupError.NONE);
                if (offsets.get(request.groupId(), partition).isPresent()) {
                    changes.add(new OffsetChange.Deleted(request.groupId(), partition));
                }
            }
        }
        Runnable answer = () -> request.replyTo().tell(new DeleteOffsetsResult(GroupError.NONE, results));
        if (changes.isEmpty()) {
            answer.run();
            return;
        }
        enqueue(new PendingWrite(changes, answer, request::fail));
    }

    /** Logs the deletion even if no offset is known yet: commits queued before it are then deleted too. */
    public void deleteGroup(DeleteGroup delete) {
        enqueue(new PendingWrite(List.of(new OffsetChange.GroupDeleted(delete.groupId())), () -> {
            context.getLog().info("Deleted group {} and its committed offsets", delete.groupId());
            delete.replyTo().tell(new DeleteGroupResult(GroupError.NONE));
        }, delete::fail));
    }

    // ---------------------------------------------------------------- membership and expiry

    /** Notes a group gaining its first or losing its last member, in the log too: expiry counts from it. */
    public void membership(String groupId, boolean hasMembers) {
        boolean changed = hasMembers ? groupsWithMembers.add(groupId) : groupsWithMembers.remove(groupId);
        if (changed) {
            enqueue(new PendingWrite(List.of(new OffsetChange.Membership(groupId, hasMembers, clock.millis())),
                    () -> { }, error -> { }));
        }
    }

    /**
     * Deletes the offsets that expired, before the next write (now, if none is in flight); in a cluster,
     * of the groups {@code coordinatedHere} accepts, through their shards.
     */
    public void checkExpiry(Predicate<String> coordinatedHere) {
        if (replication.isPresent()) {
            expiries(groupId -> groupsWithMembers.contains(groupId) || !coordinatedHere.test(groupId))
                    .ifPresent(this::replicate);
            return;
        }
        expiryDue = true;
        if (inFlight.isEmpty()) {
            startWrite();
        }
    }

    /**
     * This node now coordinates the groups of {@code shard} (it leads the shard and applied its log):
     * those the log last saw with members have none here (their members were with another coordinator,
     * and must join again); they are written down as empty since now, so that their offsets expire from
     * now on.
     */
    public void coordinating(int shard) {
        OffsetsReplication shards = replication.orElseThrow();
        long now = clock.millis();
        List<OffsetChange> lost = offsets.groupsWithAnyState().stream()
                .filter(groupId -> shards.shardOf(groupId) == shard)
                .filter(groupId -> offsets.membershipOf(groupId).map(OffsetChange.Membership::hasMembers).orElse(false))
                .map(groupId -> (OffsetChange) new OffsetChange.Membership(groupId, false, now))
                .toList();
        groupsWithMembers.removeIf(groupId -> shards.shardOf(groupId) == shard);
        if (!lost.isEmpty()) {
            replicate(new PendingWrite(lost, () -> { }, error -> { }));
        }
    }

    private void recordMembersLostByTheRestart() {
        List<OffsetChange> lost = offsets.groupsWithAnyState().stream()
                .filter(groupId -> offsets.membershipOf(groupId).map(OffsetChange.Membership::hasMembers).orElse(false))
                .map(groupId -> (OffsetChange) new OffsetChange.Membership(groupId, false, startedAtMs))
                .toList();
        if (!lost.isEmpty()) {
            enqueue(new PendingWrite(lost, () -> { }, error -> { }));
        }
    }

    /** One write deleting every expired offset, which logs one line per group once it is durable. */
    private Optional<PendingWrite> expiries(Predicate<String> keep) {
        List<OffsetExpiry.Expired> expired = OffsetExpiry.find(offsets, keep, clock.millis(),
                settings.offsetStorage().retention().toMillis(), startedAtMs);
        if (expired.isEmpty()) {
            return Optional.empty();
        }
        List<OffsetChange> changes = expired.stream().flatMap(e -> e.changes().stream()).toList();
        return Optional.of(new PendingWrite(changes,
                () -> expired.forEach(e -> context.getLog().info("Expired {} committed offsets of group {} ({}){}",
                        e.offsets(), e.groupId(), e.since(), e.wholeGroup() ? "; the group is gone" : "")),
                error -> { }));
    }

    // ---------------------------------------------------------------- writes

    /** A change from a request: written to the offsets log here, or in a cluster replicated through its shard. */
    private void enqueue(PendingWrite write) {
        if (replication.isPresent()) {
            replicate(write);
        } else {
            writeLocally(write);
        }
    }

    private void writeLocally(PendingWrite write) {
        if (closing) {
            // Only what was accepted before the shutdown began is written before the log closes.
            write.onFailure().accept(GroupError.COORDINATOR_NOT_AVAILABLE);
            return;
        }
        queued.add(write);
        if (inFlight.isEmpty()) {
            startWrite();
        }
    }

    /**
     * Writes every queued change, one batch per write, with one fsync; first the expiries if they are
     * due, and first of all a snapshot if one is due. Both are taken from the table here, where every
     * earlier write is applied and none is in flight. Returns false if there was nothing to write.
     */
    private boolean startWrite() {
        List<PendingWrite> batch = new ArrayList<>();
        if (expiryDue && !closing) {
            expiryDue = false;
            expiries(groupsWithMembers::contains).ifPresent(batch::add);
        }
        batch.addAll(queued);
        queued.clear();
        if (batch.isEmpty()) {
            return false;
        }
        inFlight = batch;
        OffsetsLog target = log;
        List<OffsetChange> snapshot = log.snapshotDue() ? offsets.image() : null;
        context.pipeToSelf(BlockingIo.run(blockingIo, () -> {
            if (snapshot != null) {
                target.snapshot(snapshot);
            }
            List<List<OffsetChange>> writes = batch.stream().map(PendingWrite::changes)
                    .filter(changes -> !changes.isEmpty()).toList();
            if (!writes.isEmpty()) {
                target.append(writes);
            }
            return Done.getInstance();
        }), (done, failure) -> new Written(batch, Optional.ofNullable(failure).map(BlockingIo::cause)));
        return true;
    }

    /** Applies and answers a write that is durable, or answers its failure; then starts the next one. */
    public void written(Written done) {
        inFlight = List.of();
        if (done.failure.isPresent()) {
            boolean unknown = done.failure.get() instanceof WriteOutcomeUnknownException;
            context.getLog().error("Writing {} offset changes to {} failed; {}: {}", done.writes.size(),
                    settings.offsetsDir(), unknown ? "they are not in effect now, but may be after the next start"
                            : "they are not in effect and never will be", done.failure.get().getMessage());
            GroupError error = unknown ? GroupError.OUTCOME_UNKNOWN : GroupError.STORAGE_ERROR;
            done.writes.forEach(write -> write.onFailure().accept(error));
        } else {
            for (PendingWrite write : done.writes) {
                write.changes().forEach(offsets::apply);
                write.onDurable().run();
            }
        }
        if (!startWrite() && closing) {
            closeLog();
        }
    }

    // ---------------------------------------------------------------- replication (a cluster)

    /**
     * Submits the write's changes to their shards' logs (one entry per shard, the writes queued behind
     * one in flight going together in the next); it is answered once every shard committed and applied
     * its part, which has then reached the table through {@link #applyReplicated}.
     */
    private void replicate(PendingWrite write) {
        if (closing) {
            write.onFailure().accept(GroupError.COORDINATOR_NOT_AVAILABLE);
            return;
        }
        OffsetsReplication shards = replication.orElseThrow();
        Map<Integer, List<OffsetChange>> byShard = new LinkedHashMap<>();
        for (OffsetChange change : write.changes()) {
            byShard.computeIfAbsent(shards.shardOf(change.groupId()), shard -> new ArrayList<>()).add(change);
        }
        int[] left = {byShard.size()};
        boolean[] failed = {false};
        byShard.forEach((shard, changes) -> {
            PendingWrite part = byShard.size() == 1 ? write : new PendingWrite(changes, () -> {
                if (--left[0] == 0 && !failed[0]) {
                    write.onDurable().run();
                }
            }, error -> {
                if (!failed[0]) {
                    failed[0] = true;
                    write.onFailure().accept(error);
                }
            });
            lanes.computeIfAbsent(shard, s -> new Lane()).queued.add(part);
            startReplicated(shard);
        });
    }

    private void startReplicated(int shard) {
        Lane lane = lanes.get(shard);
        if (lane.inFlight || lane.queued.isEmpty()) {
            return;
        }
        List<PendingWrite> batch = List.copyOf(lane.queued);
        lane.queued.clear();
        lane.inFlight = true;
        byte[] entry = OffsetsEntry.encode(batch.stream().flatMap(write -> write.changes().stream()).toList());
        context.pipeToSelf(replication.orElseThrow().submit(shard, entry),
                (done, failure) -> new Replicated(shard, batch, Optional.ofNullable(failure)));
    }

    /**
     * Answers a replicated write: committed and applied here, or not (this node may no longer lead the
     * shard: the client finds the coordinator again and retries, which a commit allows).
     */
    public void replicated(Replicated done) {
        lanes.get(done.shard).inFlight = false;
        if (done.failure.isPresent()) {
            context.getLog().info("Replicating {} offset changes through partition group {} failed; answered"
                    + " NOT_COORDINATOR: {}", done.writes.size(), done.shard, done.failure.get().toString());
            done.writes.forEach(write -> write.onFailure().accept(GroupError.NOT_COORDINATOR));
        } else {
            done.writes.forEach(write -> write.onDurable().run());
        }
        startReplicated(done.shard);
    }

    /**
     * Applies a committed entry of a shard's log, on every member of the shard: the changes are
     * written to this node's offsets log (in the order the entries come) and applied to the table;
     * {@code applied} completes once they are durable here, or fails.
     */
    public void applyReplicated(byte[] entry, CompletableFuture<Void> applied) {
        List<OffsetChange> changes;
        try {
            changes = OffsetsEntry.decode(entry);
        } catch (IllegalArgumentException e) {
            applied.completeExceptionally(e);
            return;
        }
        writeLocally(new PendingWrite(changes, () -> applied.complete(null),
                error -> applied.completeExceptionally(new IllegalStateException("the offset changes were not"
                        + " written here: " + error))));
    }

    // ---------------------------------------------------------------- a shard's offsets sent to a member

    /**
     * Answers the offsets of {@code shard}'s groups as one entry ({@link OffsetsEntry}): each group's
     * committed offsets, then its membership if one is known, as the table holds them once every change
     * handed here before (entries of the shard's log being written) is applied. A member behind a purge
     * of the shard's log is sent them, and {@link #replaceShard replaces} its own with them.
     */
    public void exportShard(int shard, CompletableFuture<byte[]> exported) {
        if (replication.isEmpty()) {
            exported.completeExceptionally(new IllegalStateException("the committed offsets are not replicated"));
            return;
        }
        OffsetsReplication shards = replication.get();
        Runnable answer = () -> exported.complete(
                OffsetsEntry.encode(offsets.imageOf(groupId -> shards.shardOf(groupId) == shard)));
        if (inFlight.isEmpty() && queued.isEmpty()) {
            answer.run();
            return;
        }
        // An empty write, answered in its turn: once the changes ahead of it are in the table.
        writeLocally(new PendingWrite(List.of(), answer, error -> exported.completeExceptionally(
                new IllegalStateException("the offset changes before the export were not written here: " + error))));
    }

    /**
     * Makes this node's offsets of {@code shard} those of {@code entry} ({@link #exportShard} of another
     * member): every group of the shard that this node has, or that a write ahead of this one names, is
     * deleted, then the entry's changes follow, in one write (one batch of the offsets log: after a crash
     * it is there whole or not at all). {@code replaced} completes once that is durable here and applied;
     * an entry that is malformed, or names a group of another shard, fails it with
     * IllegalArgumentException and nothing is written.
     */
    public void replaceShard(int shard, byte[] entry, CompletableFuture<Void> replaced) {
        if (replication.isEmpty()) {
            replaced.completeExceptionally(new IllegalStateException("the committed offsets are not replicated"));
            return;
        }
        OffsetsReplication shards = replication.get();
        List<OffsetChange> changes;
        try {
            changes = OffsetsEntry.decode(entry);
        } catch (IllegalArgumentException e) {
            replaced.completeExceptionally(e);
            return;
        }
        Optional<String> stranger = changes.stream().map(OffsetChange::groupId)
                .filter(groupId -> shards.shardOf(groupId) != shard).findFirst();
        if (stranger.isPresent()) {
            replaced.completeExceptionally(new IllegalArgumentException("group " + stranger.get()
                    + " is not of partition group " + shard));
            return;
        }
        // Groups the entry names are deleted too: a partition or membership it lacks must not stay.
        Set<String> known = new TreeSet<>(offsets.groupsWithAnyState());
        Stream.concat(inFlight.stream(), queued.stream())
                .forEach(write -> write.changes().forEach(change -> known.add(change.groupId())));
        List<OffsetChange> replacement = new ArrayList<>();
        known.stream().filter(groupId -> shards.shardOf(groupId) == shard)
                .forEach(groupId -> replacement.add(new OffsetChange.GroupDeleted(groupId)));
        int deletions = replacement.size();
        replacement.addAll(changes);
        writeLocally(new PendingWrite(replacement, () -> {
            context.getLog().info("The committed offsets of partition group {} replaced by those sent to this node:"
                    + " {} groups cleared, then {} changes applied", shard, deletions, changes.size());
            replaced.complete(null);
        }, error -> replaced.completeExceptionally(new IllegalStateException("the offsets of partition group "
                + shard + " were not written here: " + error))));
    }

    // ---------------------------------------------------------------- close

    /** The writes queued or in flight, which are written before the log closes. */
    public int writesPending() {
        return queued.size() + (inFlight.isEmpty() ? 0 : 1) + lanes.values().stream()
                .mapToInt(lane -> lane.queued.size() + (lane.inFlight ? 1 : 0)).sum();
    }

    /**
     * Refuses every change from now on (COORDINATOR_NOT_AVAILABLE), writes what was accepted before,
     * then closes the log; the manager hears {@link Closed}.
     */
    public void close() {
        closing = true;
        if (inFlight.isEmpty()) {
            closeLog();
        }
    }

    private void closeLog() {
        OffsetsLog target = log;
        context.pipeToSelf(BlockingIo.run(blockingIo, () -> {
            target.close();
            return Done.getInstance();
        }), (done, failure) -> new Closed(Optional.ofNullable(failure).map(BlockingIo::cause)));
    }

    /** Logs a failure to close the log, which the next start recovers from. */
    public void closed(Closed closed) {
        closed.failure.ifPresent(failure -> context.getLog().error("Closing the offsets log {} failed; the"
                + " next start recovers it: {}", settings.offsetsDir(), failure.toString()));
    }
}
