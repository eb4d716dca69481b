package io.riverlog.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.wal.BatchFormat.BatchHeader;
import io.riverlog.wal.BatchFormat.ScanStep;

/**
 * One segment of a partition log: a {@code .log} file of v2 record batches, stored as clients sent
 * them with offsets assigned, and its offset and time indexes. The segment holds the offsets
 * {@code [baseOffset, nextOffset)}, contiguous.
 *
 * <p>Only the partition's writer calls the mutators ({@link #append}, {@link #flush}, {@link #seal},
 * {@link #recover}, {@link #truncateTo}, {@link #delete}). Reads run on any thread: they use
 * positional reads and see everything below the published {@link #sizeInBytes()}.
 *
 * <p>A crash can leave, after the last fsync, a torn or zero-filled tail in the {@code .log}, and
 * lost or stale index entries; {@link #recover} finds the valid prefix and rebuilds the indexes.
 */
final class Segment implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Segment.class);

    final long baseOffset;
    private final Path logPath;
    private final LogConfig config;
    private final Storage storage;
    private final FileChannel channel;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;

    private volatile int sizeInBytes;
    private volatile long nextOffset;
    private volatile long maxTimestamp;
    private int bytesSinceIndexEntry;
    private volatile boolean warnedAboutIndex;
    private final SegmentChecks checks = new SegmentChecks();
    private volatile java.util.function.Consumer<Damage> damageListener = damage -> { };

    private Segment(long baseOffset, Path logPath, LogConfig config, Storage storage, FileChannel channel, OffsetIndex offsetIndex,
                    TimeIndex timeIndex, int sizeInBytes) {
        this.baseOffset = baseOffset;
        this.logPath = logPath;
        this.config = config;
        this.storage = storage;
        this.channel = channel;
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
        this.sizeInBytes = sizeInBytes;
        this.nextOffset = baseOffset;
        this.maxTimestamp = timeIndex.lastTimestamp();
    }

    /** Creates the files of a new, empty segment. The caller fsyncs the directory. */
    static Segment create(Path dir, long baseOffset, LogConfig config, Storage storage) throws IOException {
        Path logPath = dir.resolve(LogFiles.fileName(baseOffset, LogFiles.LOG_SUFFIX));
        FileChannel channel = storage.open(logPath, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        storage.deleteIfExists(dir.resolve(LogFiles.fileName(baseOffset, LogFiles.INDEX_SUFFIX)));
        storage.deleteIfExists(dir.resolve(LogFiles.fileName(baseOffset, LogFiles.TIME_INDEX_SUFFIX)));
        return new Segment(baseOffset, logPath, config, storage, channel,
                OffsetIndex.open(dir.resolve(LogFiles.fileName(baseOffset, LogFiles.INDEX_SUFFIX)), baseOffset, 0, storage),
                TimeIndex.open(dir.resolve(LogFiles.fileName(baseOffset, LogFiles.TIME_INDEX_SUFFIX)), baseOffset, storage), 0);
    }

    /**
     * Opens an existing segment and the sane prefix of its indexes. Its end is not known yet: the
     * loader calls {@link #walkToEnd} (after a clean close) or {@link #recover}.
     */
    static Segment open(Path dir, long baseOffset, LogConfig config, Storage storage) throws IOException {
        Path logPath = dir.resolve(LogFiles.fileName(baseOffset, LogFiles.LOG_SUFFIX));
        FileChannel channel = storage.open(logPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
        int size = Math.toIntExact(channel.size());
        return new Segment(baseOffset, logPath, config, storage, channel,
                OffsetIndex.open(dir.resolve(LogFiles.fileName(baseOffset, LogFiles.INDEX_SUFFIX)), baseOffset, size, storage),
                TimeIndex.open(dir.resolve(LogFiles.fileName(baseOffset, LogFiles.TIME_INDEX_SUFFIX)), baseOffset, storage), size);
    }

    Path file() {
        return logPath;
    }

    int sizeInBytes() {
        return sizeInBytes;
    }

    long nextOffset() {
        return nextOffset;
    }

    /** The largest record timestamp in the segment, or -1 if unknown. */
    long maxTimestamp() {
        return maxTimestamp;
    }

    /** Damage found in this segment since it was opened. */
    List<Damage> damage() {
        return checks.damage();
    }

    /** Who hears of damage found after opening (by a read or the scrubber), once for each. */
    void onDamage(java.util.function.Consumer<Damage> listener) {
        damageListener = listener;
    }

    // ---------------------------------------------------------------- writing

    /**
     * Appends batches whose offsets were assigned already, starting with {@code firstOffset}.
     * Index entries are added after the bytes are written, so readers never see an entry
     * pointing past the data.
     */
    void append(ByteBuffer batches, List<BatchInfo> infos, long firstOffset) throws IOException {
        int start = sizeInBytes;
        long filePosition = start;
        ByteBuffer bytes = batches.duplicate();
        while (bytes.hasRemaining()) {
            filePosition += channel.write(bytes, filePosition);
        }
        long offset = firstOffset;
        long maxTs = maxTimestamp;
        for (BatchInfo info : infos) {
            long lastOffset = offset + info.lastOffsetDelta();
            maxTs = Math.max(maxTs, info.maxTimestamp());
            if (bytesSinceIndexEntry >= config.indexIntervalBytes()) {
                offsetIndex.append(offset, start + info.position());
                timeIndex.maybeAppend(maxTs, lastOffset);
                bytesSinceIndexEntry = 0;
            }
            bytesSinceIndexEntry += info.sizeInBytes();
            offset = lastOffset + 1;
        }
        maxTimestamp = maxTs;
        // Their CRCs were checked when they arrived, so what was just written counts as verified.
        checks.verified(start, (int) filePosition, firstOffset, offset);
        nextOffset = offset;
        sizeInBytes = (int) filePosition;
    }

    /** fsync of the data, then the new index entries written (not fsynced: recovery rebuilds them). */
    void flush() throws IOException {
        channel.force(false);
        offsetIndex.writePending();
        timeIndex.writePending();
    }

    /** Makes the whole segment durable, indexes included, with a final time-index entry: on roll and clean close. */
    void seal() throws IOException {
        if (nextOffset > baseOffset && maxTimestamp >= 0) {
            timeIndex.maybeAppend(maxTimestamp, nextOffset - 1);
        }
        channel.force(false);
        offsetIndex.force();
        timeIndex.force();
    }

    // ---------------------------------------------------------------- opening and recovery

    /**
     * Walks batch headers from the last index entry to the end of the file to learn the next offset,
     * for a segment whose bytes were fsynced (sealed, or closed cleanly). Returns false if the headers
     * do not end exactly at the end of the file, or not at {@code expectedEnd} (the next segment's
     * base offset, or the recovery point's offset; -1 if not known): the loader then checks the
     * segment batch by batch instead, which finds damage a header walk cannot see.
     */
    boolean walkToEnd(long expectedEnd) throws IOException {
        OffsetIndex.Entry last = offsetIndex.last();
        int size = sizeInBytes;
        int position = last.position();
        long expected = last.offset();
        while (position < size) {
            if (size - position < BatchFormat.HEADER_BYTES) {
                return false;
            }
            // An index written in full has an entry within index-interval-bytes of every batch.
            if (position - last.position() >= config.indexIntervalBytes()) {
                return false;
            }
            BatchHeader header = BatchFormat.readWalkHeader(readBytes(position, BatchFormat.WALK_HEADER_BYTES));
            if (header.baseOffset() != expected || header.sizeInBytes() < BatchFormat.HEADER_BYTES
                    || header.sizeInBytes() > size - position) {
                return false;
            }
            expected = header.lastOffset() + 1;
            position += header.sizeInBytes();
        }
        if (expectedEnd >= 0 && expected != expectedEnd) {
            return false;
        }
        nextOffset = expected;
        bytesSinceIndexEntry = size - last.position();
        return true;
    }

    /**
     * The position of the last offset-index entry at or below {@code position} whose batch header
     * agrees with it, so a scan may start there; the segment start if none does.
     */
    OffsetIndex.Entry trustedEntryAtOrBelow(int position) throws IOException {
        OffsetIndex.Entry entry = offsetIndex.floorByPosition(position);
        while (entry.position() > 0) {
            if (batchStartsAt(entry.position(), entry.offset(), sizeInBytes)) {
                return entry;
            }
            entry = offsetIndex.floorByPosition(entry.position() - 1);
        }
        return entry;
    }

    /**
     * The last offset-index entry at or below the batch holding {@code offset} whose batch header
     * agrees with it; the segment start if none does.
     */
    OffsetIndex.Entry trustedEntryAtOrBelowOffset(long offset) throws IOException {
        OffsetIndex.Entry entry = offsetIndex.floorByOffset(offset);
        while (entry.position() > 0 && !batchStartsAt(entry.position(), entry.offset(), sizeInBytes)) {
            entry = offsetIndex.floorByPosition(entry.position() - 1);
        }
        return entry;
    }

    /**
     * Checks every batch from {@code fromPosition} (a batch boundary holding {@code fromOffset}) to the
     * end of the file, as recovery does: length, magic, leader epoch, CRC32C, and base offsets that
     * continue exactly where the previous batch ended. Index entries past the start are rebuilt on the
     * way. Nothing is cut here: the result says where the valid prefix ends, and the caller decides.
     *
     * <p>The bytes before {@code durableBytes}, which held the offsets below {@code durableEndOffset},
     * were fsynced: a batch there that fails its checks is damage, never a torn write. It is recorded,
     * kept, and the check goes on where valid batches resume: after the damaged batch if its declared
     * length leads to a valid batch with a later base offset, else at {@code durableBytes}. The first
     * batch at or after {@code durableBytes} that fails, that does not fit in the file, or that would
     * hold {@code endOffset} ends the valid prefix.
     */
    RecoveryResult recover(int fromPosition, long fromOffset, int durableBytes, long durableEndOffset, long endOffset,
                           ByteBuffer scratch) throws IOException {
        offsetIndex.truncateFromPosition(fromPosition + 1);
        timeIndex.truncateFromOffset(fromOffset);
        checks.truncateTo(fromPosition, fromOffset);
        long maxTs = timeIndex.lastTimestamp();
        int fileSize = Math.toIntExact(channel.size());
        BatchScanner scanner = new BatchScanner(channel, fromPosition, fileSize, scratch);
        long expected = fromOffset;
        int sinceIndex = 0;
        int runStart = fromPosition;
        long runStartOffset = fromOffset;
        String problem = null;
        List<Damage> found = new ArrayList<>();
        while (true) {
            int at = scanner.position();
            if (expected >= endOffset) {
                if (at < fileSize) {
                    problem = "batches from offset " + expected + " on lie beyond the end offset kept, " + endOffset;
                }
                break;
            }
            BatchScanner.Step step = scanner.next(expected);
            if (step instanceof BatchScanner.Valid valid) {
                if (sinceIndex >= config.indexIntervalBytes()) {
                    offsetIndex.append(expected, at);
                    timeIndex.maybeAppend(Math.max(maxTs, valid.maxTimestamp()), valid.lastOffset());
                    sinceIndex = 0;
                }
                maxTs = Math.max(maxTs, valid.maxTimestamp());
                sinceIndex += valid.sizeInBytes();
                expected = valid.lastOffset() + 1;
                continue;
            }
            if (step instanceof BatchScanner.End) {
                break;
            }
            String why = step instanceof BatchScanner.Invalid invalid ? invalid.problem()
                    : ((BatchScanner.Incomplete) step).problem();
            if (at >= durableBytes) {
                problem = why;
                break;
            }
            checks.verified(runStart, at, runStartOffset, expected);
            Damage damage = damageAt(at, expected, step, durableBytes, durableEndOffset, why);
            checks.damaged(damage);
            found.add(damage);
            log.error("Damaged data in {}; it is kept and refused to readers, the offsets around it are served",
                    damage.describe());
            scanner.skip(damage.endPosition() - at);
            expected = damage.nextOffset();
            runStart = damage.endPosition();
            runStartOffset = expected;
            // The first valid batch after the damage gets an index entry, so reads beyond it start there.
            sinceIndex = config.indexIntervalBytes();
        }
        int validEnd = scanner.position();
        checks.verified(runStart, validEnd, runStartOffset, expected);
        nextOffset = expected;
        maxTimestamp = maxTs;
        bytesSinceIndexEntry = sinceIndex;
        sizeInBytes = fileSize;
        return new RecoveryResult(fromPosition, validEnd, fileSize - validEnd, expected, problem, List.copyOf(found));
    }

    /**
     * The extent of damage found at {@code position}, where offset {@code expected} should start: up to
     * the next valid batch if the damaged one's declared length leads to one with a later base offset
     * that still lies before {@code limit}, else up to {@code limit}, which holds {@code limitOffset}.
     */
    private Damage damageAt(int position, long expected, BatchScanner.Step step, int limit, long limitOffset,
                            String problem) throws IOException {
        if (step instanceof BatchScanner.Invalid invalid && invalid.declaredBytes() > 0
                && position + invalid.declaredBytes() < limit) {
            int next = position + invalid.declaredBytes();
            BatchScanner peek = new BatchScanner(channel, next, limit, ByteBuffer.allocate(BatchFormat.HEADER_BYTES));
            long claimed = peek.claimedBaseOffset();
            if (claimed > expected && claimed < limitOffset && peek.next(claimed) instanceof BatchScanner.Valid) {
                return new Damage(logPath, position, next, expected, claimed, problem);
            }
        }
        return new Damage(logPath, position, limit, expected, limitOffset, problem);
    }

    /**
     * Checks the batches in {@code [from, to)} that were not verified since the segment was opened
     * ({@code from} is a batch boundary holding {@code fromOffset}). Returns {@code to} if all of them
     * are whole, else the position of the first damage, which is recorded and reported. Any thread.
     */
    int verify(int from, int to, long fromOffset) throws IOException {
        int at = checks.verifiedEnd(from);
        if (at >= to) {
            return to;
        }
        long expected = at == from ? fromOffset : -1;
        while (at < to) {
            Damage known = checks.damageAt(at);
            if (known != null) {
                return at;
            }
            SegmentChecks.Run next = checks.nextVerified(at);
            int stop = next == null ? to : Math.min(to, next.start());
            if (expected < 0) {
                expected = offsetAt(at);
            }
            int checkedTo = verifyUnchecked(at, stop, expected, next);
            if (checkedTo < stop) {
                return checkedTo;
            }
            at = checks.verifiedEnd(stop);
            expected = -1;
        }
        return to;
    }

    /** Checks batches from {@code from} to {@code stop}, none verified yet; records them, or the damage found. */
    private int verifyUnchecked(int from, int stop, long fromOffset, SegmentChecks.Run next) throws IOException {
        int size = sizeInBytes;
        BatchScanner scanner = new BatchScanner(channel, from, size, ByteBuffer.allocate(
                Math.min(config.recoveryReadBytes(), Math.max(BatchFormat.HEADER_BYTES, stop - from))));
        long expected = fromOffset;
        while (scanner.position() < stop) {
            int at = scanner.position();
            BatchScanner.Step step = scanner.next(expected);
            if (step instanceof BatchScanner.Valid valid) {
                checks.verified(at, scanner.position(), expected, valid.lastOffset() + 1);
                expected = valid.lastOffset() + 1;
                continue;
            }
            String why = step instanceof BatchScanner.Invalid invalid ? invalid.problem()
                    : step instanceof BatchScanner.Incomplete incomplete ? incomplete.problem() : "the segment ends early";
            int limit = next == null ? size : next.start();
            long limitOffset = next == null ? nextOffset : next.startOffset();
            Damage damage = damageAt(at, expected, step, limit, limitOffset, why);
            if (checks.damaged(damage)) {
                log.error("Damaged data in {}; it is refused to readers, the offsets around it are served",
                        damage.describe());
                damageListener.accept(damage);
            }
            return at;
        }
        return scanner.position();
    }

    /** The offset of the batch at {@code position}, a batch boundary: known from the checks, else its header's. */
    private long offsetAt(int position) throws IOException {
        long known = checks.offsetAtBoundary(position);
        return known >= 0 ? known : headerAt(position).baseOffset();
    }

    /**
     * Verifies up to about {@code maxBytes} of the first bytes not verified yet, for the scrubber.
     * Returns the bytes checked; 0 once everything below {@code end} is verified or known damaged.
     */
    int scrub(int maxBytes) throws IOException {
        int size = sizeInBytes;
        int at = checks.verifiedEnd(0);
        while (at < size) {
            Damage known = checks.damageAt(at);
            if (known == null) {
                break;
            }
            at = checks.verifiedEnd(known.endPosition());
        }
        if (at >= size) {
            return 0;
        }
        long offset = at == 0 ? baseOffset : offsetAt(at);
        SegmentChecks.Run next = checks.nextVerified(at);
        int stop = (int) Math.min(next == null ? size : next.start(), (long) at + Math.max(maxBytes, 1));
        // Whole batches: walk headers to the last boundary at or before stop (at least one batch).
        int end = at;
        while (end < stop) {
            BatchHeader header = BatchFormat.readWalkHeader(readBytes(end, BatchFormat.WALK_HEADER_BYTES));
            if (header.sizeInBytes() < BatchFormat.HEADER_BYTES || end + header.sizeInBytes() > size) {
                end = stop;
                break;
            }
            if (end > at && end + header.sizeInBytes() > stop) {
                break;
            }
            end += header.sizeInBytes();
        }
        verify(at, Math.min(end, size), offset);
        return Math.max(end - at, 1);
    }

    /** Cuts the file to {@code validBytes} (after {@link #recover} found its valid end) and makes it durable. */
    void truncateTo(int validBytes) throws IOException {
        channel.truncate(validBytes);
        channel.force(true);
        checks.truncateTo(validBytes, nextOffset);
        offsetIndex.truncateFromPosition(validBytes);
        timeIndex.truncateFromOffset(nextOffset);
        sizeInBytes = validBytes;
    }

    // ---------------------------------------------------------------- reading

    /**
     * Whole batches starting with the one that contains {@code offset}: at least one, then more while
     * they fit in {@code maxBytes}; none that holds an offset at or beyond {@code upperBound}.
     * Null if the segment does not hold {@code offset}.
     */
    LogSlice read(long offset, int maxBytes, long upperBound) throws IOException {
        // A walk that crosses damage not known yet finds it while verifying, and walks again around it.
        for (int walks = 0; ; walks++) {
            Damage holding = checks.damageHolding(offset);
            if (holding != null) {
                throw new DamagedDataException(holding);
            }
            int size = sizeInBytes;
            Walk walk = walkTo(offset, size);
            int start = walk.start();
            if (start == BROKEN && walks == 0) {
                // Finds and records the damage the walk met, so that the next walk goes around it.
                verify(walk.fromPosition(), size, walk.fromOffset());
                continue;
            }
            if (start == BROKEN) {
                throw new CorruptLogException(logPath, walk.fromPosition(), "batch headers do not lead to offset "
                        + offset);
            }
            if (start < 0) {
                return null;
            }
            BatchHeader first = headerAt(start);
            if (first.lastOffset() >= upperBound) {
                return LogSlice.empty(offset);
            }
            // Batches before an index entry's position fit in maxBytes if the entry does, and hold offsets
            // below upperBound if the entry's does: jump there, then walk the last few batch headers.
            long limitPosition = Math.min((long) start + Math.max(maxBytes, 0), size);
            OffsetIndex.Entry byPosition = offsetIndex.floorByPosition(limitPosition);
            OffsetIndex.Entry byOffset = offsetIndex.floorByOffset(upperBound);
            OffsetIndex.Entry jump = byPosition.position() <= byOffset.position() ? byPosition : byOffset;
            int end = start + first.sizeInBytes();
            long next = first.lastOffset() + 1;
            if (jump.position() > end && batchStartsAt(jump.position(), jump.offset(), size)
                    && checks.firstDamageIn(end, jump.position()) == null) {
                end = jump.position();
                next = jump.offset();
            }
            while (end < size && checks.damageAt(end) == null) {
                BatchHeader header = plausibleHeaderAt(end, size);
                if (header == null || header.lastOffset() >= upperBound
                        || (long) end + header.sizeInBytes() - start > maxBytes) {
                    break;
                }
                end += header.sizeInBytes();
                next = header.lastOffset() + 1;
            }
            // No byte leaves unless its batch, and the batches walked to find it, were verified since
            // the segment was opened.
            int verifiedEnd = verify(walk.fromPosition(), end, walk.fromOffset());
            if (verifiedEnd >= end) {
                return new LogSlice(logPath, channel, start, end - start, first.baseOffset(), next);
            }
            Damage damage = checks.damageAt(verifiedEnd);
            if (verifiedEnd > start) {
                return new LogSlice(logPath, channel, start, verifiedEnd - start, first.baseOffset(),
                        damage.baseOffset());
            }
            if (verifiedEnd == start || walks > 0) {
                throw new DamagedDataException(damage);
            }
        }
    }

    /**
     * The first offset at or after {@code timestampMs} whose record timestamp is at or after it, or
     * null if no record in this segment is that new.
     */
    TimestampOffset offsetForTimestamp(long timestampMs) throws IOException {
        if (maxTimestamp < timestampMs) {
            return null;
        }
        int size = sizeInBytes;
        TimeIndex.Entry before = timeIndex.lastBefore(timestampMs);
        int position = before == null ? 0 : positionOf(before.offset(), size);
        if (position < 0) {
            position = 0;
        }
        while (position < size) {
            BatchHeader header = headerAt(position);
            ByteBuffer batch = readBytes(position, header.sizeInBytes());
            if (BatchFormat.maxTimestamp(batch) >= timestampMs) {
                TimestampOffset found = BatchFormat.firstRecordAtOrAfter(batch, timestampMs);
                if (found != null) {
                    return found;
                }
            }
            position += header.sizeInBytes();
        }
        return null;
    }

    /**
     * The largest record timestamp among this segment's records below {@code upperBound}, or -1 if
     * none has one. The time index answers up to its last entry below the bound; only the batches
     * after that entry are looked at, by their headers.
     */
    long maxTimestampBelow(long upperBound) throws IOException {
        TimeIndex.Entry covered = timeIndex.lastBelowOffset(upperBound);
        long max = covered == null ? -1 : covered.timestampMs();
        int size = sizeInBytes;
        // An entry's offset is the last of a batch, so the batch after it starts at the next offset.
        int position = positionOf(covered == null ? baseOffset : covered.offset() + 1, size);
        while (position >= 0 && position < size) {
            ByteBuffer header = readBytes(position, BatchFormat.TIMESTAMP_HEADER_BYTES);
            BatchHeader walk = BatchFormat.readWalkHeader(header);
            if (walk.baseOffset() >= upperBound) {
                break;
            }
            if (walk.sizeInBytes() < BatchFormat.HEADER_BYTES) {
                throw new CorruptLogException(logPath, position, "batch length " + walk.sizeInBytes());
            }
            max = Math.max(max, BatchFormat.readMaxTimestamp(header));
            position += walk.sizeInBytes();
        }
        return max;
    }

    /**
     * Calls {@code visitor} with the header of every batch from the one that starts at {@code offset}
     * to the end of the segment, passing over known damage. Returns false, having called nothing, if
     * no batch starts at {@code offset} (the segment's next offset counts: nothing follows it).
     */
    boolean forEachBatchFrom(long offset, java.util.function.Consumer<BatchSummary> visitor) throws IOException {
        int size = sizeInBytes;
        int position = 0;
        if (offset == nextOffset) {
            return true;
        }
        if (offset != baseOffset) {
            position = walkTo(offset, size).start();
            if (position < 0 || checks.damageAt(position) != null || headerAt(position).baseOffset() != offset) {
                return false;
            }
        }
        while (position < size) {
            Damage damage = checks.damageAt(position);
            if (damage != null) {
                position = damage.endPosition();
                continue;
            }
            ByteBuffer header = readBytes(position, BatchFormat.HEADER_BYTES);
            BatchHeader walk = BatchFormat.readWalkHeader(header);
            if (walk.sizeInBytes() < BatchFormat.HEADER_BYTES) {
                throw new CorruptLogException(logPath, position, "batch length " + walk.sizeInBytes());
            }
            visitor.accept(BatchFormat.readSummary(header));
            position += walk.sizeInBytes();
        }
        return true;
    }

    /** Position of the batch holding {@code offset}, or -1 if it is not below {@code size}. */
    private int positionOf(long offset, int size) throws IOException {
        return walkTo(offset, size).start();
    }

    /**
     * Where a walk of batch headers to the batch holding an offset found it ({@code start}, -1 if not
     * below the size), and where that walk began: a boundary whose offset is known, from which the
     * walked batches can be verified.
     */
    private record Walk(int start, int fromPosition, long fromOffset) {
    }

    /** A walk that met a header whose length does not fit: the bytes from its start need verifying. */
    private static final int BROKEN = -2;

    private Walk walkTo(long offset, int size) throws IOException {
        OffsetIndex.Entry entry = offsetIndex.floorByOffset(offset);
        int position = entry.position();
        long known = entry.offset();
        if (position >= size) {
            position = 0;
            known = baseOffset;
        } else if (position > 0 && !batchStartsAt(position, entry.offset(), size)) {
            if (!warnedAboutIndex) {
                warnedAboutIndex = true;
                log.warn("Offset index of {} disagrees with the log at position {}; scanning from the segment start"
                        + " until it is rebuilt on the next open", logPath, position);
            }
            position = 0;
            known = baseOffset;
        }
        int fromPosition = position;
        boolean damaged = checks.hasDamage();
        while (position < size) {
            Damage damage = damaged ? checks.damageAt(position) : null;
            if (damage != null) {
                position = damage.endPosition();
                fromPosition = position;
                known = damage.nextOffset();
                continue;
            }
            BatchHeader header = plausibleHeaderAt(position, size);
            if (header == null) {
                return new Walk(BROKEN, fromPosition, known);
            }
            if (header.lastOffset() >= offset) {
                return new Walk(position, fromPosition, known);
            }
            position += header.sizeInBytes();
        }
        return new Walk(-1, fromPosition, known);
    }

    /** The header at {@code position} if its length fits in {@code size}, else null: damage a verification will find. */
    private BatchHeader plausibleHeaderAt(int position, int size) throws IOException {
        if (size - position < BatchFormat.HEADER_BYTES) {
            return null;
        }
        BatchHeader header = BatchFormat.readWalkHeader(readBytes(position, BatchFormat.WALK_HEADER_BYTES));
        boolean fits = header.sizeInBytes() >= BatchFormat.HEADER_BYTES && header.sizeInBytes() <= size - position;
        return fits ? header : null;
    }

    /** True if a batch with base offset {@code offset} starts at {@code position}: how index entries are checked. */
    private boolean batchStartsAt(int position, long offset, int size) throws IOException {
        if (position < 0 || position + BatchFormat.HEADER_BYTES > size) {
            return false;
        }
        BatchHeader header = BatchFormat.readWalkHeader(readBytes(position, BatchFormat.WALK_HEADER_BYTES));
        return header.baseOffset() == offset && header.sizeInBytes() >= BatchFormat.HEADER_BYTES
                && header.sizeInBytes() <= size - position;
    }

    private BatchHeader headerAt(int position) throws IOException {
        BatchHeader header = BatchFormat.readWalkHeader(readBytes(position, BatchFormat.WALK_HEADER_BYTES));
        if (header.sizeInBytes() < BatchFormat.HEADER_BYTES) {
            throw new CorruptLogException(logPath, position, "batch length " + header.sizeInBytes());
        }
        return header;
    }

    private ByteBuffer readBytes(int position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new CorruptLogException(logPath, at, "file ends inside a batch that was expected whole");
            }
            at += n;
        }
        return buffer.flip();
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Renames the segment's files to {@code *.deleted} and unlinks them. The channel stays open, so
     * reads already under way finish; {@link #close} releases it later.
     */
    void delete() throws IOException {
        Path dir = logPath.getParent();
        for (String suffix : new String[] {LogFiles.LOG_SUFFIX, LogFiles.INDEX_SUFFIX, LogFiles.TIME_INDEX_SUFFIX}) {
            Path file = dir.resolve(LogFiles.fileName(baseOffset, suffix));
            if (storage.exists(file)) {
                Path gone = dir.resolve(file.getFileName() + LogFiles.DELETED_SUFFIX);
                storage.rename(file, gone);
                storage.delete(gone);
            }
        }
        offsetIndex.close();
        timeIndex.close();
    }

    @Override
    public void close() throws IOException {
        try (channel; offsetIndex; timeIndex) {
            // closes all three, keeping the first failure
        }
    }

    /**
     * What {@link #recover} found.
     *
     * @param fromPosition   where the scan started
     * @param validBytes     where the valid prefix ends
     * @param invalidBytes   bytes after it, to be cut
     * @param nextOffset     the offset after the last valid batch
     * @param problem        why the scan stopped early, or null if it reached the end cleanly
     * @param damage         damage found in durable bytes on the way, kept
     */
    record RecoveryResult(int fromPosition, int validBytes, int invalidBytes, long nextOffset, String problem,
                          List<Damage> damage) {
    }
}
