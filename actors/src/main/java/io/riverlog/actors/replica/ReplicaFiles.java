package io.riverlog.actors.replica;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.CRC32C;

import io.riverlog.wal.LogFiles;
import io.riverlog.wal.Storage;

/**
 * A replica's directory as one member copies it from another (a member behind a purge of its group's
 * log). Only what cannot be derived is copied: the segments' records, where the log starts and how
 * far it is compacted. The indexes and the producer state are rebuilt from the records when the
 * copy is opened, and the log is cut back to the end the leader's replica recorded with the entry
 * it had applied, so that it holds exactly what those entries made. A member that still holds a
 * segment of the replica reuses as much of it as is byte for byte the other's (a {@link Prefix}),
 * and only the rest travels. Blocking file IO.
 */
public final class ReplicaFiles {
    /** The suffix of a partition directory being copied in, beside the one it replaces. */
    public static final String STAGING_SUFFIX = ".installing";
    /** The suffix a replaced partition directory has until it is removed. */
    public static final String REPLACED_SUFFIX = ".replaced";

    /** Bytes read or copied at a time when a segment's prefix is checked or reused. */
    private static final int COPY_BUFFER_BYTES = 64 * 1024;

    private ReplicaFiles() {
    }

    /** The first {@code length} bytes of a file, and their CRC32C. */
    public record Prefix(long length, long crc) {
        /** No bytes. */
        public static final Prefix NONE = new Prefix(0, new CRC32C().getValue());
    }

    /**
     * True for a segment, the only kind of file a member reuses a prefix of: the small files are
     * copied whole.
     */
    public static boolean isSegmentName(String name) {
        return LogFiles.baseOffsetOf(name, LogFiles.LOG_SUFFIX) >= 0;
    }

    /** The CRC32C of the first {@code length} bytes of {@code file}, or empty if it is shorter. */
    public static Optional<Prefix> prefixOf(Path file, long length, Storage storage) throws IOException {
        try (FileChannel in = storage.open(file, StandardOpenOption.READ)) {
            if (in.size() < length) {
                return Optional.empty();
            }
            return Optional.of(copyPrefix(in, null, length));
        }
    }

    /**
     * Copies the first bytes of {@code from}, at most {@code maxLength}, into a new file {@code to},
     * and returns how many it copied and their CRC32C: what a member offers to reuse of a segment it
     * holds. The CRC covers exactly the bytes copied, whatever happens to {@code from} meanwhile.
     */
    public static Prefix reusePrefix(Path from, Path to, long maxLength, Storage storage) throws IOException {
        try (FileChannel in = storage.open(from, StandardOpenOption.READ);
             FileChannel out = storage.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            return copyPrefix(in, out, Math.min(maxLength, in.size()));
        }
    }

