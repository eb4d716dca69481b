package io.riverlog.actors.groups.offsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.riverlog.actors.groups.CommittedOffset;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.replica.ReplicaEntry;
import io.riverlog.wal.BatchFormat;

/** Offset changes as an entry of a partition group's log, told apart from an entry of batches. */
class OffsetsEntryTest {

    @Test
    void everyKindOfChangeComesBackAsItWasWritten() {
        List<OffsetChange> changes = List.of(
                new OffsetChange.Committed("readers", new PartitionId("orders", 3),
                        new CommittedOffset(42, 7, Optional.of("meta"), 1_000L)),
                new OffsetChange.Committed("readers", new PartitionId("orders", 4),
                        new CommittedOffset(0, CommittedOffset.NO_LEADER_EPOCH, Optional.empty(), 2_000L)),
                new OffsetChange.Deleted("readers", new PartitionId("orders", 5)),
                new OffsetChange.GroupDeleted("gone"),
                new OffsetChange.Membership("readers", true, 3_000L));
        byte[] entry = OffsetsEntry.encode(changes);

        assertThat(OffsetsEntry.isOffsets(entry)).isTrue();
        assertThat(OffsetsEntry.decode(entry)).isEqualTo(changes);
        assertThat(OffsetsEntry.decode(OffsetsEntry.barrier())).isEmpty();
    }

    @Test
    void anEntryOfBatchesIsNotOneOfOffsets() {
        byte[] batches = ReplicaEntry.encode(new PartitionId("orders", 0), UUID.randomUUID(), 1_000L,
                BatchFormat.batchOf(List.of(new BatchFormat.NewRecord(1_000L, null, new byte[] {1}, List.of()))));
        assertThat(OffsetsEntry.isOffsets(batches)).isFalse();
    }

    @Test
    void aTruncatedEntryIsRefusedSayingSo() {
        byte[] entry = OffsetsEntry.encode(List.of(new OffsetChange.GroupDeleted("gone")));
        assertThatThrownBy(() -> OffsetsEntry.decode(Arrays.copyOf(entry, entry.length - 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ends early");
        byte[] longer = ByteBuffer.allocate(entry.length + 1).put(entry).array();
        assertThatThrownBy(() -> OffsetsEntry.decode(longer)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("after the last change");
    }
}
