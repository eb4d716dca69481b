package io.riverlog.actors.topics;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;

import io.riverlog.actors.topics.TopicRegistry.Command;
import io.riverlog.wal.Storage;

/**
 * The registry's first behaviour: {@link RegistryLoader} runs on the blocking-IO dispatcher while
 * every command waits in the bounded stash (past it, commands are refused NOT_AVAILABLE and
 * shutdowns are kept aside); then the registry takes over, and gets the stash first. If loading
 * fails, the error is logged, everything waiting is refused STORAGE_ERROR, and the registry stops.
 */
final class RegistryStart {

    private record Loaded(RegistryLoader.Loaded loaded) implements Command {
    }

    private record LoadFailed(Throwable cause) implements Command {
    }

    /** Builds the registry from what was loaded. */
    @FunctionalInterface
    interface Ready {
        TopicRegistry registry(ActorContext<Command> context, StashBuffer<Command> stash, Executor blockingIo,
                               RegistryLoader.Loaded loaded);
    }

    private RegistryStart() {
    }

    static Behavior<Command> loading(RegistrySettings settings, Storage storage, Clock clock, Ready ready) {
        return Behaviors.setup(context -> Behaviors.withStash(settings.pendingCommands(), stash -> {
            context.setLoggerName(TopicRegistry.class);
            Executor blockingIo = BlockingIo.executor(context);
            context.pipeToSelf(BlockingIo.run(blockingIo, () -> RegistryLoader.load(settings, storage, clock)),
                    (loaded, failure) -> failure == null ? new Loaded(loaded)
                            : new LoadFailed(BlockingIo.cause(failure)));
            return waiting(context, stash, settings, blockingIo, ready);
        }));
    }

    private static Behavior<Command> waiting(ActorContext<Command> context, StashBuffer<Command> stash,
                                             RegistrySettings settings, Executor blockingIo, Ready ready) {
        List<ActorRef<Done>> shutdownsNotStashed = new ArrayList<>();
        return Behaviors.receive(Command.class)
                .onMessage(Loaded.class, loaded -> {
                    TopicRegistry registry = ready.registry(context, stash, blockingIo, loaded.loaded());
                    Behavior<Command> next = stash.unstashAll(registry);
                    for (ActorRef<Done> replyTo : shutdownsNotStashed) {
                        next = registry.onShutdown(replyTo);
                    }
                    return next;
                })
                .onMessage(LoadFailed.class, failed -> {
                    context.getLog().error("The topic registry cannot start: loading {} failed", settings.metadataDir(),
                            failed.cause());
                    String reason = "the topic registry could not load its metadata: " + failed.cause().getMessage();
                    stash.forEach(message -> message.fail(TopicError.STORAGE_ERROR, reason));
                    shutdownsNotStashed.forEach(replyTo -> replyTo.tell(Done.getInstance()));
                    return Behaviors.stopped();
                })
                .onAnyMessage(message -> {
                    hold(message, stash, shutdownsNotStashed, "the topic registry is still loading and "
                            + settings.pendingCommands() + " commands are waiting");
                    return Behaviors.same();
                })
                .build();
    }

    /**
     * Keeps a command that came before the registry is ready in the stash; past its bound, a shutdown
     * is kept aside in {@code shutdowns} and anything else refused NOT_AVAILABLE with {@code refusal}.
     */
    static void hold(Command message, StashBuffer<Command> stash, List<ActorRef<Done>> shutdowns, String refusal) {
        if (!stash.isFull()) {
            stash.stash(message);
        } else if (message instanceof TopicRegistry.Shutdown shutdown) {
            shutdowns.add(shutdown.replyTo());
        } else {
            message.fail(TopicError.NOT_AVAILABLE, refusal);
        }
    }
}
