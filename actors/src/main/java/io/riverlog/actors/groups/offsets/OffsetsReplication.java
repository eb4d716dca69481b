package io.riverlog.actors.groups.offsets;

import java.util.OptionalInt;
import java.util.concurrent.CompletionStage;

/**
 * Where a cluster keeps the committed offsets: in the Raft logs of its partition groups, each
 * consumer group's in one group's log (as a partition of Kafka's offsets topic holds them), whose
 * leader coordinates the consumer group. Every member of that partition group applies the entries to
 * its own {@link OffsetStore}, so that the next leader has them.
 */
public interface OffsetsReplication {

    /** The partition group whose log holds the consumer group's offsets, and whose leader coordinates it. */
    int shardOf(String groupId);

    /** The Raft term in which this node leads {@code shard} now; empty if it does not lead it. */
    OptionalInt leadingTerm(int shard);

    /**
     * Submits an entry ({@link OffsetsEntry}) to the shard's log; completes once it is committed and
     * this node (the leader) applied it, fails if it was not in time (it may still be committed).
     */
    CompletionStage<?> submit(int shard, byte[] entry);
}
