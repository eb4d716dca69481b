package io.riverlog.api.topics;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The broker's one log directory, its data directory, as Kafka's admin APIs describe a log
 * directory: its absolute path, and the space of the file system it is on.
 */
public final class LogDirectory {

    /** The size of the file system the directory is on, and what of it the broker may still use. */
    public record Space(long totalBytes, long usableBytes) {
    }

    private final Path path;
    private final Executor blockingIo;

    /** @param blockingIo where the file system is asked for its space, which may block */
    public LogDirectory(Path dataDir, Executor blockingIo) {
        this.path = dataDir.toAbsolutePath().normalize();
        this.blockingIo = blockingIo;
    }

    public Path path() {
        return path;
    }

    /** The space of the directory's file system as it is now; fails with the IOException if it cannot be read. */
    public CompletionStage<Space> space() {
        return CompletableFuture.supplyAsync(() -> {
            try {
                FileStore store = Files.getFileStore(path);
                return new Space(store.getTotalSpace(), store.getUsableSpace());
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        }, blockingIo);
    }
}
