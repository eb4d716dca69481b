package io.riverlog.actors.cluster;

/**
 * Where a replicated log's snapshot stands: the entry at {@code index}, appended in {@code term}.
 * Everything the entries up to it did is durable in the state (for a partition group, its partitions'
 * segments), so the log up to it may be purged.
 */
public record SnapshotPoint(long term, long index) {
}
