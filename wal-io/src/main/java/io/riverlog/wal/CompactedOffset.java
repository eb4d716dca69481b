package io.riverlog.wal;

import java.io.IOException;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a log is compacted up to (the end of the last group of segments swapped in), kept in the
 * {@code compacted-offset} file ({@link OffsetFile}) so that a restart does not compact the whole log
 * again. It is written after the swap it follows is durable, so it is never ahead of the segments; a
 * file that is missing, fails its checks or lies past the log's end only costs a compaction from the
 * log's start, which rewrites nothing that is already compacted.
 */
final class CompactedOffset {
    private static final Logger log = LoggerFactory.getLogger(CompactedOffset.class);
    private static final OffsetFile FILE = new OffsetFile(LogFiles.COMPACTED_OFFSET);

    private CompactedOffset() {
    }

    /** The stored offset if it is at or below {@code endOffset}, else 0. */
    static long read(Path dir, Storage storage, long endOffset) throws IOException {
        OffsetFile.Stored stored = FILE.read(dir, storage);
        if (stored.problem() != null) {
            log.warn("Ignoring {}: {}; the log is compacted from its start again", FILE.path(dir), stored.problem());
        }
        long offset = stored.offset().orElse(0);
        return offset <= endOffset ? offset : 0;
    }

    static void write(Path dir, Storage storage, long offset) throws IOException {
        FILE.write(dir, storage, offset);
    }

    static String stagedName() {
        return FILE.stagedName();
    }
}
