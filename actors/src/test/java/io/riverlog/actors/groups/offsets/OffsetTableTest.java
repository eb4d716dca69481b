package io.riverlog.actors.groups.offsets;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.riverlog.actors.groups.CommittedOffset;
import io.riverlog.actors.partition.PartitionId;

/** The state of some of the table's groups, as the changes that rebuild it (a shard's export). */
class OffsetTableTest {

    @Test
    void theImageOfSomeGroupsHoldsEachGroupsOffsetsThenItsMembershipAndNoOtherGroup() {
        OffsetChange.Committed readers1 = committed("a-readers", new PartitionId("orders", 1), 7);
        OffsetChange.Committed readers0 = committed("a-readers", new PartitionId("orders", 0), 42);
        OffsetChange.Committed writers = committed("a-writers", new PartitionId("payments", 0), 5);
        OffsetChange.Membership readersActive = new OffsetChange.Membership("a-readers", true, 1_000L);
        OffsetChange.Membership idleEmpty = new OffsetChange.Membership("a-idle", false, 2_000L);
        OffsetTable table = new OffsetTable();
        List.of(readersActive, writers, readers1, readers0, idleEmpty, committed("b-others", readers0.partition(), 1),
                committed("a-gone", readers0.partition(), 3), new OffsetChange.GroupDeleted("a-gone"))
                .forEach(table::apply);

        assertThat(table.imageOf(groupId -> groupId.startsWith("a-")))
                .containsExactly(idleEmpty, readers0, readers1, readersActive, writers);
        assertThat(table.imageOf(groupId -> false)).isEmpty();
    }

    private static OffsetChange.Committed committed(String groupId, PartitionId partition, long offset) {
        return new OffsetChange.Committed(groupId, partition,
                new CommittedOffset(offset, 1, Optional.of("meta"), 100L * offset));
    }
}
