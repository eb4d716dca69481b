package io.riverlog.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * Sparse map from time to offset within one segment, for look-ups by timestamp and for retention
 * by age. An entry (T, O) says: the largest timestamp of any record up to and including offset O
 * is T. Entries are added beside offset-index entries when T has grown, and once more when the
 * segment rolls or the log closes cleanly. Each entry on disk is 12 bytes:
 * <pre>
 *   int64 timestampMs     strictly increasing
 *   int32 relativeOffset  offset minus the segment's base offset, increasing
 * </pre>
 * Like the offset index it is derived data, kept in memory and rebuilt by recovery.
 */
final class TimeIndex implements AutoCloseable {
    static final int ENTRY_BYTES = 12;
    private static final int INITIAL_CAPACITY = 16;

    private record Entries(long[] timestamps, int[] relativeOffsets, int count) {
    }

    record Entry(long timestampMs, long offset) {
    }

    private final long baseOffset;
    private final IndexFile file;
    private volatile Entries entries = new Entries(new long[INITIAL_CAPACITY], new int[INITIAL_CAPACITY], 0);

    private TimeIndex(long baseOffset, IndexFile file) {
        this.baseOffset = baseOffset;
        this.file = file;
    }

    /** Opens the file and keeps its longest prefix of sane entries. */
    static TimeIndex open(Path path, long baseOffset, Storage storage) throws IOException {
        TimeIndex index = new TimeIndex(baseOffset, new IndexFile(path, ENTRY_BYTES, storage));
        ByteBuffer stored = index.file.readEntries();
        long lastTimestamp = Long.MIN_VALUE;
        int lastRelative = -1;
        while (stored.remaining() >= ENTRY_BYTES) {
            long timestamp = stored.getLong();
            int relative = stored.getInt();
            if (timestamp <= lastTimestamp || relative < lastRelative || relative < 0) {
                break;
            }
            index.appendInMemory(timestamp, relative);
            lastTimestamp = timestamp;
            lastRelative = relative;
        }
        index.file.persisted(index.entries.count);
        index.file.release();
        return index;
    }

    /** Adds (timestamp, offset) if the timestamp is newer than the last entry's. */
    void maybeAppend(long timestampMs, long offset) {
        Entries e = entries;
        if (e.count > 0 && timestampMs <= e.timestamps[e.count - 1]) {
            return;
        }
        appendInMemory(timestampMs, Math.toIntExact(offset - baseOffset));
    }

    /** The largest timestamp recorded, or -1 if none. */
    long lastTimestamp() {
        Entries e = entries;
        return e.count == 0 ? -1 : e.timestamps[e.count - 1];
    }

    /** The last entry whose timestamp is below {@code timestampMs}, or null if none is. */
    Entry lastBefore(long timestampMs) {
        Entries e = entries;
        return entryAt(e, lastWhere(e, i -> e.timestamps[i] < timestampMs));
    }

    /** The last entry whose offset is below {@code offset}, or null if none is. */
    Entry lastBelowOffset(long offset) {
        Entries e = entries;
        return entryAt(e, lastWhere(e, i -> baseOffset + e.relativeOffsets[i] < offset));
    }

    /**
     * The index of the last entry for which {@code below} holds, or -1: both timestamps and offsets
     * grow, so the entries for which it holds come first.
     */
    private static int lastWhere(Entries e, IntPredicate below) {
        int lo = 0;
        int hi = e.count - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (below.test(mid)) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    private Entry entryAt(Entries e, int index) {
        return index < 0 ? null : new Entry(e.timestamps[index], baseOffset + e.relativeOffsets[index]);
    }

    /** Drops every entry for an offset at or after {@code offset}. */
    void truncateFromOffset(long offset) throws IOException {
        Entries e = entries;
        int keep = 0;
        while (keep < e.count && baseOffset + e.relativeOffsets[keep] < offset) {
            keep++;
        }
        entries = new Entries(e.timestamps, e.relativeOffsets, keep);
        file.truncateToEntries(keep);
    }

    /** Writes entries added since the last call to the file, without fsync. */
    void writePending() throws IOException {
        Entries e = entries;
        file.writeUpTo(e.count,
                (buffer, index) -> buffer.putLong(e.timestamps[index]).putInt(e.relativeOffsets[index]));
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

    private void appendInMemory(long timestamp, int relative) {
        Entries e = entries;
        long[] timestamps = e.timestamps;
        int[] relatives = e.relativeOffsets;
        if (e.count == timestamps.length) {
            timestamps = Arrays.copyOf(timestamps, timestamps.length * 2);
            relatives = Arrays.copyOf(relatives, relatives.length * 2);
        }
        timestamps[e.count] = timestamp;
        relatives[e.count] = relative;
        entries = new Entries(timestamps, relatives, e.count + 1);
    }
}
