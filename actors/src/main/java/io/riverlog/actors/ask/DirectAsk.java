package io.riverlog.actors.ask;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.scaladsl.AskPattern;
import org.apache.pekko.util.Timeout;


import scala.util.Try;

/**
 * Ask, with the reply completing the returned stage in the thread that sends it. The Java ask of
 * Pekko hands every callback of its stage to the common pool (so that a callback cannot hold the
 * replying thread); on the paths of produce and fetch that is one more hand-over between threads
 * per request, each a wake-up of a parked thread. The callbacks attached here must therefore be
 * short and never block: they run in the replying actor's turn or on the thread that finished the
 * IO.
 */
public final class DirectAsk {
    private DirectAsk() {
    }

    public static <Req, Res> CompletionStage<Res> ask(RecipientRef<Req> target, Function<ActorRef<Res>, Req> message,
                                                      Duration timeout, Scheduler scheduler) {
        CompletableFuture<Res> reply = new CompletableFuture<>();
        new AskPattern.Askable<>(target)
                .<Res>ask(message::apply, Timeout.create(timeout), scheduler)
                .onComplete((Try<Res> answer) -> {
                    if (answer.isSuccess()) {
                        reply.complete(answer.get());
                    } else {
                        reply.completeExceptionally(answer.failed().get());
                    }
                    return null;
                }, scala.concurrent.ExecutionContext.parasitic$.MODULE$);
        return reply;
    }
}
