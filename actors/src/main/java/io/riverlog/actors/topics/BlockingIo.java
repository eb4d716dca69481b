package io.riverlog.actors.topics;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/** Runs file IO on {@code riverlog.blocking-io-dispatcher}, away from the actors' own threads. */
public final class BlockingIo {
    public static final String DISPATCHER = "riverlog.blocking-io-dispatcher";

    /** Work that may throw an IOException. */
    @FunctionalInterface
    public interface Work<T> {
        T run() throws IOException;
    }

    private BlockingIo() {
    }

    public static Executor executor(ActorContext<?> context) {
        return context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(DISPATCHER));
    }

    public static <T> CompletableFuture<T> run(Executor executor, Work<T> work) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return work.run();
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        }, executor);
    }

    /** The failure itself, not the wrapper a CompletableFuture puts around it. */
    public static Throwable cause(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }
}
