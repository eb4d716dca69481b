package io.riverlog.bench;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Partition directories for benchmarks, under {@code java.io.tmpdir} (run-wal-bench.sh points it at
 * a directory of its own and removes it afterwards). Every benchmark deletes what it created in
 * its tear-down.
 */
final class BenchDirectories {

    private BenchDirectories() {
    }

    static Path create(String purpose) throws IOException {
        return Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "riverlog-" + purpose + "-");
    }

    /** Closes what was open on {@code dir} (if anything), then deletes it, even if the close fails. */
    static void closeAndDelete(AutoCloseable open, Path dir) throws IOException {
        try {
            if (open != null) {
                open.close();
            }
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        } finally {
            delete(dir);
        }
    }

    static void delete(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** Copies the regular files of {@code from} (not sub-directories) into the existing directory {@code to}. */
    static long copyFiles(Path from, Path to) throws IOException {
        long bytes = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(from, Files::isRegularFile)) {
            for (Path file : files) {
                Files.copy(file, to.resolve(file.getFileName()));
                bytes += Files.size(file);
            }
        }
        return bytes;
    }

    /** fsyncs every file of {@code dir} and the directory, so that none of their pages are dirty any more. */
    static void fsyncAll(Path dir) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, Files::isRegularFile)) {
            for (Path file : files) {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                    channel.force(true);
                }
            }
        }
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
