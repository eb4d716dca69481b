package io.riverlog.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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
    private final FileChannel channel;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;

    private volatile int sizeInBytes;
    private volatile long nextOffset;
    private volatile long maxTimestamp;
    private int bytesSinceIndexEntry;
    private volatile boolean warnedAboutIndex;

    private Segment(long baseOffset, Path logPath, LogConfig config, FileChannel channel, OffsetIndex offsetIndex,
                    TimeIndex timeIndex, int sizeInBytes) {
        this.baseOffset = baseOffset;
        this.logPath = logPath;
        this.config = config;
        this.channel = channel;
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
        this.sizeInBytes = sizeInBytes;
        this.nextOffset = baseOffset;
        this.maxTimestamp = timeIndex.lastTimestamp();
    }

    /** Creates the files of a new, empty segment. The caller fsyncs the directory. */
    static Segment create(Path dir, long baseOffset, LogConfig config, ChannelFactory channels) throws IOException {
        Path logPath = dir.resolve(LogFiles.fileName(baseOffset, LogFiles.LOG_SUFFIX));
        FileChannel channel = channels.open(logPath, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        Files.deleteIfExists(dir.resolve(LogFiles.fileName(baseOffset, LogFiles.INDEX_SUFFIX)));
        Files.deleteIfExists(dir.resolve(LogFiles.fileName(baseOffset, LogFiles.TIME_INDEX_SUFFIX)));
        return new Segment(baseOffset, logPath, config, channel,
                OffsetIndex.open(dir.resolve(LogFiles.fileName(baseOffset, LogFiles.INDEX_SUFFIX)), baseOffset, 0, channels),
                TimeIndex.open(dir.resolve(LogFiles.fileName(baseOffset, LogFiles.TIME_INDEX_SUFFIX)), baseOffset, channels), 0);
    }

    /**
     * Opens an existing segment and the sane prefix of its indexes. Its end is not known yet: the
     * loader calls {@link #walkToEnd} (after a clean close) or {@link #recover}.
     */
    static Segment open(Path dir, long baseOffset, LogConfig config, ChannelFactory channels) throws IOException {
        Path logPath = dir.resolve(LogFiles.fileName(baseOffset, LogFiles.LOG_SUFFIX));
        FileChannel channel = channels.open(logPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
        int size = Math.toIntExact(channel.size());
        return new Segment(baseOffset, logPath, config, channel,
                OffsetIndex.open(dir.resolve(LogFiles.fileName(baseOffset, LogFiles.INDEX_SUFFIX)), baseOffset, size, channels),
                TimeIndex.open(dir.resolve(LogFiles.fileName(baseOffset, LogFiles.TIME_INDEX_SUFFIX)), baseOffset, channels), size);
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

    int indexEntryCount() {
        return offsetIndex.entryCount();
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
     * After a clean close: walks batch headers from the last index entry to the end of the file to
     * learn the next offset. Returns false if the headers do not end exactly at the end of the
     * file; the loader then recovers the segment instead.
     */
    boolean walkToEnd() throws IOException {
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
     * Validates every batch from {@code fromPosition} (a batch boundary holding {@code fromOffset})
     * to the end of the file: length, magic 2, CRC32C, and base offsets that continue exactly where
     * the previous batch ended. Index entries past the start are rebuilt on the way. Nothing is
     * cut here: the result says where the valid prefix ends and the caller decides.
     */
    RecoveryResult recover(int fromPosition, long fromOffset, ByteBuffer scratch) throws IOException {
        return recover(fromPosition, fromOffset, scratch, Long.MAX_VALUE);
    }

    /**
     * As {@link #recover(int, long, ByteBuffer)}, but the valid prefix also ends before the batch
     * that starts at {@code endOffset}: what follows it counts as bytes to cut.
     */
    RecoveryResult recover(int fromPosition, long fromOffset, ByteBuffer scratch, long endOffset) throws IOException {
        offsetIndex.truncateFromPosition(fromPosition + 1);
        timeIndex.truncateFromOffset(fromOffset);
        long maxTs = timeIndex.lastTimestamp();
        int fileSize = Math.toIntExact(channel.size());
        int position = fromPosition;
        long expected = fromOffset;
        int sinceIndex = 0;
        String problem = null;

        ByteBuffer buffer = scratch;
        buffer.clear().limit(0);
        while (true) {
            if (expected >= endOffset) {
                if (position < fileSize) {
                    problem = "batches from offset " + expected + " on lie beyond the end offset kept, " + endOffset;
                }
                break;
            }
            ScanStep step = BatchFormat.scanNext(buffer, expected, Integer.MAX_VALUE);
            if (step.kind() == ScanStep.Kind.VALID) {
                long batchBase = expected;
                if (sinceIndex >= config.indexIntervalBytes()) {
                    offsetIndex.append(batchBase, position);
                    maxTs = Math.max(maxTs, step.maxTimestamp());
                    timeIndex.maybeAppend(maxTs, step.lastOffset());
                    sinceIndex = 0;
                }
                maxTs = Math.max(maxTs, step.maxTimestamp());
                sinceIndex += step.sizeInBytes();
                position += step.sizeInBytes();
                expected = step.lastOffset() + 1;
                continue;
            }
            if (step.kind() == ScanStep.Kind.INVALID) {
                problem = step.problem();
                break;
            }
            // Incomplete: the next batch does not fit in what was read. Read more, or stop at the end of the file.
            int buffered = buffer.remaining();
            if (position + buffered >= fileSize) {
                if (buffered > 0) {
                    problem = "incomplete batch: the file ends " + buffered + " bytes into it";
                }
                break;
            }
            if (buffered >= Long.BYTES + Integer.BYTES) {
                int declared = buffer.getInt(buffer.position() + Long.BYTES) + Long.BYTES + Integer.BYTES;
                if (declared > fileSize - position) {
                    problem = "incomplete batch: it declares " + declared + " bytes, the file has " + (fileSize - position) + " left";
                    break;
                }
                if (declared > buffer.capacity()) {
                    buffer = ByteBuffer.allocate(declared).put(buffer).flip();
                }
            }
            buffer.compact();
            long readAt = (long) position + buffer.position();
            while (buffer.hasRemaining() && readAt < fileSize) {
                int n = channel.read(buffer, readAt);
                if (n < 0) {
                    break;
                }
                readAt += n;
            }
            buffer.flip();
        }
        nextOffset = expected;
        maxTimestamp = maxTs;
        bytesSinceIndexEntry = sinceIndex;
        sizeInBytes = fileSize;
        return new RecoveryResult(fromPosition, position, fileSize - position, expected, problem);
    }

    /** Cuts the file to {@code validBytes} (after {@link #recover} found its valid end) and makes it durable. */
    void truncateTo(int validBytes) throws IOException {
        channel.truncate(validBytes);
        channel.force(true);
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
        int size = sizeInBytes;
        int start = positionOf(offset, size);
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
        if (jump.position() > end && batchStartsAt(jump.position(), jump.offset(), size)) {
            end = jump.position();
            next = jump.offset();
        }
        while (end < size) {
            BatchHeader header = headerAt(end);
            if (header.lastOffset() >= upperBound || (long) end + header.sizeInBytes() - start > maxBytes) {
                break;
            }
            end += header.sizeInBytes();
            next = header.lastOffset() + 1;
        }
        return new LogSlice(logPath, channel, start, end - start, first.baseOffset(), next);
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

    /** Calls {@code visitor} with the header of every batch from {@code position} (a batch start) to the end. */
    void forEachBatchFrom(int position, java.util.function.Consumer<BatchSummary> visitor) throws IOException {
        int size = sizeInBytes;
        int at = position;
        while (at < size) {
            ByteBuffer header = readBytes(at, BatchFormat.HEADER_BYTES);
            BatchHeader walk = BatchFormat.readWalkHeader(header);
            if (walk.sizeInBytes() < BatchFormat.HEADER_BYTES) {
                throw new CorruptLogException(logPath, at, "batch length " + walk.sizeInBytes());
            }
            visitor.accept(BatchFormat.readSummary(header));
            at += walk.sizeInBytes();
        }
    }

    /** The start of the batch at or before {@code position}, found through the index; 0 if none. */
    int batchStartAtOrBefore(int position) throws IOException {
        return trustedEntryAtOrBelow(position).position();
    }

    /** Position of the batch holding {@code offset}, or -1 if it is not below {@code size}. */
    private int positionOf(long offset, int size) throws IOException {
        OffsetIndex.Entry entry = offsetIndex.floorByOffset(offset);
        int position = entry.position();
        if (position >= size) {
            position = 0;
        } else if (position > 0 && !batchStartsAt(position, entry.offset(), size)) {
            if (!warnedAboutIndex) {
                warnedAboutIndex = true;
                log.warn("Offset index of {} disagrees with the log at position {}; scanning from the segment start"
                        + " until it is rebuilt on the next open", logPath, position);
            }
            position = 0;
        }
        while (position < size) {
            BatchHeader header = headerAt(position);
            if (header.lastOffset() >= offset) {
                return position;
            }
            position += header.sizeInBytes();
        }
        return -1;
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
            if (Files.exists(file)) {
                Path gone = dir.resolve(file.getFileName() + LogFiles.DELETED_SUFFIX);
                Files.move(file, gone, StandardCopyOption.ATOMIC_MOVE);
                Files.delete(gone);
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
     */
    record RecoveryResult(int fromPosition, int validBytes, int invalidBytes, long nextOffset, String problem) {
    }
}
