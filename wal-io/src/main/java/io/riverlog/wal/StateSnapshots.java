package io.riverlog.wal;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.zip.CRC32C;

/**
 * The snapshot files of a log's {@link DerivedState}, next to its segments, each named by the offset
 * its state is as of ({@code 00000000000000004096.snapshot}: the state after every batch below
 * offset 4096). A snapshot is derived data: one that is torn or fails its CRC is absent, never a
 * reason to refuse to open the log, because the state can be computed again from the log. Layout,
 * big-endian:
 * <pre>
 *   int8    format version, 1
 *   int64   the offset the state is as of, as in the file name
 *   int32   length of the state in bytes
 *   bytes   the state, as {@link DerivedState#snapshot} made it (opaque here)
 *   int32   crc32c of every byte before it
 * </pre>
 * A snapshot is written whole and forced before its directory is fsynced (by the caller), so a
 * power cut leaves either no file, a torn one, or the whole snapshot. Only the log's writer calls
 * this class.
 */
final class StateSnapshots {
    static final byte VERSION = 1;
    private static final int HEADER_BYTES = Byte.BYTES + Long.BYTES + Integer.BYTES;
    private static final int CRC_BYTES = Integer.BYTES;

    private final Path dir;
    private final Storage storage;
    private final TreeSet<Long> offsets;

    /** The snapshots of {@code dir} at {@code offsets}, the ones loading kept. */
    StateSnapshots(Path dir, Storage storage, NavigableSet<Long> offsets) {
        this.dir = dir;
        this.storage = storage;
        this.offsets = new TreeSet<>(offsets);
    }

    Path file(long offset) {
        return dir.resolve(LogFiles.fileName(offset, LogFiles.SNAPSHOT_SUFFIX));
    }

    /** The offsets of the snapshots there are, newest first. */
    List<Long> newestFirst() {
        return new ArrayList<>(offsets.descendingSet());
    }

    /**
     * Writes the snapshot of the state as of {@code offset} (replacing one of that offset) and
     * forces it. Not durable until the caller fsyncs the directory.
     */
    void write(long offset, ByteBuffer state) throws IOException {
        ByteBuffer bytes = encode(offset, state);
        try (FileChannel channel = storage.open(file(offset), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long at = 0;
            while (bytes.hasRemaining()) {
                at += channel.write(bytes, at);
            }
            channel.force(false);
        }
        offsets.add(offset);
    }

    /** The state a snapshot holds; null if the file is missing, torn, fails its CRC or is of another version. */
    ByteBuffer read(long offset) throws IOException {
        Path file = file(offset);
        if (!storage.exists(file)) {
            return null;
        }
        return decode(storage.readAllBytes(file), offset);
    }

    /** Removes the snapshot (not durable until the caller fsyncs the directory). */
    void delete(long offset) throws IOException {
        storage.deleteIfExists(file(offset));
        offsets.remove(offset);
    }

    /** Removes every snapshot below {@code offset} but the newest of all; returns how many. */
    int deleteBelow(long offset) throws IOException {
        int deleted = 0;
        for (long below : new ArrayList<>(offsets.headSet(offset, false))) {
            if (below != offsets.last()) {
                delete(below);
                deleted++;
            }
        }
        return deleted;
    }

    /** Removes every snapshot strictly between {@code from} and {@code to}; returns how many. */
    int deleteBetween(long from, long to) throws IOException {
        int deleted = 0;
        if (from + 1 < to) {
            for (long between : new ArrayList<>(offsets.subSet(from, false, to, false))) {
                delete(between);
                deleted++;
            }
        }
        return deleted;
    }

    static ByteBuffer encode(long offset, ByteBuffer state) {
        ByteBuffer bytes = ByteBuffer.allocate(HEADER_BYTES + state.remaining() + CRC_BYTES);
        bytes.put(VERSION).putLong(offset).putInt(state.remaining()).put(state.duplicate());
        CRC32C crc = new CRC32C();
        crc.update(bytes.array(), 0, bytes.position());
        return bytes.putInt((int) crc.getValue()).flip();
    }

    /** The state in {@code bytes}, a snapshot as of {@code offset}; null if they are not a whole, valid one. */
    static ByteBuffer decode(byte[] bytes, long offset) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            byte version = in.get();
            long asOf = in.getLong();
            int length = in.getInt();
            boolean whole = length >= 0 && length == bytes.length - HEADER_BYTES - CRC_BYTES;
            if (version != VERSION || asOf != offset || !whole) {
                return null;
            }
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, HEADER_BYTES + length);
            if (in.getInt(HEADER_BYTES + length) != (int) crc.getValue()) {
                return null;
            }
            return ByteBuffer.wrap(bytes, HEADER_BYTES, length).slice();
        } catch (BufferUnderflowException e) {
            return null;
        }
    }
}
