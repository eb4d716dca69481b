package io.riverlog.raft;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.actors.cluster.ReplicatedStateMachine;

/**
 * A Raft group's state machine that hands each committed client entry, with its index, to the
 * actor core's {@link ReplicatedStateMachine} and answers with what that returns.
 *
 * <p>A snapshot here holds no data: it is a marker, {@code snapshot.<term>_<index>}, written once the
 * target made durable what every entry up to that index did ({@link ReplicatedStateMachine#snapshot}).
 * The partitions' segments are the state; a restarted node applies only the entries after the marker,
 * and the log may be purged up to it. The index is the end of the entries answered without a gap:
 * answers come back in any order, and an entry not answered yet (its partition's actor is still
 * writing it) holds the snapshot back. A member that needs entries the leader purged copies the
 * state itself ({@link #notifyInstallSnapshotFromLeader}, through {@link ReplicatedStateMachine#install}).
 *
 * <p>The consensus engine purges the log up to a snapshot, but never past the commit index of any
 * member: a member that is down would hold the purge back, and the log grow, for as long as it is
 * down. Here a member more than so many entries behind the snapshot holds it back no longer
 * ({@link #purgePastLaggingMembers}); when it returns, it copies the state instead.
 */
final class JournalStateMachine extends BaseStateMachine {
    private static final Logger log = LoggerFactory.getLogger(JournalStateMachine.class);

    /** Snapshot markers kept: the newest is the one read at a start; the one before it costs nothing. */
    private static final int MARKERS_KEPT = 2;

    private final ReplicatedStateMachine target;
    private final SimpleStateMachineStorage snapshots = new SnapshotMarkerStorage();
    /** Entries handed to the target and not yet covered by a snapshot, in log order: their term, and if answered. */
    private final ConcurrentSkipListMap<Long, Applying> applying = new ConcurrentSkipListMap<>();
    /** For a log that is never purged past a lagging member. */
    static final long NEVER_PAST_LAGGING_MEMBERS = -1;

    /** How long a member whose installation failed waits before it is asked again. */
    private final Duration installRetryInterval;
    /** How far behind a snapshot a member may be and still hold the purge back (or never passed). */
    private final long laggingMemberEntries;
    /** Whether the last snapshot purged past a lagging member: logged when that starts and when it ends. */
    private boolean purgingPastLaggingMember;
    /** Submits the leader's commit announcements ({@link #announceCommit}); null for a group without them. */
    private final LocalSubmitter announcer;
    /** The last entry of the answered run at the head of the log, or null if none since the last snapshot. */
    private TermIndex answeredUpTo;

    /**
     * The newest term whose first entry this member reached with every entry before it answered; -1
     * before any. A leader of that term has then carried out all that earlier leaders committed.
     */
    private final AtomicLong caughtUpTerm = new AtomicLong(-1);
    /** The term of the last entry applied; only the applying thread reads or writes it. */
    private long appliedTerm = -1;

    private static final class Applying {
        private final long term;
        private volatile boolean answered;
        /** Completes once the target answered the entry (either way). */
        private CompletableFuture<?> answer = CompletableFuture.completedFuture(null);

        Applying(long term) {
            this.term = term;
        }
    }

    JournalStateMachine(ReplicatedStateMachine target, Duration installRetryInterval, long laggingMemberEntries,
                        LocalSubmitter announcer) {
        this.target = target;
        this.announcer = announcer;
        this.installRetryInterval = installRetryInterval;
        this.laggingMemberEntries = laggingMemberEntries;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage) throws IOException {
        super.initialize(server, groupId, storage);
        snapshots.init(storage);
        getLifeCycle().startAndTransition(this::loadSnapshot);
    }

