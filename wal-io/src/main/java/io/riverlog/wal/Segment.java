package io.riverlog.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.wal.BatchFormat.BatchHeader;

/**
 * One segment of a partition log: a {@code .log} file of v2 record batches, stored as clients sent
 * them with offsets assigned, and its offset and time indexes. The segment holds the offsets
 * {@code [baseOffset, nextOffset)}, contiguous.
 *
 * <p>Reads are its {@link SegmentReader}'s, verification its {@link SegmentVerifier}'s.
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
    private final SegmentChecks checks = new SegmentChecks();
    private final SegmentVerifier verifier;
    private final SegmentReader reader;
    private volatile Consumer<Damage> damageListener = damage -> { };

    private Segment(long baseOffset, Path logPath, LogConfig config, Storage storage, FileChannel channel,
                    OffsetIndex offsetIndex, TimeIndex timeIndex, int sizeInBytes) {
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
        this.verifier = new SegmentVerifier(this, logPath, channel, config, checks);
        this.reader = new SegmentReader(this, logPath, channel, offsetIndex, timeIndex, checks, verifier);
    }

    /** Creates the files of a new, empty segment. The caller fsyncs the directory. */
    static Segment create(Path dir, long baseOffset, LogConfig config, Storage storage) throws IOException {
        Path logPath = dir.resolve(LogFiles.fileName(baseOffset, LogFiles.LOG_SUFFIX));
        FileChannel channel = storage.open(logPath, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        Path indexPath = dir.resolve(LogFiles.fileName(baseOffset, LogFiles.INDEX_SUFFIX));
        Path timeIndexPath = dir.resolve(LogFiles.fileName(baseOffset, LogFiles.TIME_INDEX_SUFFIX));
        storage.deleteIfExists(indexPath);
        storage.deleteIfExists(timeIndexPath);
        return new Segment(baseOffset, logPath, config, storage, channel,
                OffsetIndex.open(indexPath, baseOffset, 0, storage),
                TimeIndex.open(timeIndexPath, baseOffset, storage), 0);
    }

    /**
     * Creates the files of a segment that compaction fills to replace older ones, under their
     * {@code .cleaned} names; the segment names itself by its final {@code .log} name, which its files
     * get when it is swapped in (an open channel follows its file through a rename).
     */
    static Segment createCleaned(Path dir, long baseOffset, LogConfig config, Storage storage) throws IOException {
        Path logPath = dir.resolve(LogFiles.fileName(baseOffset, LogFiles.LOG_SUFFIX));
        Path cleaned = cleanedPath(dir, baseOffset, LogFiles.LOG_SUFFIX);
        Path indexPath = cleanedPath(dir, baseOffset, LogFiles.INDEX_SUFFIX);
        Path timeIndexPath = cleanedPath(dir, baseOffset, LogFiles.TIME_INDEX_SUFFIX);
        storage.deleteIfExists(cleaned);
        storage.deleteIfExists(indexPath);
        storage.deleteIfExists(timeIndexPath);
        FileChannel channel = storage.open(cleaned, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        return new Segment(baseOffset, logPath, config, storage, channel,
                OffsetIndex.open(indexPath, baseOffset, 0, storage),
                TimeIndex.open(timeIndexPath, baseOffset, storage), 0);
    }

    /** Where compaction writes the file of a segment with {@code suffix} before it is swapped in. */
    static Path cleanedPath(Path dir, long baseOffset, String suffix) {
        return dir.resolve(LogFiles.fileName(baseOffset, suffix) + LogFiles.CLEANED_SUFFIX);
    }

    /**
     * Opens an existing segment and the sane prefix of its indexes. Its end is not known yet: the
     * loader calls {@link #walkToEnd} (after a clean close) or {@link #recover}.
     */
    static Segment open(Path dir, long baseOffset, LogConfig config, Storage storage) throws IOException {
        Path logPath = dir.resolve(LogFiles.fileName(baseOffset, LogFiles.LOG_SUFFIX));
        FileChannel channel = storage.open(logPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
        int size = Math.toIntExact(channel.size());
        Path indexPath = dir.resolve(LogFiles.fileName(baseOffset, LogFiles.INDEX_SUFFIX));
        Path timeIndexPath = dir.resolve(LogFiles.fileName(baseOffset, LogFiles.TIME_INDEX_SUFFIX));
        return new Segment(baseOffset, logPath, config, storage, channel,
                OffsetIndex.open(indexPath, baseOffset, size, storage),
                TimeIndex.open(timeIndexPath, baseOffset, storage), size);
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
    void onDamage(Consumer<Damage> listener) {
        damageListener = listener;
    }

    Consumer<Damage> damageListener() {
        return damageListener;
    }

    /** The read side: reads, timestamp look-ups, batch walks (see {@link SegmentReader}). */
    SegmentReader reader() {
        return reader;
    }

    /** Verifies up to about {@code maxBytes} of the bytes not verified yet; see {@link SegmentVerifier#scrub}. */
    int scrub(int maxBytes) throws IOException {
        return verifier.scrub(maxBytes);
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

    /**
     * Appends one batch that compaction kept or made, whose offsets are
     * {@code [baseOffset, baseOffset + lastOffsetDelta]}; it must start at the segment's next offset.
     */
    void appendCleaned(ByteBuffer batch, long baseOffset, int lastOffsetDelta, long maxTimestamp) throws IOException {
        if (baseOffset != nextOffset) {
            throw new IllegalStateException("a cleaned batch at offset " + baseOffset + " where " + nextOffset
                    + " was expected");
        }
        BatchInfo info = new BatchInfo(0, batch.remaining(), lastOffsetDelta, maxTimestamp, -1, -1, (short) -1, -1,
                false);
        append(batch, List.of(info), baseOffset);
    }

    /** A scanner that checks this segment's batches one by one from its start (see {@link BatchScanner}). */
    BatchScanner scanner(ByteBuffer scratch) {
        return new BatchScanner(channel, 0, sizeInBytes, scratch);
    }

    /**
     * Closes the indexes of a segment whose files compaction replaced (renamed over, or deleted as part of
     * the swap); the channel stays open for reads under way until {@link #close}.
     */
    void replaced() throws IOException {
        offsetIndex.close();
        timeIndex.close();
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
        // Sealed: its indexes are in memory, and only its data file stays open, for reads.
        offsetIndex.release();
        timeIndex.release();
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
            Damage damage = verifier.damageAt(at, expected, step, durableBytes, durableEndOffset, why);
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
     * The header at {@code position} if its length fits in {@code size}, else null: damage a
     * verification will find.
     */
    BatchHeader plausibleHeaderAt(int position, int size) throws IOException {
        if (size - position < BatchFormat.HEADER_BYTES) {
            return null;
        }
        BatchHeader header = BatchFormat.readWalkHeader(readBytes(position, BatchFormat.WALK_HEADER_BYTES));
        boolean fits = header.sizeInBytes() >= BatchFormat.HEADER_BYTES && header.sizeInBytes() <= size - position;
        return fits ? header : null;
    }

    /** True if a batch with base offset {@code offset} starts at {@code position}: how index entries are checked. */
    boolean batchStartsAt(int position, long offset, int size) throws IOException {
        if (position < 0 || position + BatchFormat.HEADER_BYTES > size) {
            return false;
        }
        BatchHeader header = BatchFormat.readWalkHeader(readBytes(position, BatchFormat.WALK_HEADER_BYTES));
        return header.baseOffset() == offset && header.sizeInBytes() >= BatchFormat.HEADER_BYTES
                && header.sizeInBytes() <= size - position;
    }

    BatchHeader headerAt(int position) throws IOException {
        BatchHeader header = BatchFormat.readWalkHeader(readBytes(position, BatchFormat.WALK_HEADER_BYTES));
        if (header.sizeInBytes() < BatchFormat.HEADER_BYTES) {
            throw new CorruptLogException(logPath, position, "batch length " + header.sizeInBytes());
        }
        return header;
    }

    ByteBuffer readBytes(int position, int length) throws IOException {
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
        for (String suffix : LogFiles.SEGMENT_SUFFIXES) {
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
