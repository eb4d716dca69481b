package io.riverlog.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of one partition: a directory of segments holding Kafka v2 record batches with
 * contiguous offsets. Everything about the partition that must survive a restart is derived from
 * these files when the log is opened (see {@link LogLoader}).
 *
 * <p>Threads: one writer (the partition's LogWriter) calls {@link #restoreState}, {@link #append},
 * {@link #flush}, {@link #enforceRetention}, {@link #moveLogStartOffset},
 * {@link #deleteSegmentsBelowLogStart} and {@link #close}; {@link #read}, {@link #offsetForTimestamp},
 * {@link #offsetOfLargestTimestamp} and the offset accessors may be called from any thread at the
 * same time.
 *
 * <p>Durability: {@link #append} writes to the page cache; {@link #flush} fsyncs the data, then the
 * {@link RecoveryPoint}, and moves {@link #durableEndOffset()}. A write or fsync that fails takes the
 * log offline (see {@link LogOfflineException}); it is never retried, because after a failed fsync
 * the page cache can no longer be trusted to hold what was written.
 *
 * <p>Integrity: no byte is read out of the log unless its batch was verified (CRC32C, sizes,
 * offsets) since the log was opened: batches appended by this process were checked when they
 * arrived; older ones are checked by recovery, by the first read that reaches them, or by
 * {@link #scrub}. A batch that fails is {@link Damage}: never served (reads of its offsets throw
 * {@link DamagedDataException}), never cut, reported once through {@link #onDamage}; the offsets
 * around it are served and appends go on.
 *
 * <p>Derived state: a log may keep a {@link DerivedState} (a partition's producer state) computed
 * from its batch headers ({@link #restoreState}, {@link SnapshottedState}). It is snapshotted to a
 * file next to the segments at every roll, as of the new segment's base offset, and at a clean
 * close, as of the log end; a snapshot goes when retention deletes its segment.
 *
 * <p>Log start: the first segment's base offset, unless records were deleted past it
 * ({@link #moveLogStartOffset}, Kafka's DeleteRecords): the new start is stored durably in its own
 * file ({@link LogStartOffset}) before the move counts, and reads below it are out of range from then
 * on, also after any restart. Whole segments below it are deleted as retention deletes them.
 */
public final class PartitionLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);

    private final Path dir;
    /** Changed only by the writer ({@link #reconfigure}); readers may see the old one for a while. */
    private volatile LogConfig config;
    private final Clock clock;
    private final Storage storage;
    private final ConcurrentSkipListMap<Long, Segment> segments;
    private final RecoveryPoint.Store recoveryPoint;
    /** The derived state, kept up to date with every append once {@link #restoreState} was called. */
    private final SnapshottedState state;
    private final RetiredSegments retired;
    private volatile Segment active;
    /** When the active segment took its first append since the log was opened; -1 before that. */
    private long activeFirstAppendMs = -1;
    private volatile long durableEndOffset;
    /** The log below this is compacted (kept in {@link CompactedOffset} once each compaction is durable). */
    private long cleanedUpTo;
    /** Records below this were deleted ({@link #moveLogStartOffset}); 0 if none were. */
    private volatile long deletedBelowOffset;
    private volatile IOException failure;
    private volatile java.util.function.Consumer<Damage> damageListener = damage -> { };
    private volatile boolean closed;
    /** Guards {@link #compactionRunning}; {@link #close} waits on it for a compaction to stop. */
    private final Object compactionGuard = new Object();
    private boolean compactionRunning;
    /** A compaction notices a close between two batches; this bounds the wait for it, in case it does not. */
    private static final long COMPACTION_STOP_WAIT_MS = 10_000;

    private PartitionLog(Path dir, LogConfig config, Clock clock, Storage storage, LogLoader.Loaded loaded)
            throws IOException {
        this.dir = dir;
        this.config = config;
        this.retired = new RetiredSegments(config.segmentDeleteDelayMs());
        this.clock = clock;
        this.storage = storage;
        this.segments = loaded.segments();
        this.state = new SnapshottedState(dir, storage, new StateSnapshots(dir, storage, loaded.snapshots()));
        this.active = segments.lastEntry().getValue();
        this.durableEndOffset = active.nextOffset();
        this.deletedBelowOffset = loaded.storedLogStartOffset();
        this.recoveryPoint = new RecoveryPoint.Store(dir, storage);
        this.cleanedUpTo = CompactedOffset.read(dir, storage, active.nextOffset());
    }

    /**
     * Deletes, at open, the segments a move of the log start left below it (the move was durable, the
     * deletions were not done yet when the broker stopped). A failure closes the log's files.
     */
    private PartitionLog deletingSegmentsBelowLogStart() throws IOException {
        try {
            retireSegmentsBelowLogStart();
        } catch (IOException e) {
            try {
                close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        return this;
    }

    /** Opens (creating if needed) the log in {@code dir}, recovering it if it was not closed cleanly. */
    public static PartitionLog open(Path dir, LogConfig config, Clock clock) throws IOException {
        return open(dir, config, clock, Storage.LOCAL);
    }

    /** As {@link #open(Path, LogConfig, Clock)}, on {@code storage}. */
    public static PartitionLog open(Path dir, LogConfig config, Clock clock, Storage storage)
            throws IOException {
        long started = System.nanoTime();
        LogLoader.Loaded loaded = LogLoader.load(dir, config, storage);
        PartitionLog partitionLog = new PartitionLog(dir, config, clock, storage, loaded)
                .deletingSegmentsBelowLogStart();
        if (loaded.created()) {
            log.info("Created log {}", dir);
            return partitionLog;
        }
        log.info("Opened log {} after a{} shutdown in {} ms: offsets [{}, {}), {} segments, {} bytes{}", dir,
                loaded.clean() ? " clean" : "n unclean", (System.nanoTime() - started) / 1_000_000,
                partitionLog.logStartOffset(), partitionLog.logEndOffset(), loaded.segments().size(),
                partitionLog.sizeInBytes(),
                loaded.truncatedBytes() > 0 ? ", " + loaded.truncatedBytes() + " invalid bytes cut" : "");
        if (!loaded.damage().isEmpty()) {
            log.error("Log {} holds {} damaged range(s) of fsynced data, kept and refused to readers; the other offsets"
                    + " are served", dir, loaded.damage().size());
        }
        return partitionLog;
    }

    /**
     * Opens the log again after a storage failure took it offline: recovery as after a crash (a torn
     * tail is cut), then every batch at or after {@code acknowledgedEndOffset} is dropped, because it
     * was written but never acknowledged (after a failed fsync the page cache may hold bytes the disk
     * does not). The log then ends exactly there.
     *
     * @throws CorruptLogException if the log ends before {@code acknowledgedEndOffset}: acknowledged
     *                             records are gone, and the log must not serve or take more
     */
    public static PartitionLog openAfterStorageFailure(Path dir, LogConfig config, Clock clock, Storage storage,
                                                       long acknowledgedEndOffset) throws IOException {
        LogLoader.Loaded loaded = LogLoader.load(dir, config, storage, acknowledgedEndOffset);
        PartitionLog partitionLog;
        try {
            partitionLog = new PartitionLog(dir, config, clock, storage, loaded);
        } catch (IOException e) {
            // Retried while the disk is full: a failed attempt must not leave its files open.
            for (Segment segment : loaded.segments().values()) {
                segment.close();
            }
            throw e;
        }
        partitionLog.deletingSegmentsBelowLogStart();
        log.info("Reopened log {} after a storage failure: offsets [{}, {}), {} torn bytes cut, {} bytes never"
                        + " acknowledged dropped", dir, partitionLog.logStartOffset(), partitionLog.logEndOffset(),
                loaded.truncatedBytes(), loaded.droppedBytes());
        return partitionLog;
    }

    public Path dir() {
        return dir;
    }

    /**
     * Where segments deleted by retention are finally closed. Closing the last handle of a large
     * deleted file frees its blocks and can take a good fraction of a second; the writer hands that
     * to this executor instead of stalling appends. By default it runs in the calling thread.
     */
    public void closeDeletedSegmentsOn(Executor executor) {
        retired.closeOn(executor);
    }

    // ---------------------------------------------------------------- writer side

    /**
     * Assigns the next offsets to the batches (in place, in their buffer) and appends them to the
     * active segment, rolling it first if they would not fit. Not durable until {@link #flush}.
     */
    public AppendResult append(ValidBatches batches) throws IOException {
        checkWritable();
        long firstOffset = active.nextOffset();
        BatchFormat.assignOffsets(batches, firstOffset);
        return appendAssigned(batches, firstOffset);
    }

    /**
     * Appends batches whose offsets the caller already assigned with
     * {@link BatchFormat#assignOffsets}, starting at {@code firstOffset}, which must be the log end
     * offset. The partition actor does this: it needs the offsets before the write completes.
     */
    public AppendResult append(ValidBatches batches, long firstOffset) throws IOException {
        checkWritable();
        if (firstOffset != active.nextOffset()) {
            throw new IllegalArgumentException("batches start at offset " + firstOffset + " but the log ends at "
                    + active.nextOffset());
        }
        return appendAssigned(batches, firstOffset);
    }

    private AppendResult appendAssigned(ValidBatches batches, long firstOffset) throws IOException {
        long lastOffset = firstOffset + batches.recordCount() - 1;
        try {
            maybeRoll(batches.sizeInBytes(), lastOffset);
            if (activeFirstAppendMs < 0) {
                activeFirstAppendMs = clock.millis();
            }
            active.append(batches.buffer(), batches.batches(), firstOffset);
        } catch (IOException e) {
            throw goOffline("append to " + active.file(), e);
        }
        state.appended(batches, firstOffset);
        return new AppendResult(firstOffset, lastOffset, lastOffset + 1);
    }

    /** Makes everything appended so far durable with one fsync; returns the new durable end offset. */
    public long flush() throws IOException {
        checkWritable();
        Segment segment = active;
        long end = segment.nextOffset();
        if (end == durableEndOffset) {
            return end;
        }
        int size = segment.sizeInBytes();
        try {
            segment.flush();
            // Durable before the flush returns: recovery then knows exactly what was acknowledged, and
            // never mistakes damage in it for a torn write.
            recoveryPoint.write(new RecoveryPoint(end, segment.baseOffset, size));
            recoveryPoint.force();
        } catch (IOException e) {
            throw goOffline("fsync of " + segment.file(), e);
        }
        durableEndOffset = end;
        return end;
    }

    /**
     * Deletes the oldest segments that are past the retention limits: by age of their newest record,
     * or by size while what remains is still at least {@code retention-bytes}; never the active segment. The log start
     * offset moves to the first remaining segment (unless records were deleted past it), and stays
     * there after a restart because it is derived from the files. Returns the number of segments deleted.
     */
    public int enforceRetention() throws IOException {
        checkWritable();
        retired.closeDue(clock.millis());
        LogConfig config = this.config;
        if (!config.deletesByRetention()) {
            return 0;
        }
        long nowMs = clock.millis();
        boolean bySize = config.retentionBytes() >= 0;
        long excessBytes = bySize ? sizeInBytes() - config.retentionBytes() : 0;
        int deleted = 0;
        for (Segment segment : List.copyOf(segments.values())) {
            if (segment == active) {
                break;
            }
            boolean tooOld = config.retentionMs() >= 0 && segment.maxTimestamp() >= 0
                    && nowMs - segment.maxTimestamp() > config.retentionMs();
            boolean tooBig = bySize && excessBytes >= segment.sizeInBytes();
            if (!tooOld && !tooBig) {
                break;
            }
            retire(segment, nowMs);
            excessBytes -= segment.sizeInBytes();
            deleted++;
            log.info("Deleted segment {} by retention ({}); log start offset is now {}", segment.file(),
                    tooOld ? "age" : "size", logStartOffset());
        }
        return deleted;
    }

    /**
     * Starts a new active segment at the log end offset, unless the active one is still empty. What
     * is appended next then begins a segment, so that {@link #deleteSegmentsBefore} can later drop
     * everything before it.
     */
    public void roll() throws IOException {
        checkWritable();
        if (active.sizeInBytes() > 0) {
            try {
                rollAt(active.nextOffset());
            } catch (IOException e) {
                throw goOffline("roll of " + active.file(), e);
            }
        }
    }

    /**
     * Deletes, oldest first, every segment that holds only offsets below {@code offset}; never the
     * active segment. The log start offset moves to the first remaining segment. Returns the number
     * of segments deleted. A crash part-way leaves the newer segments, still contiguous.
     */
    public int deleteSegmentsBefore(long offset) throws IOException {
        checkWritable();
        retired.closeDue(clock.millis());
        long nowMs = clock.millis();
        int deleted = 0;
        for (Segment segment : List.copyOf(segments.values())) {
            if (segment == active || segment.nextOffset() > offset) {
                break;
            }
            retire(segment, nowMs);
            deleted++;
        }
        return deleted;
    }

    /**
     * Moves the log start offset up to {@code offset} (Kafka's DeleteRecords): records below it are no
     * longer served, now or after any restart. The new start is durable before this returns (see
     * {@link LogStartOffset}); the segments it leaves wholly below it are deleted by
     * {@link #deleteSegmentsBelowLogStart}. An offset at or below the current start changes nothing.
     * Returns the log start offset.
     *
     * @throws NotWrittenException if the new start could not be written: the start did not move, and
     *                             the log stays writable
     * @throws LogOfflineException if replacing the stored start failed: it may have moved or not, and
     *                             the log is offline (reopening it reads what the file holds)
     */
    public long moveLogStartOffset(long offset) throws IOException {
        checkWritable();
        if (offset > logEndOffset()) {
            throw new OffsetOutOfRangeException(offset, logStartOffset(), logEndOffset());
        }
        long current = logStartOffset();
        if (offset <= current) {
            return current;
        }
        try {
            LogStartOffset.stage(dir, storage, offset);
        } catch (IOException e) {
            try {
                LogStartOffset.discardStaged(dir, storage);
            } catch (IOException discarding) {
                e.addSuppressed(discarding);
            }
            throw new NotWrittenException("the log start offset of " + dir + " could not be moved to " + offset
                    + " (" + e.getMessage() + "); it stays at " + current, e);
        }
        try {
            LogStartOffset.commit(dir, storage);
        } catch (IOException e) {
            throw goOffline("moving the log start offset to " + offset, e);
        }
        deletedBelowOffset = offset;
        log.info("Moved the log start offset of {} from {} to {}: the records below it are deleted", dir, current,
                offset);
        return offset;
    }

    /**
     * Deletes, oldest first, every segment that holds only offsets below the log start. If every
     * record is below it, the active segment rolls first, so that it can go too. Returns the number of
     * segments deleted.
     */
    public int deleteSegmentsBelowLogStart() throws IOException {
        checkWritable();
        long start = logStartOffset();
        if (start == active.nextOffset() && active.baseOffset < start) {
            try {
                rollAt(start);
            } catch (IOException e) {
                throw goOffline("roll of " + active.file(), e);
            }
        }
        return retireSegmentsBelowLogStart();
    }

    private int retireSegmentsBelowLogStart() throws IOException {
        retired.closeDue(clock.millis());
        long nowMs = clock.millis();
        long start = logStartOffset();
        int deleted = 0;
        for (Segment segment : List.copyOf(segments.values())) {
            if (segment == active || segment.nextOffset() > start) {
                break;
            }
            retire(segment, nowMs);
            deleted++;
            log.info("Deleted segment {}: it holds only records below the log start offset {}", segment.file(), start);
        }
        return deleted;
    }

    /**
     * Deletes the segment's files, and the snapshots below the new log start but the newest, and
     * makes that durable before the next segment goes: deletions are oldest first, so whatever a
     * crash keeps of them, the segments left are still contiguous.
     */
    private void retire(Segment segment, long nowMs) throws IOException {
        segments.remove(segment.baseOffset);
        try {
            segment.delete();
            state.segmentsDeletedBelow(segments.firstKey());
            storage.fsyncDirectory(dir);
        } catch (IOException e) {
            throw goOffline("deletion of " + segment.file(), e);
        }
        retired.add(segment, nowMs);
    }

    /**
     * What a compaction of this log would work on now, if its topic is compacted and enough of it is
     * dirty: at least {@code min.cleanable.dirty.ratio} of its cleanable bytes, or any if its oldest
     * dirty segment is older than {@code max.compaction.lag.ms}. The segments are the rolled ones from
     * the one holding the log start up to the first whose newest record is younger than
     * {@code min.compaction.lag.ms}. By the writer; the plan is carried out on another thread
     * ({@link Compaction#run}) and swapped in by {@link #swapIn}.
     */
    public Optional<CompactionPlan> planCompaction() throws IOException {
        checkWritable();
        LogConfig config = this.config;
        CompactionConfig compaction = config.compaction();
        if (!compaction.compacts()) {
            return Optional.empty();
        }
        long nowMs = clock.millis();
        long start = logStartOffset();
        List<Segment> cleanable = new java.util.ArrayList<>();
        for (Segment segment : segments.values()) {
            if (segment == active) {
                break;
            }
            if (segment.nextOffset() <= start) {
                continue;
            }
            long newest = segment.maxTimestamp();
            if (compaction.minLagMs() > 0 && newest >= 0 && nowMs - newest < compaction.minLagMs()) {
                break;
            }
            cleanable.add(segment);
        }
        if (cleanable.isEmpty()) {
            return Optional.empty();
        }
        long firstDirty = Math.max(cleanedUpTo, cleanable.get(0).baseOffset);
        CompactionPlan plan = new CompactionPlan(this, cleanable, firstDirty, nowMs, config);
        if (plan.dirtyBytes() == 0) {
            return Optional.empty();
        }
        boolean overdue = false;
        for (Segment segment : cleanable) {
            if (segment.nextOffset() > firstDirty) {
                long newest = segment.maxTimestamp();
                overdue = compaction.maxLagMs() != Long.MAX_VALUE && newest >= 0
                        && nowMs - newest > compaction.maxLagMs();
                break;
            }
        }
        if (plan.dirtyRatio() < compaction.minCleanableDirtyRatio() && !overdue) {
            return Optional.empty();
        }
        return Optional.of(plan);
    }

    /**
     * Replaces each group of segments that {@code prepared} compacted with its new segment, oldest group
     * first, by the writer. Per group: the new segment's file is renamed to {@code .swap} and the
     * directory fsynced (the commit: from here on the next open finishes the swap if a crash comes
     * first), the old segments are deleted and the directory fsynced, then the new files are renamed to
     * their final names and the directory fsynced again. A group whose segments are no longer all there
     * (retention or a deletion of records took some) is not swapped in, nor is any group after it. Reads
     * already under way on the old segments finish; their files close after {@code file.delete.delay.ms}.
     * Returns the groups swapped in.
     *
     * @throws NotWrittenException if the first rename failed: nothing changed, and the log stays writable
     * @throws LogOfflineException if a step after the commit failed: the next open finishes the swap
     */
    public int swapIn(Compaction.Prepared prepared) throws IOException {
        if (prepared.plan().log != this) {
            throw new IllegalArgumentException("a compaction of another log");
        }
        try {
            checkWritable();
        } catch (IOException e) {
            prepared.discard();
            throw e;
        }
        int swapped = 0;
        List<Compaction.Group> groups = prepared.groups();
        for (int i = 0; i < groups.size(); i++) {
            Compaction.Group group = groups.get(i);
            if (!stillHolds(group.sources())) {
                new Compaction.Prepared(prepared.plan(), groups.subList(i, groups.size()), 0, null).discard();
                log.info("Compaction of {} from offset {} was not swapped in: its segments changed meanwhile", dir,
                        group.sources().get(0).baseOffset);
                return swapped;
            }
            if (group.cleaned() != null) {
                try {
                    swap(group);
                } catch (NotWrittenException e) {
                    new Compaction.Prepared(prepared.plan(), groups.subList(i, groups.size()), 0, null).discard();
                    throw e;
                }
                swapped++;
            }
        }
        if (prepared.cleanedUpTo() > cleanedUpTo) {
            cleanedUpTo = prepared.cleanedUpTo();
            try {
                CompactedOffset.write(dir, storage, cleanedUpTo);
            } catch (IOException e) {
                throw goOffline("storing where the log is compacted up to", e);
            }
        }
        return swapped;
    }

    /** The offset below which the log is compacted (0 if it never was). */
    public long compactedUpTo() {
        return cleanedUpTo;
    }

    private boolean stillHolds(List<Segment> sources) {
        for (Segment source : sources) {
            if (segments.get(source.baseOffset) != source || source == active) {
                return false;
            }
        }
        return true;
    }

    private void swap(Compaction.Group group) throws IOException {
        Segment cleaned = group.cleaned();
        long base = cleaned.baseOffset;
        Path swapFile = dir.resolve(LogFiles.fileName(base, LogFiles.LOG_SUFFIX) + LogFiles.SWAP_SUFFIX);
        try {
            storage.rename(Segment.cleanedPath(dir, base, LogFiles.LOG_SUFFIX), swapFile);
        } catch (IOException e) {
            throw new NotWrittenException("compacted segment of " + dir + " at offset " + base
                    + " could not be committed (" + e.getMessage() + "); the log is as it was", e);
        }
        long nowMs = clock.millis();
        try {
            storage.fsyncDirectory(dir);
            for (Segment old : group.sources()) {
                if (old.baseOffset != base) {
                    old.delete();
                }
            }
            // Durable before the swap file loses its name: an old segment that a power cut brought back
            // beside a finished swap would overlap the new segment's offsets.
            storage.fsyncDirectory(dir);
            storage.rename(Segment.cleanedPath(dir, base, LogFiles.INDEX_SUFFIX),
                    dir.resolve(LogFiles.fileName(base, LogFiles.INDEX_SUFFIX)));
            storage.rename(Segment.cleanedPath(dir, base, LogFiles.TIME_INDEX_SUFFIX),
                    dir.resolve(LogFiles.fileName(base, LogFiles.TIME_INDEX_SUFFIX)));
            storage.rename(swapFile, cleaned.file());
            storage.fsyncDirectory(dir);
            state.segmentsCompacted(base, cleaned.nextOffset());
        } catch (IOException e) {
            throw goOffline("swapping in the compacted segment at offset " + base, e);
        }
        cleaned.onDamage(damageListener);
        segments.put(base, cleaned);
        for (Segment old : group.sources()) {
            if (old.baseOffset != base) {
                segments.remove(old.baseOffset);
            } else {
                old.replaced();
            }
            retired.add(old, nowMs);
        }
    }

    Storage storage() {
        return storage;
    }

    /** Waits (holding the guard) until a running compaction noticed the close and deleted what it wrote. */
    private void awaitCompactionStopped() {
        long deadline = System.nanoTime() + COMPACTION_STOP_WAIT_MS * 1_000_000;
        boolean interrupted = false;
        while (compactionRunning && System.nanoTime() < deadline) {
            try {
                compactionGuard.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (compactionRunning) {
            log.warn("Closing log {} while a compaction of it still runs; the next open removes what it wrote", dir);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** A compaction of this log begins (on its thread); false if the log is closed. */
    boolean compactionStarted() {
        synchronized (compactionGuard) {
            if (closed) {
                return false;
            }
            compactionRunning = true;
            return true;
        }
    }

    void compactionEnded() {
        synchronized (compactionGuard) {
            compactionRunning = false;
            compactionGuard.notifyAll();
        }
    }

    /** Whether the log is closed (a compaction stops, and deletes what it wrote). */
    boolean isClosed() {
        return closed;
    }

    /** Flushes, seals the indexes, and leaves the marker that lets the next open skip recovery. */
    @Override
    public void close() throws IOException {
        synchronized (compactionGuard) {
            if (closed) {
                return;
            }
            closed = true;
            awaitCompactionStopped();
        }
        try {
            if (failure == null) {
                active.seal();
                state.snapshot(active.nextOffset(), segments);
                recoveryPoint.write(new RecoveryPoint(active.nextOffset(), active.baseOffset, active.sizeInBytes()));
                recoveryPoint.force();
                storage.createFile(dir.resolve(LogFiles.CLEAN_SHUTDOWN));
                storage.fsyncDirectory(dir);
            }
        } finally {
            retired.closeAll();
            try (recoveryPoint) {
                for (Segment segment : segments.values()) {
                    segment.close();
                }
            }
        }
    }

    // ---------------------------------------------------------------- reader side

    /**
     * Whole batches starting with the batch that contains {@code offset}: at least one, even if it is
     * larger than {@code maxBytes}, then more while they fit; never a batch holding an offset at or
     * beyond {@code upperBound} (the high watermark). A read returns data from one segment only;
     * {@link LogSlice#nextOffset()} says where to continue.
     *
     * @throws OffsetOutOfRangeException if {@code offset} is before the log start or after the log end
     */
    public LogSlice read(long offset, int maxBytes, long upperBound) throws IOException {
        while (true) {
            long end = logEndOffset();
            Map.Entry<Long, Segment> floor = segments.floorEntry(offset);
            if (offset < logStartOffset() || offset > end || floor == null) {
                throw new OffsetOutOfRangeException(offset, logStartOffset(), end);
            }
            if (offset >= upperBound || offset == end) {
                return LogSlice.empty(offset);
            }
            Segment segment = floor.getValue();
            LogSlice slice = segment.reader().read(offset, maxBytes, upperBound);
            if (slice != null) {
                return slice;
            }
            // The segment ends before the offset: it rolled while we looked, so the next one has it.
            Map.Entry<Long, Segment> next = segments.higherEntry(segment.baseOffset);
            if (next == null || next.getKey() > offset) {
                throw new OffsetOutOfRangeException(offset, logStartOffset(), end);
            }
        }
    }

    /**
     * The first record with the largest timestamp among the records from the log start to below
     * {@code upperBound} (the high watermark, so that only committed records count; like it, a batch
     * boundary); empty if none of them has a timestamp.
     * A rolled segment wholly below the bound answers with the largest timestamp it keeps; only a
     * segment that holds the bound, or the active one (which may be taking appends beyond it as
     * this runs), looks at batch headers.
     */
    public Optional<TimestampOffset> offsetOfLargestTimestamp(long upperBound) throws IOException {
        Segment current = active;
        long start = logStartOffset();
        long largest = -1;
        for (Segment segment : segments.values()) {
            if (segment.baseOffset >= upperBound) {
                break;
            }
            if (segment.nextOffset() <= start) {
                continue;
            }
            boolean rolledBelow = segment.baseOffset >= start && segment.baseOffset < current.baseOffset
                    && segment.nextOffset() <= upperBound;
            largest = Math.max(largest,
                    rolledBelow ? segment.maxTimestamp() : segment.reader().maxTimestampBelow(start, upperBound));
        }
        if (largest < 0) {
            return Optional.empty();
        }
        // Records at or past the bound come after every record below it, so the first record this new is below it.
        return offsetForTimestamp(largest).filter(found -> found.offset() < upperBound);
    }

    /** Where a leader epoch ends: the largest epoch at or below the one asked for, and the offset after it. */
    public record EpochEnd(int epoch, long endOffset) {
    }

    /**
     * The end of leader epoch {@code epoch} among the batches below {@code upperBound} (the high
     * watermark): the largest epoch at or below it that a batch from the log start on has, and the
     * base offset of the first batch with a larger epoch ({@code upperBound} if there is none), as
     * Kafka's OffsetsForLeaderEpoch answers. Empty if no such batch is left. Epochs never decrease
     * along a log, so this is a binary search that reads one batch header per step.
     */
    public Optional<EpochEnd> endOfEpoch(int epoch, long upperBound) throws IOException {
        long start = logStartOffset();
        long low = start;
        long high = Math.min(upperBound, logEndOffset());
        ByteBuffer header = ByteBuffer.allocate(BatchFormat.HEADER_BYTES);
        while (low < high) {
            long mid = low + (high - low) / 2;
            BatchSummary batch = headerAt(mid, upperBound, header);
            if (BatchFormat.leaderEpoch(header, 0) > epoch) {
                high = Math.max(batch.baseOffset(), low);
            } else {
                low = batch.lastOffset() + 1;
            }
        }
        if (low <= start) {
            return Optional.empty();
        }
        headerAt(low - 1, upperBound, header);
        return Optional.of(new EpochEnd(BatchFormat.leaderEpoch(header, 0), low));
    }

    /** Reads the header of the batch that holds {@code offset} into {@code header}; returns its summary. */
    private BatchSummary headerAt(long offset, long upperBound, ByteBuffer header) throws IOException {
        LogSlice slice = read(offset, 1, upperBound);
        header.clear();
        while (header.hasRemaining()) {
            if (slice.channel().read(header, slice.position() + header.position()) < 0) {
                throw new java.io.EOFException("the batch header at offset " + offset + " in " + slice.file()
                        + " ends early");
            }
        }
        return BatchFormat.readSummary(header);
    }

    /**
     * The first record at or after the log start whose timestamp is at or after {@code timestampMs},
     * with its offset; empty if every such record is older.
     */
    public Optional<TimestampOffset> offsetForTimestamp(long timestampMs) throws IOException {
        long start = logStartOffset();
        for (Segment segment : segments.values()) {
            if (segment.nextOffset() <= start) {
                continue;
            }
            TimestampOffset found = segment.reader().offsetForTimestamp(timestampMs, start);
            if (found != null) {
                return Optional.of(found);
            }
        }
        return Optional.empty();
    }

    /**
     * Restores the log's derived state and keeps it from now on: the newest snapshot that is whole,
     * passes its CRC and that {@code codec} can read, plus every batch header after it (from the log
     * start, onto an empty state, if there is no such snapshot; snapshots that are not usable are
     * deleted, never a reason to fail). Every batch appended afterwards is applied to the state, and
     * it is snapshotted at every roll and at a clean close; if batch headers had to be read, it is
     * also snapshotted now, as of the log end, so that the next open need not read them again.
     * Returns the state, which the writer may read (to copy it, say) but must not change. Once per
     * opened log, by its writer.
     */
    public <S extends DerivedState> S restoreState(DerivedState.Codec<S> codec) throws IOException {
        checkWritable();
        try {
            return state.restore(codec, segments);
        } catch (IOException e) {
            throw goOffline("restoring the state of " + dir, e);
        }
    }

    /** Damage found in the log since it was opened, oldest segment first. */
    public List<Damage> damage() {
        List<Damage> all = new java.util.ArrayList<>();
        for (Segment segment : segments.values()) {
            all.addAll(segment.damage());
        }
        return all;
    }

    /** Who hears of damage found after opening (by a read or {@link #scrub}), once for each; any thread. */
    public void onDamage(java.util.function.Consumer<Damage> listener) {
        for (Segment segment : segments.values()) {
            segment.onDamage(listener);
        }
        damageListener = listener;
    }

    /**
     * Verifies about {@code maxBytes} of the oldest bytes not verified yet (whole batches, at least
     * one), recording any damage. Returns the bytes checked: 0 once every byte of the log was verified
     * since it was opened (or is known damaged). Any thread; reads are not held up.
     */
    public int scrub(int maxBytes) throws IOException {
        for (Segment segment : segments.values()) {
            int checked = segment.scrub(maxBytes);
            if (checked > 0) {
                return checked;
            }
        }
        return 0;
    }

    /** The first segment's base offset, or where records were deleted up to if that is larger. */
    public long logStartOffset() {
        return Math.max(segments.firstKey(), deletedBelowOffset);
    }

    public long logEndOffset() {
        return active.nextOffset();
    }

    /** Offsets below this were fsynced (or survived recovery and were fsynced then). */
    public long durableEndOffset() {
        return durableEndOffset;
    }

    public long sizeInBytes() {
        long size = 0;
        for (Segment segment : segments.values()) {
            size += segment.sizeInBytes();
        }
        return size;
    }

    public int segmentCount() {
        return segments.size();
    }

    // ---------------------------------------------------------------- internals

    /**
     * Takes new settings: retention and the deletion delay apply from the next check, segment sizes
     * and ages from the next append, index intervals from the next segment.
     */
    public void reconfigure(LogConfig newConfig) {
        config = newConfig;
        retired.delayMs(newConfig.segmentDeleteDelayMs());
    }

    public LogConfig config() {
        return config;
    }

    private void maybeRoll(int incomingBytes, long lastOffset) throws IOException {
        Segment current = active;
        LogConfig config = this.config;
        boolean full = current.sizeInBytes() > 0
                && (long) current.sizeInBytes() + incomingBytes > config.segmentBytes();
        boolean old = current.sizeInBytes() > 0 && activeFirstAppendMs >= 0
                && clock.millis() - activeFirstAppendMs >= config.rollAfterMs();
        boolean offsetsOverflow = lastOffset - current.baseOffset > Integer.MAX_VALUE;
        if (!full && !old && !offsetsOverflow) {
            return;
        }
        rollAt(current.nextOffset());
    }

    private void rollAt(long base) throws IOException {
        Segment current = active;
        current.seal();
        Segment next = Segment.create(dir, base, config, storage);
        next.onDamage(damageListener);
        state.snapshot(base, segments);
        storage.fsyncDirectory(dir);
        segments.put(base, next);
        active = next;
        activeFirstAppendMs = -1;
        recoveryPoint.write(new RecoveryPoint(base, base, 0));
        durableEndOffset = base;
        log.debug("Rolled {} at offset {}", dir, base);
    }

    private void checkWritable() throws IOException {
        if (closed) {
            throw new IllegalStateException("log " + dir + " is closed");
        }
        IOException failed = failure;
        if (failed != null) {
            throw new LogOfflineException("log " + dir + " is offline after an earlier storage error: "
                    + failed.getMessage(), failed);
        }
    }

    private IOException goOffline(String what, IOException cause) {
        failure = cause;
        log.error("Log {} is offline: {} failed: {}", dir, what, cause.toString());
        return new LogOfflineException("log " + dir + " is offline: " + what + " failed: " + cause.getMessage(), cause);
    }
}
