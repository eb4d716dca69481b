package io.riverlog.wal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Data that was durable is not valid: a log or index file fails its checks where a crash cannot
 * explain it. Never repaired silently, because repairing would drop acknowledged records.
 */
public final class CorruptLogException extends IOException {
    private final Path file;
    private final long position;

    public CorruptLogException(Path file, long position, String problem) {
        super(file + " at position " + position + ": " + problem);
        this.file = file;
        this.position = position;
    }

    public Path file() {
        return file;
    }

    public long position() {
        return position;
    }
}
