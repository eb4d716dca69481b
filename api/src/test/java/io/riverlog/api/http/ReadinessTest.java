package io.riverlog.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.topics.TopicInfo;
import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.api.topics.BrokerTopics;

/** Readiness follows recovery: not ready until the registry and every partition answer, then ready for good. */
class ReadinessTest {
    private static final ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());
    private static final Duration CHECK_TIMEOUT = Duration.ofMillis(300);
    private static final Duration WAIT = Duration.ofSeconds(10);

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    @Test
    void notReadyUntilListeningAndRecoveredThenReadyUntilStopping() throws Exception {
        TestProbe<TopicRegistry.Command> registry = kit.createTestProbe();
        TestProbe<PartitionActor.Command> partition = kit.createTestProbe();
        Readiness readiness = new Readiness(new BrokerTopics(registry.getRef(), kit.scheduler(), CHECK_TIMEOUT));

        assertThat(check(readiness)).contains("the listeners are not bound yet");
        readiness.listening();

        // A registry still replaying its metadata holds the question: no answer in time.
        CompletableFuture<Optional<String>> loading = readiness.check().toCompletableFuture();
        registry.expectMessageClass(TopicRegistry.ListTopics.class);
        assertThat(loading.get(WAIT.toSeconds(), TimeUnit.SECONDS).orElseThrow())
                .startsWith("still recovering");

        // Loaded, but its one partition is still opening its log.
        CompletableFuture<Optional<String>> opening = readiness.check().toCompletableFuture();
        answerTopics(registry, partition);
        partition.expectMessageClass(PartitionActor.GetState.class);
        assertThat(opening.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isPresent();
        // (Its reference is looked up once more before the check gives up: it could have been stale.)
        registry.expectMessageClass(TopicRegistry.GetPartition.class);

        // It answers, but that it is still opening (it holds as many requests as it may): not ready either.
        CompletableFuture<Optional<String>> stillOpening = readiness.check().toCompletableFuture();
        answerTopics(registry, partition);
        partition.expectMessageClass(PartitionActor.GetState.class).replyTo().tell(new PartitionActor.PartitionState(
                new PartitionId("t", 0), 0, 0, 0, 0, 0, PartitionActor.Availability.OPENING));
        assertThat(stillOpening.get(WAIT.toSeconds(), TimeUnit.SECONDS).orElseThrow()).contains("still opening");

        // Everything answers (the partition's reference is kept from the last check): ready, and the
        // answer is kept without asking again.
        CompletableFuture<Optional<String>> recovered = readiness.check().toCompletableFuture();
        answerListTopics(registry);
        PartitionActor.GetState get = partition.expectMessageClass(PartitionActor.GetState.class);
        get.replyTo().tell(new PartitionActor.PartitionState(new PartitionId("t", 0), 0, 5, 5, 100, 0,
                PartitionActor.Availability.ONLINE));
        assertThat(recovered.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEmpty();
        assertThat(check(readiness)).isEmpty();
        registry.expectNoMessage(CHECK_TIMEOUT);

        readiness.stopping();
        assertThat(check(readiness)).contains("the broker is stopping");
    }

    private static void answerTopics(TestProbe<TopicRegistry.Command> registry,
                                     TestProbe<PartitionActor.Command> partition) {
        answerListTopics(registry);
        registry.expectMessageClass(TopicRegistry.GetPartition.class).replyTo()
                .tell(new TopicRegistry.PartitionRef(Optional.of(partition.getRef())));
    }

    private static void answerListTopics(TestProbe<TopicRegistry.Command> registry) {
        registry.expectMessageClass(TopicRegistry.ListTopics.class).replyTo().tell(new TopicRegistry.Topics(
                List.of(new TopicInfo("t", UUID.randomUUID(), 1, Map.of()))));
    }

    private static Optional<String> check(Readiness readiness) throws Exception {
        return readiness.check().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
}
