package io.riverlog.actors.groups.offsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.riverlog.actors.groups.CommittedOffset;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogRecord;
import io.riverlog.wal.ValidBatches;

class OffsetRecordsTest {
    private static final PartitionId PARTITION = new PartitionId("topic é", 3);

    @Test
    void everyKindOfChangeDecodesToWhatWasEncodedInOneBatch() {
        List<OffsetChange> changes = List.of(
                new OffsetChange.Committed("g", PARTITION, new CommittedOffset(42, 7, Optional.of("meta"), 1234)),
                new OffsetChange.Committed("g", PARTITION, new CommittedOffset(43, -1, Optional.empty(), 1235)),
                new OffsetChange.Deleted("g", PARTITION),
                new OffsetChange.Membership("g", true, 1236),
                new OffsetChange.Membership("g", false, 1237),
                new OffsetChange.GroupDeleted("g"));

        ValidBatches batch = OffsetRecords.batchOf(changes, 99);

        assertThat(batch.batches()).hasSize(1);
        List<LogRecord> records = BatchFormat.decode(batch.buffer(), 0);
        assertThat(records.stream().map(r -> OffsetRecords.decode(r.key(), r.value())).toList()).isEqualTo(changes);
    }

    @Test
    void aRecordOfAnotherFormatVersionIsRefused() {
        byte[] key = OffsetRecords.key(new OffsetChange.GroupDeleted("g"));
        key[0] = 9;
        assertThatThrownBy(() -> OffsetRecords.decode(key, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("format version 9");
    }

    @Test
    void aTruncatedValueIsRefused() {
        OffsetChange change = new OffsetChange.Committed("g", PARTITION,
                new CommittedOffset(1, 1, Optional.empty(), 1));
        byte[] value = OffsetRecords.value(change);
        byte[] cut = java.util.Arrays.copyOf(value, value.length - 1);
        assertThatThrownBy(() -> OffsetRecords.decode(OffsetRecords.key(change), cut))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ends early");
    }

    @Test
    void theTableAppliesChangesInOrder() {
        OffsetTable table = new OffsetTable();
        table.apply(new OffsetChange.Committed("g", PARTITION, new CommittedOffset(1, 1, Optional.empty(), 1)));
        table.apply(new OffsetChange.Committed("h", PARTITION, new CommittedOffset(2, 1, Optional.empty(), 1)));
        table.apply(new OffsetChange.Deleted("g", PARTITION));
        table.apply(new OffsetChange.GroupDeleted("h"));
        table.apply(new OffsetChange.Committed("h", PARTITION, new CommittedOffset(3, 1, Optional.empty(), 1)));

        assertThat(table.groups()).containsExactly("h");
        assertThat(table.get("h", PARTITION).map(CommittedOffset::offset)).contains(3L);
    }
}
