package io.riverlog.raft;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;

import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotReplyProto;
import org.apache.ratis.rpc.CallId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppenderBase;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.util.Timestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A leader's replication to one follower, on its own thread: one append in flight at a time, the
 * entries that arrive meanwhile going together in the next (fewer, larger appends, each written and
 * fsynced by the follower once), heartbeats when there is nothing to send, and, where the follower
 * needs entries this leader purged (or joins the group), a notification that it should install a
 * snapshot, which its state machine copies itself ({@code JournalStateMachine}); it is asked again
 * every heartbeat interval until it answers that it has.
 *
 * <p>Which index a follower has reached comes only from its answers: an append's {@code nextIndex},
 * a heartbeat's previous entry, an installed snapshot's index. A follower that refuses an append as
 * inconsistent is sent earlier entries; one with a newer term makes this leader step down.
 */
final class NotifyingLogAppender extends LogAppenderBase {
    private static final Logger log = LoggerFactory.getLogger(NotifyingLogAppender.class);

    NotifyingLogAppender(RaftServer.Division server, LeaderState leaderState, FollowerInfo follower) {
        super(server, leaderState, follower);
    }

    @Override
    public long getCallId() {
        return CallId.get();
    }

    @Override
    public Comparator<Long> getCallIdComparator() {
        return CallId.getComparator();
    }

    @Override
    public void run() throws InterruptedException, IOException {
        while (isRunning()) {
            if (shouldSendAppendEntries()) {
                TermIndex firstAvailable = shouldNotifyToInstallSnapshot();
                if (firstAvailable != null) {
                    notifyToInstallSnapshot(firstAvailable);
                } else {
                    append();
                }
            }
            if (isRunning() && !hasAppendEntries()) {
                getEventAwaitForSignal().await(getHeartbeatWaitTimeMs(), TimeUnit.MILLISECONDS);
            }
            getLeaderState().checkHealth(getFollower());
        }
    }

    /** Sends what the follower lacks (or a heartbeat, if one is due and it lacks nothing) and reads the answer. */
    private void append() throws InterruptedException, IOException {
        AppendEntriesRequestProto request = newAppendEntriesRequest(CallId.getAndIncrement(), false);
        if (request == null || !isRunning()) {
            return;
        }
        resetHeartbeatTrigger();
        Timestamp sentAt = Timestamp.currentTime();
        getFollower().updateLastRpcSendTime(request.getEntriesCount() == 0);
        AppendEntriesReplyProto reply = ask(() -> getServerRpc().appendEntries(request));
        if (reply == null) {
            return;
        }
        getFollower().updateLastRpcResponseTime();
        getFollower().updateLastRespondedAppendEntriesSendTime(sentAt);
        getLeaderState().onFollowerCommitIndex(getFollower(), reply.getFollowerCommit());
        switch (reply.getResult()) {
            case SUCCESS -> succeeded(request, reply);
            case NOT_LEADER -> onFollowerTerm(reply.getTerm());
            case INCONSISTENCY -> getFollower().setNextIndex(getNextIndexForInconsistency(firstIndex(request),
                    reply.getNextIndex()));
            default -> log.warn("{}: append answered {}", this, reply.getResult());
        }
        getLeaderState().onAppendEntriesReply(this, reply);
    }

    private void succeeded(AppendEntriesRequestProto request, AppendEntriesReplyProto reply) {
        long before = getFollower().getNextIndex();
        // A heartbeat only confirms the entry before it; an append says how far the follower's log reaches.
        long next = request.getEntriesCount() == 0
                ? Math.max(before, (request.hasPreviousLog() ? request.getPreviousLog().getIndex()
                        : RaftLog.INVALID_LOG_INDEX) + 1)
                : reply.getNextIndex();
        if (next > before) {
            getFollower().updateMatchIndex(next - 1);
            getFollower().increaseNextIndex(next);
            getLeaderState().onFollowerSuccessAppendEntries(getFollower());
        }
    }

    private static long firstIndex(AppendEntriesRequestProto request) {
        return request.getEntriesCount() > 0 ? request.getEntries(0).getIndex() : RaftLog.INVALID_LOG_INDEX;
    }

    /** Tells the follower to install a snapshot; the first entry this leader still has is {@code firstAvailable}. */
    private void notifyToInstallSnapshot(TermIndex firstAvailable) throws InterruptedException, IOException {
        getFollower().updateLastRpcSendTime(false);
        InstallSnapshotReplyProto reply = ask(() -> getServerRpc().installSnapshot(
                newInstallSnapshotNotificationRequest(firstAvailable)));
        if (reply == null) {
            return;
        }
        getFollower().updateLastRpcResponseTime();
        switch (reply.getResult()) {
            case SNAPSHOT_INSTALLED, ALREADY_INSTALLED -> {
                long installed = reply.getSnapshotIndex();
                log.info("{}: the follower installed a snapshot at {} ({})", this, installed, reply.getResult());
                getFollower().setSnapshotIndex(installed);
                getFollower().setAttemptedToInstallSnapshot();
                getLeaderState().onFollowerCommitIndex(getFollower(), installed);
                return;
            }
            case SUCCESS, SNAPSHOT_UNAVAILABLE -> getFollower().setAttemptedToInstallSnapshot();
            case NOT_LEADER -> {
                onFollowerTerm(reply.getTerm());
                return;
            }
            case IN_PROGRESS -> {
                // The follower is copying the state: asked again below.
            }
            default -> log.warn("{}: snapshot notification answered {}", this, reply.getResult());
        }
        // The follower installs in its own time: asking again at once would only spin.
        getEventAwaitForSignal().await(getHeartbeatWaitTimeMs(), TimeUnit.MILLISECONDS);
    }

    /** One request to the follower. */
    @FunctionalInterface
    private interface Call<T> {
        T send() throws IOException;
    }

    /**
     * The follower's answer to {@code call}, or null if it could not be reached: then Ratis is told (it
     * may reconnect), and the next try waits a moment.
     */
    private <T> T ask(Call<T> call) throws InterruptedException, InterruptedIOException {
        try {
            return call.send();
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            log.debug("{}: sending to the follower failed", this, e);
            getServerRpc().handleException(getFollowerId(), e, false);
            if (isRunning()) {
                getServer().properties().rpcSleepTime().sleep();
            }
            return null;
        }
    }
}
