package io.riverlog.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.wal.BatchFormat.BatchHeader;

/**
 * The read side of a segment: finds the batch holding an offset (sparse index, then batch
 * headers, going around known damage), answers reads with regions of the file whose batches were
 * verified, and looks up timestamps. Any thread: positional reads of what lies below the segment's
 * published size.
 */
final class SegmentReader {
    private static final Logger log = LoggerFactory.getLogger(SegmentReader.class);

    private final Segment segment;
    private final Path file;
    private final FileChannel channel;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private final SegmentChecks checks;
    private final SegmentVerifier verifier;
    private volatile boolean warnedAboutIndex;

    SegmentReader(Segment segment, Path file, FileChannel channel, OffsetIndex offsetIndex, TimeIndex timeIndex,
                  SegmentChecks checks, SegmentVerifier verifier) {
        this.segment = segment;
        this.file = file;
        this.channel = channel;
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
        this.checks = checks;
        this.verifier = verifier;
    }

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
            int size = segment.sizeInBytes();
            Walk walk = walkTo(offset, size);
            int start = walk.start();
            if (start == BROKEN && walks == 0) {
                // Finds and records the damage the walk met, so that the next walk goes around it.
                verifier.verify(walk.fromPosition(), size, walk.fromOffset());
                continue;
            }
            if (start == BROKEN) {
                throw new CorruptLogException(file, walk.fromPosition(), "batch headers do not lead to offset "
                        + offset);
            }
            if (start < 0) {
                return null;
            }
            BatchHeader first = segment.headerAt(start);
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
            if (jump.position() > end && segment.batchStartsAt(jump.position(), jump.offset(), size)
                    && checks.firstDamageIn(end, jump.position()) == null) {
                end = jump.position();
                next = jump.offset();
            }
            while (end < size && checks.damageAt(end) == null) {
                BatchHeader header = segment.plausibleHeaderAt(end, size);
                if (header == null || header.lastOffset() >= upperBound
                        || (long) end + header.sizeInBytes() - start > maxBytes) {
                    break;
                }
                end += header.sizeInBytes();
                next = header.lastOffset() + 1;
            }
            // No byte leaves unless its batch, and the batches walked to find it, were verified since
            // the segment was opened.
            int verifiedEnd = verifier.verify(walk.fromPosition(), end, walk.fromOffset());
            if (verifiedEnd >= end) {
                return new LogSlice(file, channel, start, end - start, first.baseOffset(), next);
            }
            Damage damage = checks.damageAt(verifiedEnd);
            if (verifiedEnd > start) {
                return new LogSlice(file, channel, start, verifiedEnd - start, first.baseOffset(),
                        damage.baseOffset());
            }
            if (verifiedEnd == start || walks > 0) {
                throw new DamagedDataException(damage);
            }
        }
    }

    /**
     * The first record at or after {@code fromOffset} whose timestamp is at or after
     * {@code timestampMs}, or null if no such record in this segment is that new.
     */
    TimestampOffset offsetForTimestamp(long timestampMs, long fromOffset) throws IOException {
        if (segment.maxTimestamp() < timestampMs) {
            return null;
        }
        int size = segment.sizeInBytes();
        TimeIndex.Entry before = timeIndex.lastBefore(timestampMs);
        long seek = Math.max(before == null ? segment.baseOffset : before.offset(), fromOffset);
        int position = seek > segment.baseOffset ? positionOf(seek, size) : 0;
        if (position < 0) {
            position = 0;
        }
        while (position < size) {
            BatchHeader header = segment.headerAt(position);
            ByteBuffer batch = segment.readBytes(position, header.sizeInBytes());
            if (BatchFormat.maxTimestamp(batch) >= timestampMs && header.lastOffset() >= fromOffset) {
                TimestampOffset found = BatchFormat.firstRecordAtOrAfter(batch, timestampMs, fromOffset);
                if (found != null) {
                    return found;
                }
            }
            position += header.sizeInBytes();
        }
        return null;
    }

    /**
     * The largest record timestamp among this segment's records from {@code fromOffset} up to below
     * {@code upperBound}, or -1 if none has one. From the segment's start, the time index answers up
     * to its last entry below the bound; only the batches after that entry are looked at, by their
     * headers. From inside the segment (records below the log start were deleted), the batch holding
     * {@code fromOffset} is read record by record, the batches after it by their headers.
     */
    long maxTimestampBelow(long fromOffset, long upperBound) throws IOException {
        int size = segment.sizeInBytes();
        if (fromOffset > segment.baseOffset) {
            int position = positionOf(fromOffset, size);
            if (position < 0 || position >= size) {
                return -1;
            }
            BatchHeader first = segment.headerAt(position);
            if (first.baseOffset() >= upperBound) {
                return -1;
            }
            long max = BatchFormat.maxTimestampFrom(segment.readBytes(position, first.sizeInBytes()), fromOffset);
            return maxTimestampOfHeaders(position + first.sizeInBytes(), size, upperBound, max);
        }
        TimeIndex.Entry covered = timeIndex.lastBelowOffset(upperBound);
        long max = covered == null ? -1 : covered.timestampMs();
        // An entry's offset is the last of a batch, so the batch after it starts at the next offset.
        int position = positionOf(covered == null ? segment.baseOffset : covered.offset() + 1, size);
        return maxTimestampOfHeaders(position, size, upperBound, max);
    }

    /** The largest of {@code atLeast} and the header timestamps of the batches from {@code from} below the bound. */
    private long maxTimestampOfHeaders(int from, int size, long upperBound, long atLeast) throws IOException {
        long max = atLeast;
        int position = from;
        while (position >= 0 && position < size) {
            ByteBuffer header = segment.readBytes(position, BatchFormat.TIMESTAMP_HEADER_BYTES);
            BatchHeader walk = BatchFormat.readWalkHeader(header);
            if (walk.baseOffset() >= upperBound) {
                break;
            }
            if (walk.sizeInBytes() < BatchFormat.HEADER_BYTES) {
                throw new CorruptLogException(file, position, "batch length " + walk.sizeInBytes());
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
        int size = segment.sizeInBytes();
        int position = 0;
        if (offset == segment.nextOffset()) {
            return true;
        }
        if (offset != segment.baseOffset) {
            position = walkTo(offset, size).start();
            if (position < 0 || checks.damageAt(position) != null
                    || segment.headerAt(position).baseOffset() != offset) {
                return false;
            }
        }
        while (position < size) {
            Damage damage = checks.damageAt(position);
            if (damage != null) {
                position = damage.endPosition();
                continue;
            }
            ByteBuffer header = segment.readBytes(position, BatchFormat.HEADER_BYTES);
            BatchHeader walk = BatchFormat.readWalkHeader(header);
            if (walk.sizeInBytes() < BatchFormat.HEADER_BYTES) {
                throw new CorruptLogException(file, position, "batch length " + walk.sizeInBytes());
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
            known = segment.baseOffset;
        } else if (position > 0 && !segment.batchStartsAt(position, entry.offset(), size)) {
            if (!warnedAboutIndex) {
                warnedAboutIndex = true;
                log.warn("Offset index of {} disagrees with the log at position {}; scanning from the segment start"
                        + " until it is rebuilt on the next open", file, position);
            }
            position = 0;
            known = segment.baseOffset;
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
            BatchHeader header = segment.plausibleHeaderAt(position, size);
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
}
