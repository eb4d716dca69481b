package io.riverlog.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Sparse map from offset to file position within one segment. An entry is added for a batch when
 * at least {@code index-interval-bytes} of batches were appended since the previous entry; the
 * segment's first batch needs none (it is at position 0). Each entry on disk is 8 bytes:
 * <pre>
 *   int32 relativeOffset  the batch's base offset minus the segment's base offset
 *   int32 position        the batch's first byte in the .log file
 * </pre>
 * Both columns strictly increase. The entries live in memory; the writer appends, and readers on
 * any thread search a published snapshot. The file is written on flush, rolled segments' indexes
 * are fsynced, and a crash can cost at most the tail, which recovery rebuilds.
 */
final class OffsetIndex implements AutoCloseable {
    static final int ENTRY_BYTES = 8;
    private static final int INITIAL_CAPACITY = 64;

    /** Entries readers may see: everything below {@code count} in the two arrays. */
    private record Entries(int[] relativeOffsets, int[] positions, int count) {
    }

    /** One index entry, in absolute terms. */
    record Entry(long offset, int position) {
    }

    private final long baseOffset;
    private final IndexFile file;
    private volatile Entries entries = new Entries(new int[INITIAL_CAPACITY], new int[INITIAL_CAPACITY], 0);

    private OffsetIndex(long baseOffset, IndexFile file) {
        this.baseOffset = baseOffset;
        this.file = file;
    }

    /**
     * Opens the index file and keeps its longest prefix of sane entries: strictly increasing
     * offsets and positions, positions inside a log of {@code logSizeInBytes}. What follows is cut.
     */
    static OffsetIndex open(Path path, long baseOffset, int logSizeInBytes, Storage storage) throws IOException {
        OffsetIndex index = new OffsetIndex(baseOffset, new IndexFile(path, ENTRY_BYTES, storage));
        ByteBuffer stored = index.file.readEntries();
        int lastRelative = 0;
        int lastPosition = 0;
        while (stored.remaining() >= ENTRY_BYTES) {
            int relative = stored.getInt();
            int position = stored.getInt();
            if (relative <= lastRelative || position <= lastPosition || position >= logSizeInBytes) {
                break;
            }
            index.appendInMemory(relative, position);
            lastRelative = relative;
            lastPosition = position;
        }
        index.file.persisted(index.entries.count);
        index.file.release();
        return index;
    }

    int entryCount() {
        return entries.count;
    }

    void append(long offset, int position) {
        appendInMemory(Math.toIntExact(offset - baseOffset), position);
    }

    /** The entry with the largest offset at or below {@code offset}; the segment start if none. */
    Entry floorByOffset(long offset) {
        Entries e = entries;
        long relative = offset - baseOffset;
        int lo = 0;
        int hi = e.count - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (e.relativeOffsets[mid] <= relative) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found < 0 ? new Entry(baseOffset, 0)
                : new Entry(baseOffset + e.relativeOffsets[found], e.positions[found]);
    }

    /** The entry with the largest position at or below {@code position}; the segment start if none. */
    Entry floorByPosition(long position) {
        Entries e = entries;
        int lo = 0;
        int hi = e.count - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (e.positions[mid] <= position) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found < 0 ? new Entry(baseOffset, 0)
                : new Entry(baseOffset + e.relativeOffsets[found], e.positions[found]);
    }

    /** The last entry, or the segment start if there is none. */
    Entry last() {
        Entries e = entries;
        return e.count == 0 ? new Entry(baseOffset, 0)
                : new Entry(baseOffset + e.relativeOffsets[e.count - 1], e.positions[e.count - 1]);
    }

    /** Drops every entry at or after {@code position}; used by recovery before it re-indexes. */
    void truncateFromPosition(int position) throws IOException {
        Entries e = entries;
        int keep = 0;
        while (keep < e.count && e.positions[keep] < position) {
            keep++;
        }
        entries = new Entries(e.relativeOffsets, e.positions, keep);
        file.truncateToEntries(keep);
    }

    /** Writes entries added since the last call to the file, without fsync. */
    void writePending() throws IOException {
        Entries e = entries;
        file.writeUpTo(e.count, (buffer, index) -> buffer.putInt(e.relativeOffsets[index]).putInt(e.positions[index]));
    }

    void force() throws IOException {
        writePending();
        file.force();
    }

    /** Closes the file of a sealed segment's index, fsynced before; it is opened again if written. */
    void release() throws IOException {
        file.release();
    }

    void delete() throws IOException {
        file.delete();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    private void appendInMemory(int relative, int position) {
        Entries e = entries;
        int[] relatives = e.relativeOffsets;
        int[] positions = e.positions;
        if (e.count == relatives.length) {
            relatives = Arrays.copyOf(relatives, relatives.length * 2);
            positions = Arrays.copyOf(positions, positions.length * 2);
        }
        relatives[e.count] = relative;
        positions[e.count] = position;
        entries = new Entries(relatives, positions, e.count + 1);
    }
}
