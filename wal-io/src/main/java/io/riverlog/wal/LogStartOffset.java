package io.riverlog.wal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log start offset that a deletion of records ({@link PartitionLog#moveLogStartOffset}) moved
 * past the first segment's base offset. Without the file the log starts at its first segment; with
 * it, at the larger of the two.
 *
 * <p>The {@code log-start-offset} file is an {@link OffsetFile}: replaced whole through a staged
 * {@code log-start-offset.tmp}, so a power cut at any point leaves the old file or the new one. A file
 * that fails its checks anyway (bit rot) is ignored with a warning, so the log starts at its first
 * segment again: records that were deleted may be served again, but no record that was not deleted is
 * ever hidden.
 */
final class LogStartOffset {
    private static final Logger log = LoggerFactory.getLogger(LogStartOffset.class);
    private static final OffsetFile FILE = new OffsetFile(LogFiles.LOG_START_OFFSET);

    static final int BYTES = OffsetFile.BYTES;

    private LogStartOffset() {
    }

    /** The stored log start offset; empty if there is none, or if the file fails its checks (logged). */
    static OptionalLong read(Path dir, Storage storage) throws IOException {
        OffsetFile.Stored stored = FILE.read(dir, storage);
        if (stored.problem() != null) {
            log.warn("Ignoring {}: {}; the log starts at its first segment, so records deleted before it may be"
                    + " served again", FILE.path(dir), stored.problem());
        }
        return stored.offset();
    }

    /**
     * Writes {@code offset} to the staging file and forces it. Nothing the log reads has changed yet:
     * if this fails, the log start offset is where it was.
     */
    static void stage(Path dir, Storage storage, long offset) throws IOException {
        FILE.stage(dir, storage, offset);
    }

    /**
     * Replaces the file with the staged one and fsyncs the directory: once this returns, the new log
     * start offset survives a power cut. If it fails, the file may hold the old value or the new one.
     */
    static void commit(Path dir, Storage storage) throws IOException {
        FILE.commit(dir, storage);
    }

    /** {@link #stage} then {@link #commit}. */
    static void write(Path dir, Storage storage, long offset) throws IOException {
        FILE.write(dir, storage, offset);
    }

    /** Removes a staged file that was never committed (a failed or interrupted move), if there is one. */
    static void discardStaged(Path dir, Storage storage) throws IOException {
        FILE.discardStaged(dir, storage);
    }
}
