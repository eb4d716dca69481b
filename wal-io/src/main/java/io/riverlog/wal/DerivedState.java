package io.riverlog.wal;

import java.nio.ByteBuffer;

/**
 * State computed from a log's batch headers alone, which the log keeps up to date and snapshots
 * with its segments: a partition's producer state is one (see {@link PartitionLog#restoreState}).
 * The log applies every batch it appends, in offset order; at each roll and at a clean close it
 * writes the state's {@link #snapshot} to a file named by the offset it is as of; at open it
 * restores the newest usable snapshot and applies the batch headers after it.
 *
 * <p>So that a snapshot plus the headers after it is the same state as the headers alone, the
 * state as of an offset may depend only on the batches below it: no clock, no local setting that
 * changes between runs. Owned by the log's writer; not thread-safe.
 */
public interface DerivedState {

    /** Applies the next batch of the log. */
    void apply(BatchSummary batch);

    /** The state as bytes, for a snapshot; {@link Codec#restore} reads them back. */
    ByteBuffer snapshot();

    /** Makes the state of a log: empty, as before its first batch, or from a snapshot's bytes. */
    interface Codec<S extends DerivedState> {
        S empty();

        /**
         * The state a snapshot holds.
         *
         * @throws IllegalArgumentException if the bytes are not a snapshot this codec can read (a
         *                                  newer format, say): the snapshot is then passed over as absent
         */
        S restore(ByteBuffer snapshot);
    }
}
