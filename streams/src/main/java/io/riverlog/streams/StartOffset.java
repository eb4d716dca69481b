package io.riverlog.streams;

/**
 * Where a {@link PartitionSource} starts: a concrete offset, the log start (earliest) or the high
 * watermark (latest). Earliest and latest are resolved when the stream first reads, from the
 * partition's state at that moment.
 */
public sealed interface StartOffset {

    static StartOffset at(long offset) {
        return new At(offset);
    }

    /** The oldest record the partition still holds. */
    static StartOffset earliest() {
        return Boundary.EARLIEST;
    }

    /** The next record to be committed: only records committed after the stream starts. */
    static StartOffset latest() {
        return Boundary.LATEST;
    }

    record At(long offset) implements StartOffset {
        public At {
            if (offset < 0) {
                throw new IllegalArgumentException("an offset is never negative: " + offset
                        + " (use StartOffset.earliest() or latest())");
            }
        }
    }

    enum Boundary implements StartOffset {
        EARLIEST, LATEST
    }
}
