package io.riverlog.raft;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which members of a partition group are in sync, as Kafka judges a follower: in sync while it has
 * caught up, within the last {@code replica-lag-time}, with where the leader was. Here: a member
 * whose commit index (as this node last heard it) has reached the index this node saw committed
 * {@code replica-lag-time} ago, learnt from samples of that index taken every so often. The leader
 * is always in sync; a leader also drops a follower that has not answered it for the lag time (an
 * idle group commits nothing, so a dead follower's index would never fall behind).
 */
final class InSyncReplicas {
    /** How many samples of each group's commit index are taken per lag time: the judgment's resolution. */
    static final int SAMPLES_PER_LAG = 10;

    private final long lagMs;
    /** Per group, (time, commit index) samples, oldest first; the oldest is the newest older than the lag. */
    private final Map<Integer, Deque<long[]>> samples = new HashMap<>();

    InSyncReplicas(Duration lag) {
        this.lagMs = lag.toMillis();
    }

    /** How often {@link #sample} should be called. */
    Duration sampleInterval() {
        return Duration.ofMillis(Math.max(1, lagMs / SAMPLES_PER_LAG));
    }

    /** Records that this node saw {@code commitIndex} committed in {@code group} at {@code nowMs}. */
    synchronized void sample(int group, long nowMs, long commitIndex) {
        Deque<long[]> kept = samples.computeIfAbsent(group, g -> new ArrayDeque<>());
        kept.addLast(new long[] {nowMs, commitIndex});
        // Keep one sample at least the lag old, and the newer ones.
        while (kept.size() > 1 && nowMs - secondOf(kept)[0] >= lagMs) {
            kept.removeFirst();
        }
    }

    /** The index a member must have reached to be in sync at {@code nowMs}: committed the lag time ago. */
    synchronized long required(int group, long nowMs) {
        Deque<long[]> kept = samples.get(group);
        if (kept == null || kept.isEmpty() || nowMs - kept.peekFirst()[0] < lagMs) {
            // Not watched for the lag time yet (this node just started): every member counts as in sync.
            return Long.MIN_VALUE;
        }
        return kept.peekFirst()[1];
    }

    /**
     * The members in sync: the leader, each member whose commit index reached {@code required}, less
     * (on the leader) the followers silent for longer than the lag.
     *
     * @param commitIndexes   each member's commit index as this node knows it
     * @param silentFollowers followers that have not answered this node (the leader) within the lag; empty elsewhere
     */
    Set<Integer> inSync(int leader, Map<Integer, Long> commitIndexes, long required, Set<Integer> silentFollowers) {
        Set<Integer> members = new TreeSet<>();
        if (leader >= 0) {
            members.add(leader);
        }
        commitIndexes.forEach((member, index) -> {
            if (index >= required && !silentFollowers.contains(member)) {
                members.add(member);
            }
        });
        return members;
    }

    long lagMs() {
        return lagMs;
    }

    private static long[] secondOf(Deque<long[]> kept) {
        var it = kept.iterator();
        it.next();
        return it.next();
    }
}
