package io.riverlog.actors.ask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import com.typesafe.config.ConfigFactory;

class DirectAskTest {
    private static final ActorTestKit KIT = ActorTestKit.create(ConfigFactory.load());
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private interface Command {
    }

    /** Asks for the name of the thread the answer is sent on. */
    private record WhichThread(ActorRef<String> replyTo) implements Command {
    }

    /** Sends the answers asked for so far. */
    private record Answer() implements Command {
    }

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    @Test
    void callbacksRunInTheThreadThatReplied() throws Exception {
        java.util.List<ActorRef<String>> waiting = new java.util.ArrayList<>();
        ActorRef<Command> replier = KIT.spawn(Behaviors.receiveMessage(command -> {
            if (command instanceof WhichThread ask) {
                waiting.add(ask.replyTo());
            } else {
                waiting.forEach(replyTo -> replyTo.tell(Thread.currentThread().getName()));
            }
            return Behaviors.same();
        }));

        // The callback is attached before the answer is sent, so it runs when the answer arrives.
        CompletableFuture<String[]> threads = DirectAsk.<Command, String>ask(replier, WhichThread::new, TIMEOUT,
                        KIT.scheduler())
                .thenApply(replyThread -> new String[] {replyThread, Thread.currentThread().getName()})
                .toCompletableFuture();
        replier.tell(new Answer());

        String[] seen = threads.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(seen[1]).as("callback thread").isEqualTo(seen[0]).doesNotContain("commonPool");
    }

    @Test
    void noReplyInTimeFailsTheStage() {
        ActorRef<WhichThread> silent = KIT.spawn(Behaviors.receiveMessage(ask -> Behaviors.same()));

        CompletableFuture<String> reply = DirectAsk.<WhichThread, String>ask(silent, WhichThread::new,
                Duration.ofMillis(100), KIT.scheduler()).toCompletableFuture();

        assertThatThrownBy(() -> reply.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(TimeoutException.class);
    }
}
