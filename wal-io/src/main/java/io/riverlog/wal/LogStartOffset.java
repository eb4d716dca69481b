package io.riverlog.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log start offset that a deletion of records ({@link PartitionLog#moveLogStartOffset}) moved
 * past the first segment's base offset. Without the file the log starts at its first segment; with
 * it, at the larger of the two.
 *
 * <p>The {@code log-start-offset} file is 12 bytes:
 * <pre>
 *   int64 offset  int32 crc32c(of the first 8 bytes)
 * </pre>
 * It is replaced whole, never rewritten in place: the new value is written to
 * {@code log-start-offset.tmp} and forced, renamed over the file, and the directory fsynced. A power
 * cut at any point leaves the old file or the new one. A file that fails its checks anyway (bit rot)
 * is ignored with a warning, so the log starts at its first segment again: records that were deleted
 * may be served again, but no record that was not deleted is ever hidden.
 */
final class LogStartOffset {
    private static final Logger log = LoggerFactory.getLogger(LogStartOffset.class);

    static final int BYTES = 12;
    private static final int CHECKED_BYTES = 8;

    private LogStartOffset() {
    }

    /** The stored log start offset; empty if there is none, or if the file fails its checks (logged). */
    static OptionalLong read(Path dir, Storage storage) throws IOException {
        Path path = dir.resolve(LogFiles.LOG_START_OFFSET);
        if (!storage.exists(path)) {
            return OptionalLong.empty();
        }
        byte[] bytes = storage.readAllBytes(path);
        if (bytes.length != BYTES) {
            log.warn("Ignoring {}: it holds {} bytes, not {}; the log starts at its first segment, so records"
                    + " deleted before it may be served again", path, bytes.length, BYTES);
            return OptionalLong.empty();
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        long offset = buffer.getLong();
        if (buffer.getInt() != crcOf(bytes) || offset < 0) {
            log.warn("Ignoring {}: it fails its CRC32C; the log starts at its first segment, so records deleted"
                    + " before it may be served again", path);
            return OptionalLong.empty();
        }
        return OptionalLong.of(offset);
    }

    /**
     * Writes {@code offset} to the staging file and forces it. Nothing the log reads has changed yet:
     * if this fails, the log start offset is where it was.
     */
    static void stage(Path dir, Storage storage, long offset) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(BYTES);
        buffer.putLong(offset);
        buffer.putInt(crcOf(buffer.array())).flip();
        try (FileChannel channel = storage.open(dir.resolve(LogFiles.LOG_START_OFFSET_STAGED),
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            long at = 0;
            while (buffer.hasRemaining()) {
                at += channel.write(buffer, at);
            }
            channel.force(false);
        }
    }

    /**
     * Replaces the file with the staged one and fsyncs the directory: once this returns, the new log
     * start offset survives a power cut. If it fails, the file may hold the old value or the new one.
     */
    static void commit(Path dir, Storage storage) throws IOException {
        storage.rename(dir.resolve(LogFiles.LOG_START_OFFSET_STAGED), dir.resolve(LogFiles.LOG_START_OFFSET));
        storage.fsyncDirectory(dir);
    }

    /** {@link #stage} then {@link #commit}. */
    static void write(Path dir, Storage storage, long offset) throws IOException {
        stage(dir, storage, offset);
        commit(dir, storage);
    }

    /** Removes a staged file that was never committed (a failed or interrupted move), if there is one. */
    static void discardStaged(Path dir, Storage storage) throws IOException {
        storage.deleteIfExists(dir.resolve(LogFiles.LOG_START_OFFSET_STAGED));
    }

    private static int crcOf(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, CHECKED_BYTES);
        return (int) crc.getValue();
    }
}