    /** Reads the first {@code length} bytes of {@code in}, writing them to {@code out} unless it is null. */
    private static Prefix copyPrefix(FileChannel in, FileChannel out, long length) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buffer = ByteBuffer.allocate(COPY_BUFFER_BYTES);
        long position = 0;
        while (position < length) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), length - position));
            int read = in.read(buffer, position);
            if (read < 0) {
                break;
            }
            buffer.flip();
            crc.update(buffer.duplicate());
            if (out != null) {
                while (buffer.hasRemaining()) {
                    out.write(buffer, position + buffer.position());
                }
            }
            position += read;
        }
        return new Prefix(position, crc.getValue());
    }

    /**
     * True for the names of the files of a partition directory that a copy carries: a segment, or where
     * the log starts or is compacted to (never a path: safe to write into a staging directory).
     */
    public static boolean isCopiedName(String name) {
        return !name.contains("/") && !name.contains("\\") && (LogFiles.baseOffsetOf(name, LogFiles.LOG_SUFFIX) >= 0
                || name.equals(LogFiles.LOG_START_OFFSET) || name.equals(LogFiles.COMPACTED_OFFSET));
    }

    /**
     * The replica in {@code dir} as a member may copy it: what it applied, read first, then its files
     * and their lengths, which cover at least that end (segments only grow; one deleted or rewritten
     * meanwhile makes the copy fail, and it is asked for again).
     */
    public static GroupSnapshot.PartitionCopy describe(String topic, UUID topicId, int partition, Path dir,
                                                       Storage storage) throws IOException {
        ReplicaProgress.Applied applied = ReplicaProgress.read(dir, storage);
        List<GroupSnapshot.FileCopy> files = new ArrayList<>();
        for (Path file : storage.list(dir)) {
            String name = file.getFileName().toString();
            if (isCopiedName(name)) {
                try (FileChannel channel = storage.open(file)) {
                    files.add(new GroupSnapshot.FileCopy(name, channel.size()));
                }
            }
        }
        return new GroupSnapshot.PartitionCopy(topic, topicId, partition, applied.index(), applied.endOffset(),
                files);
    }

    /** Where the copy of the partition in {@code dir} is written before it replaces it. */
    public static Path stagingDir(Path dir) {
        return sibling(dir, STAGING_SUFFIX);
    }


    /**
     * Makes the copy in {@code staged} (its files written and fsynced) the replica in {@code dir}: it
     * records {@code applied} durably in it, then takes the place of whatever {@code dir} held, which
     * is renamed aside first and removed last. Each step is durable before the next, so that
     * {@link #recover} can finish or undo it after a crash. The replica's log is cut back to
     * {@code applied}'s end when its partition opens it ({@link ReplicaProgress#OPENER}). No partition
     * may have {@code dir} open meanwhile.
     */
    public static void install(Path staged, Path dir, ReplicaProgress.Applied applied, Storage storage)
            throws IOException {
        try (FileChannel progress = ReplicaProgress.open(staged, storage)) {
            ReplicaProgress.write(progress, applied);
            ReplicaProgress.writeDurably(progress, applied);
        }
        storage.fsyncDirectory(staged);
        Path replaced = sibling(dir, REPLACED_SUFFIX);
        storage.deleteTree(replaced);
        if (storage.exists(dir)) {
            storage.rename(dir, replaced);
            storage.fsyncDirectory(dir.getParent());
        }
        storage.rename(staged, dir);
        storage.fsyncDirectory(dir.getParent());
        storage.deleteTree(replaced);
    }

    /**
     * Finishes or undoes the copies a crash cut short in {@code topicsDir}, before any partition opens:
     * a complete copy (its progress recorded) whose partition directory is gone takes its place; any
     * other copy goes; a replaced directory goes once its successor is in place, and comes back if
     * there is none. Returns a line for each directory it changed.
     */
    public static List<String> recover(Path topicsDir, Storage storage) throws IOException {
        List<String> done = new ArrayList<>();
        if (!storage.isDirectory(topicsDir)) {
            return done;
        }
        for (Path entry : storage.list(topicsDir)) {
            String name = entry.getFileName().toString();
            if (name.endsWith(STAGING_SUFFIX)) {
                Path dir = topicsDir.resolve(name.substring(0, name.length() - STAGING_SUFFIX.length()));
                if (!storage.exists(dir) && ReplicaProgress.read(entry, storage).index() >= 0) {
                    storage.rename(entry, dir);
                    storage.fsyncDirectory(topicsDir);
                    done.add(dir + ": the copy from the group's leader, cut short by a crash, was put in place");
                } else {
                    storage.deleteTree(entry);
                    done.add(entry + ": an unfinished copy from the group's leader was removed");
                }
            }
        }
        for (Path entry : storage.list(topicsDir)) {
            String name = entry.getFileName().toString();
            if (name.endsWith(REPLACED_SUFFIX)) {
                Path dir = topicsDir.resolve(name.substring(0, name.length() - REPLACED_SUFFIX.length()));
                if (storage.exists(dir)) {
                    storage.deleteTree(entry);
                    done.add(entry + ": the data a copy from the group's leader replaced was removed");
                } else {
                    storage.rename(entry, dir);
                    storage.fsyncDirectory(topicsDir);
                    done.add(dir + ": a copy from the group's leader did not take its place; the data was kept");
                }
            }
        }
        return done;
    }

    private static Path sibling(Path dir, String suffix) {
        return dir.resolveSibling(dir.getFileName() + suffix);
    }
}
