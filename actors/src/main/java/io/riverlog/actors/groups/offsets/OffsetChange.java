package io.riverlog.actors.groups.offsets;

import io.riverlog.actors.groups.CommittedOffset;
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

    /** The group was deleted, with every offset it had committed (DeleteGroups, or expiry). */
    record GroupDeleted(String groupId) implements OffsetChange {
    }

    /**
     * The group gained its first member ({@code hasMembers}) or lost its last one, at
     * {@code sinceMs}. Offsets of an empty group expire counting from when it became empty.
     */
    record Membership(String groupId, boolean hasMembers, long sinceMs) implements OffsetChange {
    }
}
