package io.riverlog.actors.topics;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.riverlog.actors.replica.ReplicaFiles;
import io.riverlog.wal.Storage;

/**
 * The partition directories under {@code <data-dir>/topics}: listing them and removing them. Blocking
 * file IO, for the blocking-IO dispatcher. A removal is durable once {@link #delete} returns; one cut
 * short by a crash leaves a directory of a topic the metadata log no longer knows, and the next start
 * removes it.
 */
final class TopicDirectories {
    private final Storage storage;
    private final Path topicsDir;

    TopicDirectories(Storage storage, Path topicsDir) {
        this.storage = storage;
        this.topicsDir = topicsDir;
    }

    /** The subdirectories of the topics directory, sorted by name. */
    List<Path> list() throws IOException {
        List<Path> dirs = new ArrayList<>();
        for (Path entry : storage.list(topicsDir)) {
            if (storage.isDirectory(entry)) {
                dirs.add(entry);
            }
        }
        return dirs;
    }

    /**
     * What {@link #removeUnknown} did: partition directories removed, other directories left alone, and
     * copies of replicas from their group's leader that a crash cut short, finished or undone.
     */
    record Cleanup(List<Path> removed, List<Path> ignored, List<String> recovered) {
    }

    /**
     * Removes every partition directory whose name is not in {@code known}. A directory whose name
     * is not {@code <legal topic name>-<partition>} was not made by the registry (say, a file
     * system's lost+found) and is left alone. Copies of replicas cut short by a crash are finished or
     * undone first ({@link ReplicaFiles#recover}).
     */
    Cleanup removeUnknown(Set<String> known) throws IOException {
        List<Path> removed = new ArrayList<>();
        List<Path> ignored = new ArrayList<>();
        List<String> recovered = ReplicaFiles.recover(topicsDir, storage);
        for (Path dir : list()) {
            String name = dir.getFileName().toString();
            if (!isPartitionDirectoryName(name)) {
                ignored.add(dir);
            } else if (!known.contains(name)) {
                delete(dir);
                removed.add(dir);
            }
        }
        return new Cleanup(removed, ignored, recovered);
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

    /** Removes the directory and everything in it, durably; nothing happens if it does not exist. */
    void delete(Path dir) throws IOException {
        storage.deleteTree(dir);
    }
}
