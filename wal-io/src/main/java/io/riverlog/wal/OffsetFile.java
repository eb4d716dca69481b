package io.riverlog.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import java.util.zip.CRC32C;

/**
 * A file of a partition directory that holds one offset, 12 bytes:
 * <pre>
 *   int64 offset  int32 crc32c(of the first 8 bytes)
 * </pre>
 * It is replaced whole, never rewritten in place: the new value is written to {@code <name>.tmp} and
 * forced, renamed over the file, and the directory fsynced, so that a power cut at any point leaves
 * the old file or the new one. What a file that fails its checks anyway (bit rot) means is its
 * owner's to say.
 */
final class OffsetFile {
    static final int BYTES = 12;
    private static final int CHECKED_BYTES = 8;
    private static final String STAGED_SUFFIX = ".tmp";

    /** What a read found: the offset, or why there is none (null if there is simply no file). */
    record Stored(OptionalLong offset, String problem) {
    }

    private final String name;

    OffsetFile(String name) {
        this.name = name;
    }

    String stagedName() {
        return name + STAGED_SUFFIX;
    }

    Path path(Path dir) {
        return dir.resolve(name);
    }

    Stored read(Path dir, Storage storage) throws IOException {
        Path path = path(dir);
        if (!storage.exists(path)) {
            return new Stored(OptionalLong.empty(), null);
        }
        byte[] bytes = storage.readAllBytes(path);
        if (bytes.length != BYTES) {
            return new Stored(OptionalLong.empty(), "it holds " + bytes.length + " bytes, not " + BYTES);
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        long offset = buffer.getLong();
        if (buffer.getInt() != crcOf(bytes) || offset < 0) {
            return new Stored(OptionalLong.empty(), "it fails its CRC32C");
        }
        return new Stored(OptionalLong.of(offset), null);
    }

    /** Writes {@code offset} to the staging file and forces it; nothing a reader reads has changed yet. */
    void stage(Path dir, Storage storage, long offset) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(BYTES);
        buffer.putLong(offset);
        buffer.putInt(crcOf(buffer.array())).flip();
        try (FileChannel channel = storage.open(dir.resolve(stagedName()), StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            long at = 0;
            while (buffer.hasRemaining()) {
                at += channel.write(buffer, at);
            }
            channel.force(false);
        }
    }

    /** Replaces the file with the staged one and fsyncs the directory: once this returns, it survives a power cut. */
    void commit(Path dir, Storage storage) throws IOException {
        storage.rename(dir.resolve(stagedName()), path(dir));
        storage.fsyncDirectory(dir);
    }

    void write(Path dir, Storage storage, long offset) throws IOException {
        stage(dir, storage, offset);
        commit(dir, storage);
    }

    /** Removes a staged file that was never committed, if there is one. */
    void discardStaged(Path dir, Storage storage) throws IOException {
        storage.deleteIfExists(dir.resolve(stagedName()));
    }

    private static int crcOf(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, CHECKED_BYTES);
        return (int) crc.getValue();
    }
}
