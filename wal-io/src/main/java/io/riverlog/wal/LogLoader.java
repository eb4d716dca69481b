package io.riverlog.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a partition directory and derives the log's whole state from its files: segments, log
 * start and end offsets, durable end, and any damage. There is no other state to restore. The log
 * starts at its first segment's base offset, or at the {@link LogStartOffset} stored by a deletion
 * of records if that is larger.
 *
 * <p>What is known durable, and so acknowledged or at least fsynced: every segment but the last (a
 * segment is sealed, fsynced whole, before the next one begins), and the last one up to the
 * recovery point, which every flush fsyncs before it returns. Recovery never cuts or deletes any of
 * that. Only the last segment's bytes after the recovery point may be a torn write: there the log is
 * cut at the first batch that fails its checks.
 *
 * <p>After a clean close (the {@code .clean-shutdown} marker is there) the indexes are trusted once
 * they pass their sanity checks, and only the batch headers after each segment's last index entry
 * are walked. After an unclean stop the segments before the last are walked the same way, and the
 * last one is checked batch by batch (length, magic, CRC32C, contiguous offsets) from the index
 * entry at or below the recovery point. A batch in durable bytes that fails its checks is
 * {@link Damage}: recorded, logged with file, position and offsets, kept, and never served; the
 * offsets around it are. Damage elsewhere is found by the first read that reaches it and by the
 * scrubber (see {@link SegmentChecks}).
 *
 * <p>Snapshots of derived state above the log end or below its start no longer match the log and
 * are deleted; the others are left to {@link PartitionLog#restoreState}, which checks them.
 */
final class LogLoader {
    private static final Logger log = LoggerFactory.getLogger(LogLoader.class);

    /**
     * What loading found; the fields become the log's state. {@code droppedBytes} are whole valid
     * batches cut because they lay at or beyond the end offset the caller said was acknowledged.
     */
    record Loaded(ConcurrentSkipListMap<Long, Segment> segments, NavigableSet<Long> snapshots, boolean created,
                  boolean clean, long truncatedBytes, long droppedBytes, List<Damage> damage,
                  long storedLogStartOffset) {
    }

    /** No end offset given: keep every valid batch. */
    static final long KEEP_ALL = Long.MAX_VALUE;

    private final Path dir;
    private final LogConfig config;
    private final Storage storage;
    /** Opening a thousand partitions must not take a thousand read buffers (see ThreadScratch). */
    private static final ThreadScratch SCRATCH = new ThreadScratch();

    private final ByteBuffer scratch;
    private long truncatedBytes;
    private long droppedBytes;
    private long storedLogStart;
    private final List<Damage> damage = new ArrayList<>();
    private final TreeSet<Long> snapshots = new TreeSet<>();

    private LogLoader(Path dir, LogConfig config, Storage storage) {
        this.dir = dir;
        this.config = config;
        this.storage = storage;
        this.scratch = SCRATCH.get(config.recoveryReadBytes());
    }

    static Loaded load(Path dir, LogConfig config, Storage storage) throws IOException {
        return new LogLoader(dir, config, storage).load(KEEP_ALL);
    }

    /**
     * Loads as {@link #load(Path, LogConfig, Storage)}, then cuts the log to end exactly at
     * {@code endOffset}: valid batches beyond it are dropped (written, but never acknowledged), and a
     * log that ends before it has lost acknowledged records, a {@link CorruptLogException}.
     */
    static Loaded load(Path dir, LogConfig config, Storage storage, long endOffset) throws IOException {
        return new LogLoader(dir, config, storage).load(endOffset);
    }

    private Loaded load(long endOffset) throws IOException {
        storage.createDirectories(dir);
        Path marker = dir.resolve(LogFiles.CLEAN_SHUTDOWN);
        boolean clean = storage.exists(marker);
        if (finishSwaps()) {
            clean = false;
        }
        TreeSet<Long> bases = listSegmentsRemovingLeftovers();
        ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
        try {
            if (bases.isEmpty()) {
                segments.put(0L, Segment.create(dir, 0, config, storage));
            } else {
                for (long base : bases) {
                    segments.put(base, Segment.open(dir, base, config, storage));
                }
                if (clean) {
                    openClean(segments);
                } else {
                    recoverUnclean(segments);
                }
            }
            if (endOffset != KEEP_ALL) {
                cutToEndOffset(segments, endOffset);
            }
            Segment last = segments.lastEntry().getValue();
            storedLogStart = storedLogStartOffset(last.nextOffset());
            deleteSnapshotsOutside(segments.firstKey(), last.nextOffset());
            writeRecoveryPoint(new RecoveryPoint(last.nextOffset(), last.baseOffset, last.sizeInBytes()));
            storage.deleteIfExists(marker);
            storage.fsyncDirectory(dir);
        } catch (IOException | RuntimeException e) {
            for (Segment segment : segments.values()) {
                closeQuietly(segment, e);
            }
            throw e;
        }
        return new Loaded(segments, snapshots, bases.isEmpty(), clean, truncatedBytes, droppedBytes,
                List.copyOf(damage), storedLogStart);
    }

    /**
     * The log start offset the {@code log-start-offset} file holds (0 if none, or if it fails its checks;
     * see {@link LogStartOffset}). It lies at or below the log end unless records acknowledged under a
     * policy that does not fsync them were lost; the log then starts at its end, durably, so that what
     * is appended next is not hidden below the old value.
     */
    private long storedLogStartOffset(long endOffset) throws IOException {
        OptionalLong stored = LogStartOffset.read(dir, storage);
        if (stored.isEmpty()) {
            return 0;
        }
        if (stored.getAsLong() <= endOffset) {
            return stored.getAsLong();
        }
        log.warn("The log start offset of {} was moved to {}, past its end {} after recovery: records that had been"
                + " acknowledged without an fsync were lost; the log now starts at its end", dir, stored.getAsLong(),
                endOffset);
        LogStartOffset.write(dir, storage, endOffset);
        return endOffset;
    }

    private void openClean(ConcurrentSkipListMap<Long, Segment> segments) throws IOException {
        RecoveryPoint point = RecoveryPoint.read(dir, storage);
        Segment last = segments.lastEntry().getValue();
        long lastEnd = point != null && point.segmentBaseOffset() == last.baseOffset
                && point.position() == last.sizeInBytes() ? point.offset() : -1;
        for (Segment segment : segments.values()) {
            Long next = segments.higherKey(segment.baseOffset);
            // A clean close leaves the recovery point at the end of the last segment; if it is not, the
            // last segment's end is checked batch by batch rather than taken from its headers.
            boolean unknownEnd = next == null && lastEnd < 0;
            if (unknownEnd || !segment.walkToEnd(next != null ? next : lastEnd)) {
                log.warn("Index or batch headers of {} do not match after a clean shutdown; checking it batch by"
                        + " batch", segment.file());
                if (segment == last) {
                    recoverLast(segment, point);
                } else {
                    recoverWhole(segment, segments.higherKey(segment.baseOffset));
                }
            }
        }
        checkContiguous(segments);
    }

    private void recoverUnclean(ConcurrentSkipListMap<Long, Segment> segments) throws IOException {
        RecoveryPoint point = RecoveryPoint.read(dir, storage);
        Segment last = segments.lastEntry().getValue();
        for (Segment segment : segments.headMap(last.baseOffset).values()) {
            if (!segment.walkToEnd(segments.higherKey(segment.baseOffset))) {
                recoverWhole(segment, segments.higherKey(segment.baseOffset));
            }
        }
        checkContiguous(segments.headMap(last.baseOffset, true));
        recoverLast(last, point);
        // What recovery kept may have been read from the page cache only: make it durable before it counts.
        last.seal();
    }

    /**
     * The last segment: durable up to the recovery point if the point lies in it (nothing of it was
     * acknowledged if the point lies in an earlier segment); checked from the index entry at or
     * below that point, and cut after it at the first batch that fails.
     */
    private void recoverLast(Segment last, RecoveryPoint point) throws IOException {
        int durable = 0;
        long durableEndOffset = last.baseOffset;
        if (point == null) {
            log.warn("No usable recovery point in {}; checking its last segment {} from the start", dir, last.file());
        } else if (point.segmentBaseOffset() == last.baseOffset) {
            durable = point.position();
            durableEndOffset = point.offset();
        } else if (point.segmentBaseOffset() > last.baseOffset) {
            throw new CorruptLogException(last.file(), last.sizeInBytes(), "the recovery point names segment "
                    + point.segmentBaseOffset() + ", which does not exist; the log lost acknowledged segments");
        }
        int size = last.sizeInBytes();
        if (durable > size) {
            throw new CorruptLogException(last.file(), size, "file is shorter than its fsynced length " + durable);
        }
        OffsetIndex.Entry from = last.trustedEntryAtOrBelow(durable);
        Segment.RecoveryResult result = last.recover(from.position(), from.offset(), durable, durableEndOffset,
                Long.MAX_VALUE, scratch);
        damage.addAll(result.damage());
        cutIfInvalid(last, result);
    }

    /** A segment that was sealed, checked from its start: whatever fails its checks is damage, never cut. */
    private void recoverWhole(Segment segment, Long nextBaseOffset) throws IOException {
        int size = segment.sizeInBytes();
        long end = nextBaseOffset != null ? nextBaseOffset : Long.MAX_VALUE;
        Segment.RecoveryResult result = segment.recover(0, segment.baseOffset, size, end, Long.MAX_VALUE, scratch);
        damage.addAll(result.damage());
        segment.seal();
    }

    /**
     * Makes the log end at {@code endOffset}: segments that start after it are deleted (newest first,
     * each deletion fsynced), then the one holding it is cut before the batch that starts there. Each
     * cut is logged with file, position and bytes. The recovery point is moved to the cut, durably,
     * before anything is cut: it may name bytes past the acknowledged end (its write reached the file,
     * its fsync failed), and a cut that outlived it would leave a file shorter than its recovery point
     * says, which the next opening takes for lost acknowledged data.
     */
    private void cutToEndOffset(ConcurrentSkipListMap<Long, Segment> segments, long endOffset) throws IOException {
        Segment last = segments.lastEntry().getValue();
        if (last.nextOffset() < endOffset) {
            throw new CorruptLogException(last.file(), last.sizeInBytes(), "the log ends at offset "
                    + last.nextOffset() + " but offsets up to " + (endOffset - 1) + " were acknowledged");
        }
        Segment holder = segments.floorEntry(endOffset).getValue();
        Segment.RecoveryResult cut = null;
        if (holder.nextOffset() > endOffset) {
            OffsetIndex.Entry from = holder.trustedEntryAtOrBelowOffset(endOffset);
            cut = holder.recover(from.position(), from.offset(), 0, from.offset(), endOffset, scratch);
            if (cut.nextOffset() != endOffset) {
                throw cannotCut(holder, endOffset, cut.nextOffset());
            }
        }
        writeRecoveryPoint(new RecoveryPoint(endOffset, holder.baseOffset,
                cut != null ? cut.validBytes() : holder.sizeInBytes()));
        // Newest first, each deletion durable before the next and before the cut: whatever a power cut
        // keeps is then the holder, whole or cut, followed by contiguous segments. A later segment that
        // came back after a holder cut short would leave a gap the next opening takes for lost data.
        List<Segment> beyond = new ArrayList<>(segments.tailMap(holder.baseOffset, false).descendingMap().values());
        for (Segment segment : beyond) {
            log.warn("Deleting segment {}: it holds only offsets from {} on, beyond the acknowledged end offset {}",
                    segment.file(), segment.baseOffset, endOffset);
            droppedBytes += segment.sizeInBytes();
            segments.remove(segment.baseOffset);
            segment.delete();
            segment.close();
            storage.fsyncDirectory(dir);
        }
        if (cut != null) {
            long oldEnd = holder.nextOffset();
            log.warn("Cut {} at position {}: dropped {} bytes of batches never acknowledged (offsets {} to {})",
                    holder.file(), cut.validBytes(), cut.invalidBytes(), cut.nextOffset(), oldEnd - 1);
            holder.truncateTo(cut.validBytes());
            droppedBytes += cut.invalidBytes();
        }
        if (holder.nextOffset() != endOffset) {
            throw cannotCut(holder, endOffset, holder.nextOffset());
        }
    }

    private static CorruptLogException cannotCut(Segment holder, long endOffset, long batchesEnd) {
        return new CorruptLogException(holder.file(), holder.sizeInBytes(), "the log cannot be cut at the"
                + " acknowledged end offset " + endOffset + ": the batches there end at offset " + batchesEnd);
    }

    private void writeRecoveryPoint(RecoveryPoint point) throws IOException {
        try (RecoveryPoint.Store store = new RecoveryPoint.Store(dir, storage)) {
            store.write(point);
            store.force();
        }
    }

    private boolean cutIfInvalid(Segment segment, Segment.RecoveryResult result) throws IOException {
        if (result.invalidBytes() == 0) {
            return false;
        }
        log.warn("Recovery truncated {} at position {}: cut {} bytes ({}); log end offset is now {}",
                segment.file(), result.validBytes(), result.invalidBytes(),
                result.problem() == null ? "trailing bytes" : result.problem(), result.nextOffset());
        segment.truncateTo(result.validBytes());
        truncatedBytes += result.invalidBytes();
        return true;
    }

    /**
     * Deletes the snapshots of derived state that the log no longer matches: above its end (recovery
     * or a cut-back removed the batches they had seen) or below its start (their segment is gone, a
     * deletion a crash interrupted). Made durable with the directory at the end of loading, before
     * anything is appended again.
     */
    private void deleteSnapshotsOutside(long startOffset, long endOffset) throws IOException {
        for (long offset : new ArrayList<>(snapshots)) {
            if (offset >= startOffset && offset <= endOffset) {
                continue;
            }
            Path file = dir.resolve(LogFiles.fileName(offset, LogFiles.SNAPSHOT_SUFFIX));
            storage.deleteIfExists(file);
            snapshots.remove(offset);
            log.info("Deleted snapshot {}: the log now holds offsets [{}, {})", file, startOffset, endOffset);
        }
    }

    private static void checkContiguous(java.util.NavigableMap<Long, Segment> segments) throws CorruptLogException {
        Segment previous = null;
        for (Segment segment : segments.values()) {
            if (previous != null && previous.nextOffset() != segment.baseOffset) {
                throw new CorruptLogException(previous.file(), previous.sizeInBytes(),
                        "segment ends at offset " + previous.nextOffset() + " but the next one starts at "
                                + segment.baseOffset);
            }
            previous = segment;
        }
    }

    /**
     * Lists segment base offsets, and the offsets of snapshots; removes files a crash left behind
     * (deletions, orphan indexes, a log start offset staged but never committed).
     */
    private TreeSet<Long> listSegmentsRemovingLeftovers() throws IOException {
        TreeSet<Long> bases = new TreeSet<>();
        List<Path> indexes = new ArrayList<>();
        for (Path file : storage.list(dir)) {
            String name = file.getFileName().toString();
            if (name.endsWith(LogFiles.DELETED_SUFFIX) || name.endsWith(LogFiles.CLEANED_SUFFIX)
                    || name.equals(LogFiles.LOG_START_OFFSET_STAGED) || name.equals(CompactedOffset.stagedName())) {
                storage.delete(file);
            } else if (LogFiles.baseOffsetOf(name, LogFiles.LOG_SUFFIX) >= 0) {
                bases.add(LogFiles.baseOffsetOf(name, LogFiles.LOG_SUFFIX));
            } else if (LogFiles.baseOffsetOf(name, LogFiles.SNAPSHOT_SUFFIX) >= 0) {
                snapshots.add(LogFiles.baseOffsetOf(name, LogFiles.SNAPSHOT_SUFFIX));
            } else if (name.endsWith(LogFiles.INDEX_SUFFIX) || name.endsWith(LogFiles.TIME_INDEX_SUFFIX)) {
                indexes.add(file);
            }
        }
        for (Path index : indexes) {
            String name = index.getFileName().toString();
            long base = Math.max(LogFiles.baseOffsetOf(name, LogFiles.INDEX_SUFFIX),
                    LogFiles.baseOffsetOf(name, LogFiles.TIME_INDEX_SUFFIX));
            if (!bases.contains(base)) {
                storage.delete(index);
            }
        }
        return bases;
    }

    /**
     * Finishes every swap of a compacted segment that a crash interrupted: a {@code <base>.log.swap} was
     * committed (it was fsynced whole before its rename), so the segments whose offsets it holds are
     * deleted, with the indexes of its base segment (rebuilt from it), and it becomes {@code <base>.log}.
     * Returns whether there was any.
     */
    private boolean finishSwaps() throws IOException {
        if (!storage.exists(dir)) {
            return false;
        }
        boolean any = false;
        String swapSuffix = LogFiles.LOG_SUFFIX + LogFiles.SWAP_SUFFIX;
        for (Path file : storage.list(dir)) {
            long base = LogFiles.baseOffsetOf(file.getFileName().toString(), swapSuffix);
            if (base < 0) {
                continue;
            }
            long end = endOfSwap(file, base);
            for (Path other : storage.list(dir)) {
                String name = other.getFileName().toString();
                for (String suffix : LogFiles.SEGMENT_SUFFIXES) {
                    long otherBase = LogFiles.baseOffsetOf(name, suffix);
                    boolean replaced = otherBase > base && otherBase < end;
                    boolean staleIndex = otherBase == base && !suffix.equals(LogFiles.LOG_SUFFIX);
                    if (replaced || staleIndex) {
                        storage.delete(other);
                    }
                }
            }
            storage.rename(file, dir.resolve(LogFiles.fileName(base, LogFiles.LOG_SUFFIX)));
            storage.fsyncDirectory(dir);
            log.warn("Finished the swap of compacted segment {} (offsets {} to {}) that a stop interrupted", file,
                    base, end - 1);
            any = true;
        }
        return any;
    }

    /** The offset after the last batch of a swap file, every batch of which must pass its checks. */
    private long endOfSwap(Path file, long base) throws IOException {
        try (java.nio.channels.FileChannel channel = storage.open(file, java.nio.file.StandardOpenOption.READ)) {
            BatchScanner scanner = new BatchScanner(channel, 0, Math.toIntExact(channel.size()), scratch);
            long expected = base;
            while (true) {
                int at = scanner.position();
                BatchScanner.Step step = scanner.next(expected);
                if (step instanceof BatchScanner.End) {
                    return expected;
                }
                if (!(step instanceof BatchScanner.Valid valid)) {
                    throw new CorruptLogException(file, at, "a committed compacted segment fails its checks ("
                            + step + "); it was fsynced before it was committed, so the disk changed it");
                }
                expected = valid.lastOffset() + 1;
            }
        }
    }

    private static void closeQuietly(Segment segment, Exception cause) {
        try {
            segment.close();
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }
}
