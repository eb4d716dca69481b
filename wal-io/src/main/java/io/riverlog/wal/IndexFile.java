package io.riverlog.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The file behind an index: fixed-size entries, appended in order, no header and no checksum.
 * Index files are derived data: they are written without their own fsync on the hot path (a
 * segment's indexes are fsynced when it rolls and at a clean close), and recovery rebuilds
 * whatever part of them a crash may have lost. Only the partition's writer calls the mutators.
 */
final class IndexFile implements AutoCloseable {
    private final Path path;
    private final int entryBytes;
    private final Storage storage;
    private final FileChannel channel;

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
        long size = channel.size();
        int whole = (int) (size / entryBytes) * entryBytes;
        ByteBuffer buffer = ByteBuffer.allocate(whole);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, buffer.position()) < 0) {
                break;
            }
        }
        return buffer.flip();
    }

    /** Writes {@code entries} (whole entries) so that they become entries number {@code firstEntry} on. */
    void write(int firstEntry, ByteBuffer entries) throws IOException {
        long position = (long) firstEntry * entryBytes;
        while (entries.hasRemaining()) {
            position += channel.write(entries, position);
        }
    }

    void truncateToEntries(int count) throws IOException {
        channel.truncate((long) count * entryBytes);
    }

    void force() throws IOException {
        channel.force(false);
    }

    void delete() throws IOException {
        close();
        storage.deleteIfExists(path);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
