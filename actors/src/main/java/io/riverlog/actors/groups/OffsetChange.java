package io.riverlog.actors.groups;

import io.riverlog.actors.partition.PartitionId;

/** One change to the committed offsets: what one record of the offsets log says. */
sealed interface OffsetChange {

    String groupId();

    /** The group committed {@code offset} for the partition. */
    record Committed(String groupId, PartitionId partition, CommittedOffset offset) implements OffsetChange {
    }

    /** The group's offset of the partition was deleted (OffsetDelete). */
    record Deleted(String groupId, PartitionId partition) implements OffsetChange {
    }

    /** The group was deleted, with every offset it had committed (DeleteGroups). */
    record GroupDeleted(String groupId) implements OffsetChange {
    }
}
