package io.riverlog.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** A member is in sync while it has reached what its group had committed the lag time ago. */
class InSyncReplicasTest {
    private static final int GROUP = 0;

    @Test
    void aMemberIsInSyncOnceItReachedWhatWasCommittedTheLagTimeAgo() {
        InSyncReplicas replicas = new InSyncReplicas(Duration.ofMillis(1_000));
        assertThat(replicas.sampleInterval()).isEqualTo(Duration.ofMillis(100));
        replicas.sample(GROUP, 0, 10);
        assertThat(replicas.required(GROUP, 500)).as("watched for less than the lag: everyone in sync")
                .isEqualTo(Long.MIN_VALUE);
        for (long t = 100; t <= 3_000; t += 100) {
            replicas.sample(GROUP, t, 10 + t / 10); // 10 entries committed every 100 ms
        }
        assertThat(replicas.required(GROUP, 3_000)).as("committed 1 s before").isEqualTo(210);
        Map<Integer, Long> commits = Map.of(1, 310L, 2, 250L, 3, 205L);
        assertThat(replicas.inSync(1, commits, replicas.required(GROUP, 3_000), Set.of()))
                .as("node 3 is 105 entries behind, more than the last second's 100").containsExactly(1, 2);
        assertThat(replicas.inSync(1, commits, replicas.required(GROUP, 3_000), Set.of(2)))
                .as("a follower silent for the lag is out, whatever its index").containsExactly(1);
    }

    @Test
    void anIdleGroupKeepsEveryoneThatHasItsLastEntryAndTheLeaderIsAlwaysIn() {
        InSyncReplicas replicas = new InSyncReplicas(Duration.ofMillis(1_000));
        for (long t = 0; t <= 5_000; t += 100) {
            replicas.sample(GROUP, t, 500);
        }
        long required = replicas.required(GROUP, 5_000);
        assertThat(replicas.inSync(2, Map.of(1, 500L, 2, 0L, 3, 499L), required, Set.of())).containsExactly(1, 2);
        assertThat(replicas.inSync(-1, Map.of(1, 500L, 3, 500L), required, Set.of()))
                .as("no leader known").containsExactly(1, 3);
    }
}
