package io.riverlog.actors.groups.offsets;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.riverlog.actors.groups.CommittedOffset;
import io.riverlog.actors.partition.PartitionId;

/** Which offsets expire: Kafka's rules for classic groups and for offsets committed outside a group. */
class OffsetExpiryTest {
    private static final long RETENTION = 1_000;
    private static final PartitionId P0 = new PartitionId("t", 0);
    private static final PartitionId P1 = new PartitionId("t", 1);

    private final OffsetTable table = new OffsetTable();

    private void commit(String groupId, PartitionId partition, long atMs) {
        table.apply(new OffsetChange.Committed(groupId, partition, new CommittedOffset(5, -1, Optional.empty(), atMs)));
    }

    private List<OffsetExpiry.Expired> at(long nowMs, Set<String> withMembers, long startedAtMs) {
        return OffsetExpiry.find(table, withMembers::contains, nowMs, RETENTION, startedAtMs);
    }

    @Test
    void aGroupWithMembersKeepsItsOffsetsHoweverOld() {
        commit("g", P0, 0);
        table.apply(new OffsetChange.Membership("g", true, 0));
        assertThat(at(10 * RETENTION, Set.of("g"), 0)).isEmpty();
    }

    @Test
    void offsetsOfAnEmptyGroupExpireAfterTheLaterOfBecomingEmptyAndTheirCommit() {
        commit("g", P0, 100);
        table.apply(new OffsetChange.Membership("g", false, 500));
        commit("g", P1, 800);
        assertThat(at(500 + RETENTION - 1, Set.of(), 0)).isEmpty();
        assertThat(at(500 + RETENTION, Set.of(), 0)).singleElement().satisfies(expired -> {
            assertThat(expired.changes()).containsExactly(new OffsetChange.Deleted("g", P0));
            assertThat(expired.wholeGroup()).isFalse();
        });
        assertThat(at(800 + RETENTION, Set.of(), 0)).singleElement().satisfies(expired -> {
            assertThat(expired.changes()).containsExactly(new OffsetChange.GroupDeleted("g"));
            assertThat(expired.offsets()).isEqualTo(2);
        });
    }

    @Test
    void offsetsCommittedOutsideAnyGroupExpireByTheirCommitTime() {
        commit("standalone", P0, 100);
        commit("standalone", P1, 300);
        assertThat(at(100 + RETENTION, Set.of(), 5_000)).singleElement()
                .satisfies(expired -> assertThat(expired.changes())
                        .containsExactly(new OffsetChange.Deleted("standalone", P0)));
    }

    @Test
    void aGroupLastSeenWithMembersCountsAsEmptySinceTheBrokerStarted() {
        commit("g", P0, 0);
        table.apply(new OffsetChange.Membership("g", true, 0));
        assertThat(at(2_000 + RETENTION - 1, Set.of(), 2_000)).isEmpty();
        assertThat(at(2_000 + RETENTION, Set.of(), 2_000)).extracting(OffsetExpiry.Expired::groupId)
                .containsExactly("g");
    }

    @Test
    void aGroupWithoutOffsetsIsForgottenOnceEmptyForTheRetention() {
        table.apply(new OffsetChange.Membership("g", false, 100));
        assertThat(at(100 + RETENTION - 1, Set.of(), 0)).isEmpty();
        assertThat(at(100 + RETENTION, Set.of(), 0)).singleElement()
                .satisfies(expired -> assertThat(expired.changes())
                        .containsExactly(new OffsetChange.GroupDeleted("g")));
    }
}
