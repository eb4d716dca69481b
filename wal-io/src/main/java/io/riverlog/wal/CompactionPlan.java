package io.riverlog.wal;

import java.nio.file.Path;
import java.util.List;

/**
 * What one compaction of a log is to work on, as the log's writer saw it: the cleanable segments
 * (every rolled segment from the one holding the log start, up to the first that is younger than
 * {@code min.compaction.lag.ms}), and where the part not compacted yet (the dirty part) begins.
 * Made by {@link PartitionLog#planCompaction}, carried out by {@link Compaction#run} on another thread,
 * swapped in by {@link PartitionLog#swapIn}.
 */
public final class CompactionPlan {
    final PartitionLog log;
    final List<Segment> segments;
    final long firstDirtyOffset;
    final long nowMs;
    final LogConfig config;
    private final long dirtyBytes;
    private final long cleanableBytes;

    CompactionPlan(PartitionLog log, List<Segment> segments, long firstDirtyOffset, long nowMs, LogConfig config) {
        this.log = log;
        this.segments = List.copyOf(segments);
        this.firstDirtyOffset = firstDirtyOffset;
        this.nowMs = nowMs;
        this.config = config;
        long dirty = 0;
        long all = 0;
        for (Segment segment : segments) {
            all += segment.sizeInBytes();
            if (segment.nextOffset() > firstDirtyOffset) {
                dirty += segment.sizeInBytes();
            }
        }
        this.dirtyBytes = dirty;
        this.cleanableBytes = all;
    }

    /** Whether this is a plan of {@code partitionLog} (and not of an instance it replaced). */
    public boolean isFor(PartitionLog partitionLog) {
        return log == partitionLog;
    }

    public Path dir() {
        return log.dir();
    }

    /** Bytes of the cleanable segments written since the last compaction. */
    public long dirtyBytes() {
        return dirtyBytes;
    }

    /** Bytes of all cleanable segments. */
    public long cleanableBytes() {
        return cleanableBytes;
    }

    public double dirtyRatio() {
        return cleanableBytes == 0 ? 0 : (double) dirtyBytes / cleanableBytes;
    }

    public int segmentCount() {
        return segments.size();
    }
}
