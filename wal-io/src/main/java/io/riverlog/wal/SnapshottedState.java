package io.riverlog.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.NavigableMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A log's {@link DerivedState} and its snapshot files ({@link StateSnapshots}): restored at open from
 * the newest usable snapshot and the batch headers after it, kept up to date with every append, and
 * snapshotted when the log asks. Until {@link #restore} there is no state, and every other method does
 * nothing: the broker's own logs (topic metadata, committed offsets) keep none.
 *
 * <p>Which snapshots are kept: one at the base of each segment (written when it began), and the
 * newest, which may lie inside the last segment (written at a clean close, or after a restore that
 * read batch headers). A snapshot below the log start goes with its segment, except the newest.
 * Only the log's writer calls this class.
 */
final class SnapshottedState {
    private static final Logger log = LoggerFactory.getLogger(SnapshottedState.class);

    private final Path dir;
    private final Storage storage;
    private final StateSnapshots snapshots;
    private DerivedState state;

    SnapshottedState(Path dir, Storage storage, StateSnapshots snapshots) {
        this.dir = dir;
        this.storage = storage;
        this.snapshots = snapshots;
    }

    /** See {@link PartitionLog#restoreState}; {@code segments} are the log's, none empty but the last. */
    <S extends DerivedState> S restore(DerivedState.Codec<S> codec, NavigableMap<Long, Segment> segments)
            throws IOException {
        if (state != null) {
            throw new IllegalStateException("the derived state of log " + dir + " is restored already");
        }
        long started = System.nanoTime();
        long end = segments.lastEntry().getValue().nextOffset();
        boolean filesChanged = false;
        S restored = null;
        long from = segments.firstKey();
        for (long offset : snapshots.newestFirst()) {
            restored = fromSnapshot(offset, codec, segments);
            if (restored != null) {
                from = offset;
                break;
            }
            snapshots.delete(offset);
            filesChanged = true;
        }
        String source = restored != null ? "its snapshot at offset " + from : "an empty state";
        if (restored == null) {
            restored = codec.empty();
            if (!replay(from, restored, segments)) {
                throw new CorruptLogException(segments.firstEntry().getValue().file(), 0,
                        "no batch starts at the log start offset " + from);
            }
        }
        state = restored;
        if (from < end) {
            snapshot(end, segments);
            filesChanged = true;
        }
        if (filesChanged) {
            storage.fsyncDirectory(dir);
        }
        if (filesChanged) {
            log.info("Restored the state of log {} from {} and the batch headers of offsets [{}, {}) in {} ms", dir,
                    source, from, end, (System.nanoTime() - started) / 1_000_000);
        }
        return restored;
    }

    /** Applies the batches just appended, whose offsets start at {@code firstOffset}. */
    void appended(ValidBatches batches, long firstOffset) {
        if (state == null) {
            return;
        }
        long offset = firstOffset;
        for (BatchInfo batch : batches.batches()) {
            long last = offset + batch.lastOffsetDelta();
            state.apply(new BatchSummary(offset, last, batch.producerId(), batch.producerEpoch(),
                    batch.baseSequence(), batch.maxTimestamp()));
            offset = last + 1;
        }
    }

    /**
     * Writes and forces the snapshot of the state as it is now, as of {@code offset} (the log end, or
     * the base of the segment about to begin), then deletes the snapshots between it and the base of
     * the segment below it. The caller fsyncs the directory.
     */
    void snapshot(long offset, NavigableMap<Long, Segment> segments) throws IOException {
        if (state == null) {
            return;
        }
        long started = System.nanoTime();
        ByteBuffer bytes = state.snapshot();
        int size = bytes.remaining();
        snapshots.write(offset, bytes);
        Long below = segments.lowerKey(offset);
        if (below != null) {
            snapshots.deleteBetween(below, offset);
        }
        log.debug("Snapshot of {} as of offset {}: {} bytes in {} us", dir, offset, size,
                (System.nanoTime() - started) / 1_000);
    }

    /** Retention moved the log start to {@code logStartOffset}: the snapshots below it go, but the newest. */
    void segmentsDeletedBelow(long logStartOffset) throws IOException {
        snapshots.deleteBelow(logStartOffset);
    }

    /**
     * Compaction replaced the segments from {@code baseOffset} to below {@code endOffset} with one: the
     * snapshots at the bases of the segments that went, strictly inside that range, go with them.
     */
    void segmentsCompacted(long baseOffset, long endOffset) throws IOException {
        snapshots.deleteBetween(baseOffset, endOffset);
    }

    /** The snapshot at {@code offset} with the batch headers after it applied; null if it is not usable. */
    private <S extends DerivedState> S fromSnapshot(long offset, DerivedState.Codec<S> codec,
                                                    NavigableMap<Long, Segment> segments) throws IOException {
        Path file = snapshots.file(offset);
        ByteBuffer bytes = snapshots.read(offset);
        if (bytes == null) {
            log.warn("Snapshot {} is torn or fails its CRC; it is deleted and an older one used", file);
            return null;
        }
        S restored;
        try {
            restored = codec.restore(bytes);
        } catch (IllegalArgumentException e) {
            log.warn("Snapshot {} cannot be read ({}); it is deleted and an older one used", file, e.getMessage());
            return null;
        }
        if (!replay(offset, restored, segments)) {
            log.warn("Snapshot {} is as of offset {}, where no batch of the log starts; it is deleted and an older"
                    + " one used", file, offset);
            return null;
        }
        return restored;
    }

    /** Applies every batch header from the batch at {@code offset} to the end; false if no batch starts there. */
    private static boolean replay(long offset, DerivedState onto, NavigableMap<Long, Segment> segments)
            throws IOException {
        Map.Entry<Long, Segment> first = segments.floorEntry(offset);
        if (first == null || !first.getValue().reader().forEachBatchFrom(offset, onto::apply)) {
            return false;
        }
        for (Segment segment : segments.tailMap(first.getKey(), false).values()) {
            segment.reader().forEachBatchFrom(segment.baseOffset, onto::apply);
        }
        return true;
    }
}
