package io.riverlog.actors.topics;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The partition directories under {@code <data-dir>/topics}: listing them and removing them. Blocking
 * file IO, for the blocking-IO dispatcher. A removal cut short by a crash leaves a directory of a
 * topic the metadata log no longer knows, and the next start removes it.
 */
final class TopicDirectories {
    private TopicDirectories() {
    }

    /** The subdirectories of {@code topicsDir}, sorted by name. */
    static List<Path> list(Path topicsDir) throws IOException {
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(topicsDir, Files::isDirectory)) {
            entries.forEach(dirs::add);
        }
        dirs.sort(null);
        return dirs;
    }

    /** What {@link #removeUnknown} did: partition directories removed, and other directories left alone. */
    record Cleanup(List<Path> removed, List<Path> ignored) {
    }

    /**
     * Removes every partition directory whose name is not in {@code known}. A directory whose name
     * is not {@code <legal topic name>-<partition>} was not made by the registry (say, a file
     * system's lost+found) and is left alone.
     */
    static Cleanup removeUnknown(Path topicsDir, Set<String> known) throws IOException {
        List<Path> removed = new ArrayList<>();
        List<Path> ignored = new ArrayList<>();
        for (Path dir : list(topicsDir)) {
            String name = dir.getFileName().toString();
            if (!isPartitionDirectoryName(name)) {
                ignored.add(dir);
            } else if (!known.contains(name)) {
                delete(dir);
                removed.add(dir);
            }
        }
        return new Cleanup(removed, ignored);
    }

    /** True if {@code name} is {@code <legal topic name>-<partition number without leading zeros>}. */
    static boolean isPartitionDirectoryName(String name) {
        int dash = name.lastIndexOf('-');
        if (dash < 0) {
            return false;
        }
        String partition = name.substring(dash + 1);
        try {
            return TopicNames.problemWith(name.substring(0, dash)).isEmpty()
                    && Integer.toString(Integer.parseInt(partition)).equals(partition);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Removes the directory and everything in it; nothing happens if it does not exist. */
    static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path visited, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.deleteIfExists(visited);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
