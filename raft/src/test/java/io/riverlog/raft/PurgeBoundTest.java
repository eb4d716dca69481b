package io.riverlog.raft;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/**
 * How far a partition group's log is purged behind a snapshot when a member lags
 * ({@link JournalStateMachine#purgeIndexPastLaggingMembers}): up to the slowest member, but never more
 * than the bound behind the snapshot, and never past it.
 */
class PurgeBoundTest {
    private static final long BOUND = 64;

    @Test
    void aMemberWithinTheBoundHoldsThePurgeAtItsCommitIndex() {
        assertThat(JournalStateMachine.purgeIndexPastLaggingMembers(1000, 950, BOUND)).isEqualTo(950);
    }

    @Test
    void aMemberFurtherBehindHoldsItOnlyUpToTheBound() {
        assertThat(JournalStateMachine.purgeIndexPastLaggingMembers(1000, 10, BOUND)).isEqualTo(1000 - BOUND);
    }

    @Test
    void noMemberBehindPurgesUpToTheSnapshot() {
        assertThat(JournalStateMachine.purgeIndexPastLaggingMembers(1000, 1200, BOUND)).isEqualTo(1000);
    }

    @Property
    void neverPastTheSnapshotNorAMemberWithinTheBoundNorMoreThanTheBoundBehind(
            @ForAll @LongRange(min = 0, max = 1_000_000) long snapshot,
            @ForAll @LongRange(min = -1, max = 2_000_000) long slowest,
            @ForAll @LongRange(min = 0, max = 100_000) long bound) {
        long upTo = JournalStateMachine.purgeIndexPastLaggingMembers(snapshot, slowest, bound);
        assertThat(upTo).as("past the snapshot").isLessThanOrEqualTo(snapshot);
        assertThat(upTo).as("more than the bound behind the snapshot").isGreaterThanOrEqualTo(snapshot - bound);
        if (slowest >= snapshot - bound) {
            assertThat(upTo).as("past a member within the bound").isLessThanOrEqualTo(slowest);
        }
    }
}