    /** Before a snapshot that a member copied from its leader is loaded ({@link #reinitialize}). */
    @Override
    public synchronized void pause() {
        if (getLifeCycle().getCurrentState() == LifeCycle.State.RUNNING) {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    /**
     * After a snapshot was installed: the entries handed over before it are behind it, and the
     * consensus engine applies those after it.
     */
    @Override
    public synchronized void reinitialize() throws IOException {
        applying.clear();
        answeredUpTo = null;
        loadSnapshot();
        if (getLifeCycle().getCurrentState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    private void loadSnapshot() {
        SingleFileSnapshotInfo latest = snapshots.loadLatestSnapshot();
        if (latest != null) {
            updateLastAppliedTermIndex(latest.getTerm(), latest.getIndex());
        }
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return snapshots;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext transaction) {
        LogEntryProto entry = transaction.getLogEntry();
        ByteString logData = entry.getStateMachineLogEntry().getLogData();
        enteringTerm(entry.getTerm(), entry.getIndex());
        Applying applied = new Applying(entry.getTerm());
        applying.put(entry.getIndex(), applied);
        if (logData.isEmpty()) {
            // A commit announcement: it carried the commit index to the followers, and holds nothing.
            applied.answered = true;
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
            return CompletableFuture.completedFuture(Message.EMPTY);
        }
        if (announcer != null) {
            CompletableFuture.runAsync(this::announceCommit);
        }
        byte[] data = logData.toByteArray();
        CompletableFuture<byte[]> reply = target.applyAsync(entry.getIndex(), entry.getTerm(), data)
                .toCompletableFuture();
        applied.answer = reply.whenComplete((bytes, failure) -> applied.answered = true);
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        return reply.thenApply(bytes -> Message.valueOf(ByteString.copyFrom(bytes)));
    }

    /**
     * Configuration entries (a new leader's first entry is one) are applied here, in log order with
     * the client entries.
     */
    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        enteringTerm(term, index);
        super.notifyTermIndexUpdated(term, index);
    }

    /**
     * At the first entry of a newer term: once every entry before it is answered, this member has
     * carried out all that the earlier terms committed, and its leader of that term may serve reads.
     */
    private void enteringTerm(long term, long index) {
        if (term <= appliedTerm) {
            return;
        }
        appliedTerm = term;
        CompletableFuture<?>[] unanswered = applying.headMap(index).values().stream()
                .filter(entry -> !entry.answered).map(entry -> entry.answer).toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(unanswered).whenComplete((done, failure) -> caughtUpTerm.accumulateAndGet(term,
                Math::max));
    }

    /**
     * True once this member carried out every entry of the terms before {@code term} (their answers
     * are in): a new leader's partitions are behind the committed log until then, and a read served
     * from them would give a consumer an end of the log that moved back.
     */
    boolean caughtUpIn(long term) {
        return caughtUpTerm.get() >= term;
    }

    /**
     * On the leader: appends an empty entry, whose replication tells the followers that the entry
     * just applied is committed. Without it (and with the engine's own commit-index entries off) an idle
     * group's followers learn that only from the next heartbeat, up to half the minimum election
     * timeout later: a topic just created would be unknown that long to the nodes that did not answer.
     * Runs off the applying thread: a submission takes the server's locks.
     */
    private void announceCommit() {
        RaftServer server = getServer().join();
        try {
            if (!server.getDivision(getGroupId()).getInfo().isLeader()) {
                return;
            }
        } catch (IOException e) {
            log.debug("Group {}: no commit announcement: {}", getGroupId(), e.toString());
            return;
        }
        announcer.submit(server, getGroupId(), new byte[0]).whenComplete((committed, failure) -> {
            if (failure != null) {
                log.debug("Group {}: a commit announcement was not appended: {}", getGroupId(), failure.toString());
            }
        });
    }

    /**
     * Called by the consensus engine (on the thread that applies entries) every so many entries: marks
     * the answered run of entries as a snapshot if the target made them durable. Returns the
     * snapshot's index, or -1 if none was taken now.
     */
    @Override
    public synchronized long takeSnapshot() throws IOException {
        for (Map.Entry<Long, Applying> head; (head = applying.firstEntry()) != null && head.getValue().answered; ) {
            answeredUpTo = TermIndex.valueOf(head.getValue().term, head.getKey());
            applying.remove(head.getKey());
        }
        SingleFileSnapshotInfo latest = snapshots.getLatestSnapshot();
        if (answeredUpTo == null || latest != null && answeredUpTo.getIndex() <= latest.getIndex()
                || !target.snapshot(answeredUpTo.getIndex())) {
            return -1;
        }
        writeMarker(answeredUpTo);
        purgePastLaggingMembers(answeredUpTo.getIndex());
        return answeredUpTo.getIndex();
    }

    /**
     * Purges the log up to {@code laggingMemberEntries} behind the snapshot at {@code snapshotIndex}
     * if a member's commit index is further behind than that (the consensus engine, which purges next,
     * would stop at that member's index); otherwise leaves the purge to the engine.
     */
    private void purgePastLaggingMembers(long snapshotIndex) throws IOException {
        if (laggingMemberEntries == NEVER_PAST_LAGGING_MEMBERS) {
            return;
        }
        RaftServer.Division division = getServer().join().getDivision(getGroupId());
        long slowest = division.getCommitInfos().stream().mapToLong(CommitInfoProto::getCommitIndex).min()
                .orElse(snapshotIndex);
        long upTo = purgeIndexPastLaggingMembers(snapshotIndex, slowest, laggingMemberEntries);
        boolean pastMember = upTo > slowest;
        if (pastMember != purgingPastLaggingMember) {
            purgingPastLaggingMember = pastMember;
            if (pastMember) {
                log.info("Group {}: a member's commit index ({}) is more than {} entries behind the snapshot at {};"
                        + " the log is purged past it, and it will copy the group's state when it returns",
                        getGroupId(), slowest, laggingMemberEntries, snapshotIndex);
            } else {
                log.info("Group {}: no member is more than {} entries behind the snapshot at {} any more",
                        getGroupId(), laggingMemberEntries, snapshotIndex);
            }
        }
        if (pastMember) {
            division.getRaftLog().purge(upTo);
        }
    }

    /**
     * The index up to which a log with a snapshot at {@code snapshotIndex} may be purged when its
     * slowest member committed up to {@code slowest}: up to that member, but never more than
     * {@code laggingMemberEntries} behind the snapshot, and never past the snapshot.
     */
    static long purgeIndexPastLaggingMembers(long snapshotIndex, long slowest, long laggingMemberEntries) {
        return Math.min(snapshotIndex, Math.max(slowest, snapshotIndex - laggingMemberEntries));
    }

    /** Writes the marker of a snapshot at {@code upTo}, durably, and makes it the latest. */
    private synchronized void writeMarker(TermIndex upTo) throws IOException {
        Path marker = snapshots.getSnapshotFile(upTo.getTerm(), upTo.getIndex()).toPath();
        try (FileChannel file = FileChannel.open(marker, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            file.write(ByteBuffer.wrap(Long.toString(upTo.getIndex()).getBytes(StandardCharsets.UTF_8)));
            file.force(true);
        }
        // The marker's name is what the next start reads: durable before Ratis counts the snapshot taken.
        try (FileChannel dir = FileChannel.open(marker.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
        snapshots.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(marker, null), upTo.getTerm(),
                upTo.getIndex()));
        deleteOlderMarkers(marker.getParent());
    }

    /**
     * Keeps the newest {@link #MARKERS_KEPT} markers: only the newest is read at a start. (Ratis' own
     * snapshot retention left thousands of them.)
     */
    private static void deleteOlderMarkers(Path dir) throws IOException {
        java.util.List<Path> markers;
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir)) {
            markers = files.filter(file -> SimpleStateMachineStorage.SNAPSHOT_REGEX.matcher(
                            file.getFileName().toString()).matches())
                    .sorted(java.util.Comparator.comparingLong((Path file) -> SimpleStateMachineStorage
                            .getTermIndexFromSnapshotFile(file.toFile()).getIndex()).reversed())
                    .toList();
        }
        for (Path older : markers.subList(Math.min(MARKERS_KEPT, markers.size()), markers.size())) {
            java.nio.file.Files.deleteIfExists(older);
        }
    }

    /**
     * The leader no longer has entries this member needs (its log was purged behind its snapshots: the
     * member was down while the others went on, its disk was replaced, or a move takes the group to
     * it). The target copies the state from the leader at one of its snapshots; its marker is written
     * here, and the consensus engine then sends the entries after it. A copy that fails is answered
     * after the retry interval, so that the leader, which asks again, does not ask in a tight loop.
     */
    @Override
    public CompletableFuture<TermIndex> notifyInstallSnapshotFromLeader(RoleInfoProto roleInfoProto,
                                                                        TermIndex firstTermIndexInLog) {
        if (firstTermIndexInLog.getIndex() <= getLastAppliedTermIndex().getIndex() + 1) {
            // The leader still has every entry this member needs (a member just added to the group is asked
            // once, whatever the log holds): no snapshot, and it sends the entries.
            return CompletableFuture.completedFuture(null);
        }
        int leader = RaftNode.nodeOf(RaftPeerId.valueOf(roleInfoProto.getFollowerInfo().getLeaderInfo().getId()
                .getId()));
        log.info("Group {}: the leader, node {}, no longer has the entries this member needs (its log starts at {},"
                + " this member applied up to {}); copying the group's state from it", getGroupId(), leader,
                firstTermIndexInLog.getIndex(), getLastAppliedTermIndex().getIndex());
        CompletableFuture<TermIndex> installed = new CompletableFuture<>();
        target.install(leader).whenComplete((point, failure) -> {
            if (failure == null) {
                try {
                    TermIndex at = TermIndex.valueOf(point.term(), point.index());
                    writeMarker(at);
                    log.info("Group {}: installed the leader's snapshot at entry {}", getGroupId(), point.index());
                    installed.complete(at);
                    return;
                } catch (IOException e) {
                    failure = e;
                }
            }
            log.warn("Group {}: copying the group's state from node {} failed; asking again in {}: {}", getGroupId(),
                    leader, installRetryInterval, failure.toString());
            Throwable cause = failure;
            CompletableFuture.delayedExecutor(installRetryInterval.toMillis(), TimeUnit.MILLISECONDS)
                    .execute(() -> installed.completeExceptionally(cause));
        });
        return installed;
    }
}
