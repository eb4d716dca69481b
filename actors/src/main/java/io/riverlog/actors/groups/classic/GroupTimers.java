package io.riverlog.actors.groups.classic;

import java.time.Duration;

import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

import io.riverlog.actors.groups.GroupActor.Command;

/**
 * The timers of one {@link ClassicGroup}, each under its own key so that starting one again replaces
 * it, and the messages they send the group: a session per member, one per member id handed
 * out but not used yet, the join of a rebalance (its rebalance timeout, or the initial delay of an
 * empty group's first one) and the SyncGroups awaited after it. A replaced or cancelled timer's
 * message is never delivered (Pekko's timers guarantee it), so a message always concerns the current state.
 */
final class GroupTimers {

    record SessionExpired(String memberId) implements Command {
    }

    record PendingMemberExpired(String memberId) implements Command {
    }

    /** The rebalance timeout of a join passed. */
    enum JoinDeadline implements Command {
        INSTANCE
    }

    /** The initial delay of a first rebalance passed; it may extend within what remains of the rebalance timeout. */
    record InitialDelayPassed(long remainingMs) implements Command {
    }

    /** The rebalance timeout for SyncGroups of this generation passed. */
    record SyncDeadline(int generationId) implements Command {
    }

    private record SessionKey(String memberId) {
    }

    private record PendingMemberKey(String memberId) {
    }

    private static final String JOIN_KEY = "join";
    private static final String SYNC_KEY = "sync";

    private final TimerScheduler<Command> timers;

    GroupTimers(TimerScheduler<Command> timers) {
        this.timers = timers;
    }

    void restartSession(ClassicGroupMember member) {
        timers.startSingleTimer(new SessionKey(member.memberId()), new SessionExpired(member.memberId()),
                Duration.ofMillis(member.sessionTimeoutMs()));
    }

    void cancelSession(String memberId) {
        timers.cancel(new SessionKey(memberId));
    }

    void startPendingMember(String memberId, int sessionTimeoutMs) {
        timers.startSingleTimer(new PendingMemberKey(memberId), new PendingMemberExpired(memberId),
                Duration.ofMillis(sessionTimeoutMs));
    }

    void cancelPendingMember(String memberId) {
        timers.cancel(new PendingMemberKey(memberId));
    }

    void startJoinDeadline(long rebalanceTimeoutMs) {
        timers.startSingleTimer(JOIN_KEY, JoinDeadline.INSTANCE, Duration.ofMillis(rebalanceTimeoutMs));
    }

    void startInitialDelay(long delayMs, long remainingMs) {
        timers.startSingleTimer(JOIN_KEY, new InitialDelayPassed(remainingMs), Duration.ofMillis(delayMs));
    }

    void cancelJoin() {
        timers.cancel(JOIN_KEY);
    }

    void startSyncDeadline(int generationId, long rebalanceTimeoutMs) {
        timers.startSingleTimer(SYNC_KEY, new SyncDeadline(generationId), Duration.ofMillis(rebalanceTimeoutMs));
    }

    void cancelSync() {
        timers.cancel(SYNC_KEY);
    }

    void cancelAll() {
        timers.cancelAll();
    }
}
