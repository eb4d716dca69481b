package io.riverlog.api.groups;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

import io.riverlog.actors.groups.GroupManager;

/**
 * The group manager as the Kafka handlers and the metrics ask it: asks with a timeout. An ask that
 * fails (the manager is stopping, or took longer than the timeout) is answered by the handlers with
 * the retriable COORDINATOR_NOT_AVAILABLE, so that clients look the coordinator up and try again.
 */
public final class BrokerGroups {
    private final ActorRef<GroupManager.Command> manager;
    private final Scheduler scheduler;
    private final Duration timeout;

    public BrokerGroups(ActorRef<GroupManager.Command> manager, Scheduler scheduler, Duration timeout) {
        this.manager = manager;
        this.scheduler = scheduler;
        this.timeout = timeout;
    }

    /** How long a request that does not wait for other members may take. */
    public Duration timeout() {
        return timeout;
    }

    public <T> CompletionStage<T> ask(Function<ActorRef<T>, GroupManager.Command> request) {
        return ask(request, timeout);
    }

    public <T> CompletionStage<T> ask(Function<ActorRef<T>, GroupManager.Command> request, Duration askTimeout) {
        return AskPattern.ask(manager, request::apply, askTimeout, scheduler);
    }
}
