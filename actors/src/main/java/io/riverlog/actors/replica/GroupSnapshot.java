package io.riverlog.actors.replica;

import java.util.List;
import java.util.UUID;

/**
 * What a partition group's leader offers a member that needs entries it purged: its snapshot's point
 * ({@code term}, {@code index}) and, for each partition of the group, what its replica applied and
 * the files that hold its records. Everything the entries up to {@code index} did is in those files
 * up to each partition's {@code endOffset}.
 */
public record GroupSnapshot(long term, long index, List<PartitionCopy> partitions) {

    /**
     * A partition's replica on the leader: the last entry it carried out, the log's end after it, and
     * its files (the segments, then the small files that say where the log starts and how far it is
     * compacted), each as long as it was when listed; the segments only grow after that.
     */
    public record PartitionCopy(String topic, UUID topicId, int partition, long appliedIndex, long endOffset,
                                List<FileCopy> files) {
    }

    /** One file of a partition directory and its length when listed. */
    public record FileCopy(String name, long length) {
    }
}
