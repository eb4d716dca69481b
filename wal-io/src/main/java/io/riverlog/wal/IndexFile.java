package io.riverlog.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The file behind an index: fixed-size entries, appended in order, no header and no checksum.
 * Index files are derived data: they are written without their own fsync on the hot path (a
 * segment's indexes are fsynced when it rolls and at a clean close), and recovery rebuilds
 * whatever part of them a crash may have lost. Only the partition's writer calls the mutators.
 *
 * <p>The index itself lives in memory; the file is open only from its first write after it was read
 * to its segment's seal. It is {@link #release released} once read at open (nothing written yet)
 * and after the final fsync of a sealed segment, so that a partition holds one descriptor for each
 * segment (its data) and two more only once its last segment has taken entries, and an idle broker
 * holds one per segment. (The first index write of a segment after a restart thus needs descriptors,
 * as a roll does.)
 */
final class IndexFile implements AutoCloseable {
    private final Path path;
    private final int entryBytes;
    private final Storage storage;
    /** Open while the file may be written; null once released. */
    private FileChannel channel;
    private boolean closed;
    /** Entries the file holds (written, maybe not fsynced); the index's own count may be ahead. */
    private int persisted;

    IndexFile(Path path, int entryBytes, Storage storage) throws IOException {
        this.path = path;
        this.entryBytes = entryBytes;
        this.storage = storage;
        this.channel = storage.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
    }

    Path path() {
        return path;
    }

    /** The whole entries stored; a torn last entry is left out. */
    ByteBuffer readEntries() throws IOException {
        FileChannel file = channel();
        long size = file.size();
        int whole = (int) (size / entryBytes) * entryBytes;
        ByteBuffer buffer = ByteBuffer.allocate(whole);
        while (buffer.hasRemaining()) {
            if (file.read(buffer, buffer.position()) < 0) {
                break;
            }
        }
        return buffer.flip();
    }

    /** Writes one entry, number {@code index} of the index, into {@code buffer}. */
    @FunctionalInterface
    interface EntryWriter {
        void put(ByteBuffer buffer, int index);
    }

    /** The file holds the first {@code count} entries of the index, as read at open. */
    void persisted(int count) {
        persisted = count;
    }

    /** Writes the entries from the last written one up to {@code count}, without fsync. */
    void writeUpTo(int count, EntryWriter writer) throws IOException {
        if (persisted >= count) {
            return;
        }
        ByteBuffer entries = ByteBuffer.allocate((count - persisted) * entryBytes);
        for (int i = persisted; i < count; i++) {
            writer.put(entries, i);
        }
        entries.flip();
        FileChannel file = channel();
        long position = (long) persisted * entryBytes;
        while (entries.hasRemaining()) {
            position += file.write(entries, position);
        }
        persisted = count;
    }

    /** The index kept its first {@code count} entries: the file drops what it holds beyond them. */
    void truncateToEntries(int count) throws IOException {
        if (persisted > count) {
            persisted = count;
            channel().truncate((long) count * entryBytes);
        }
    }

    /** fsync; nothing to do while released (whatever was written before the release was fsynced). */
    void force() throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        if (channel != null) {
            channel.force(false);
        }
    }

    /**
     * Closes the file until it is written again. Called only when nothing written through this
     * descriptor is unfsynced (right after {@link #force}, or before any write): the error of a write
     * that was never fsynced would not be reported through a descriptor opened later.
     */
    void release() throws IOException {
        if (channel != null) {
            FileChannel released = channel;
            channel = null;
            released.close();
        }
    }

    void delete() throws IOException {
        close();
        storage.deleteIfExists(path);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        release();
    }

    private FileChannel channel() throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        if (channel == null) {
            channel = storage.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        return channel;
    }
}
