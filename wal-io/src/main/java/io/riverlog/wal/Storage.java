package io.riverlog.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * The file system as the broker uses it: every file it reads or writes and every directory entry it
 * creates, renames or removes goes through one {@code Storage}. Production uses {@link #LOCAL}; tests
 * put a disk underneath that fails on command, or one that loses power and keeps only what was made
 * durable.
 *
 * <p>What is durable, as on a POSIX file system: a file's bytes once its channel was forced; a
 * directory's entries (files and directories created, renamed or removed in it) once the directory
 * was {@linkplain #fsyncDirectory fsynced}. The convenience methods below say which of them they make
 * durable.
 */
public interface Storage {

    /** The local file system, files opened with {@link FileChannel#open}. */
    Storage LOCAL = new LocalStorage(ChannelFactory.DEFAULT);

    /** The local file system, files opened through {@code channels} (tests make them fail on command). */
    static Storage local(ChannelFactory channels) {
        return new LocalStorage(channels);
    }

    FileChannel open(Path file, OpenOption... options) throws IOException;

    /** Creates one directory; its parent must exist. Not durable until the parent is fsynced. */
    void createDirectory(Path dir) throws IOException;

    /** The entries of {@code dir}, sorted by name. */
    List<Path> list(Path dir) throws IOException;

    boolean exists(Path path);

    boolean isDirectory(Path path);

    /** Removes a file or an empty directory; {@link NoSuchFileException} if there is none. */
    void delete(Path path) throws IOException;

    /** Renames {@code source} to {@code target} in the same directory, atomically, replacing any {@code target}. */
    void rename(Path source, Path target) throws IOException;

    /** Makes the entries of {@code dir} durable. */
    void fsyncDirectory(Path dir) throws IOException;

    // ---------------------------------------------------------------- built from the above

    /** Removes the file or empty directory if it is there; true if it was. */
    default boolean deleteIfExists(Path path) throws IOException {
        if (!exists(path)) {
            return false;
        }
        try {
            delete(path);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /**
     * Creates {@code dir} and any missing parents, each made durable in its own parent, so that a
     * directory this returns survives a power cut. Callers may race to create the same directories.
     */
    default void createDirectories(Path dir) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path at = dir.toAbsolutePath(); at != null && !isDirectory(at); at = at.getParent()) {
            missing.push(at);
        }
        for (Path create : missing) {
            try {
                createDirectory(create);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // Created meanwhile by another caller (a broker opens its logs in parallel, each creating the
                // data directory if missing): fine if it is a directory, and made durable here all the same.
                if (!isDirectory(create)) {
                    throw e;
                }
            }
            fsyncDirectory(create.getParent());
        }
    }

    /**
     * Removes {@code dir} and everything below it, then makes its removal durable in its parent; nothing
     * happens if it does not exist. A crash part-way leaves some of its files.
     */
    default void deleteTree(Path dir) throws IOException {
        if (!exists(dir)) {
            return;
        }
        List<Path> directories = new ArrayList<>();
        Deque<Path> toVisit = new ArrayDeque<>(List.of(dir));
        while (!toVisit.isEmpty()) {
            Path visit = toVisit.pop();
            directories.add(visit);
            for (Path entry : list(visit)) {
                if (isDirectory(entry)) {
                    toVisit.push(entry);
                } else {
                    deleteIfExists(entry);
                }
            }
        }
        for (int i = directories.size() - 1; i >= 0; i--) {
            deleteIfExists(directories.get(i));
        }
        fsyncDirectory(dir.toAbsolutePath().getParent());
    }

    /** Creates an empty file; it must not exist. Not durable until its directory is fsynced. */
    default void createFile(Path file) throws IOException {
        open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
    }

    /** The whole content of a small file. */
    default byte[] readAllBytes(Path file) throws IOException {
        try (FileChannel channel = open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(channel.size()));
            while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) >= 0) {
                // until full, or the file ended sooner than its size said
            }
            return Arrays.copyOf(buffer.array(), buffer.position());
        }
    }
}
