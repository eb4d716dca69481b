package io.riverlog.testkit.disk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Temporary directories in memory ({@code /dev/shm}) where the machine has one, for tests on a
 * {@link SimulatedDisk}: it models durability itself and never fsyncs, so the files behind it may as
 * well not touch a disk, and the thousands of files such a test creates and deletes cost less.
 * Elsewhere, the default temporary directory. {@code @TempDir(factory = InMemoryTempDir.class)}, or {@link #create}.
 */
public final class InMemoryTempDir implements TempDirFactory {
    /** Linux's memory-backed file system, mounted for every process. */
    private static final Path SHARED_MEMORY = Path.of("/dev/shm");
    private static final String PREFIX = "riverlog-test-";

    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext extension) throws IOException {
        return create(PREFIX);
    }

    /** A new temporary directory, in memory where the machine has {@code /dev/shm}; the caller deletes it. */
    public static Path create(String prefix) throws IOException {
        if (Files.isDirectory(SHARED_MEMORY) && Files.isWritable(SHARED_MEMORY)) {
            return Files.createTempDirectory(SHARED_MEMORY, prefix);
        }
        return Files.createTempDirectory(prefix);
    }
}
