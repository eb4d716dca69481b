package io.riverlog.actors.partition;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.typesafe.config.ConfigFactory;

/** The log cleaner's turns, with partitions played by forwarders to one probe and time moved by hand. */
class LogCleanerTest {
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final Duration TURN_TIMEOUT = Duration.ofSeconds(5);
    private static final CleanerSettings SETTINGS = new CleanerSettings(true, INTERVAL, 0, 1024, 4096, TURN_TIMEOUT);
    /** Real time in which a message that was due would have arrived. */
    private static final Duration QUIET = Duration.ofMillis(200);

    private final ActorTestKit kit = ActorTestKit.create(ManualTime.config().withFallback(ConfigFactory.load()));
    private final ManualTime time = ManualTime.get(kit.system());
    private final TestProbe<Asked> asks = kit.createTestProbe();
    private final PartitionId a = new PartitionId("t", 0);
    private final PartitionId b = new PartitionId("t", 1);

    /** What partition {@code id} was sent. */
    private record Asked(PartitionId id, PartitionActor.Command message) {
    }

    @AfterEach
    void shutdown() {
        kit.shutdownTestKit();
    }

    @Test
    void everyPartitionIsAskedInTurnOnceARound() {
        cleanerOf(a, b);
        time.timePasses(INTERVAL);

        Asked first = asks.expectMessageClass(Asked.class);
        asks.expectNoMessage(QUIET);
        compactOf(first).replyTo().tell(new LogCleaner.NothingToCompact(first.id()));
        Asked second = asks.expectMessageClass(Asked.class);
        assertThat(second.id()).isNotEqualTo(first.id());
        compactOf(second).replyTo().tell(new LogCleaner.NothingToCompact(second.id()));
        asks.expectNoMessage(QUIET);

        time.timePasses(INTERVAL);
        assertThat(asks.expectMessageClass(Asked.class).message()).isInstanceOf(PartitionActor.Compact.class);
    }

    @Test
    void aPartitionThatDoesNotAnswerIsPassedOverAfterTheTurnTimeout() {
        cleanerOf(a, b);
        time.timePasses(INTERVAL);

        Asked silent = asks.expectMessageClass(Asked.class);
        time.timePasses(TURN_TIMEOUT.minusMillis(1));
        asks.expectNoMessage(QUIET);
        time.timePasses(Duration.ofMillis(1));
        Asked next = asks.expectMessageClass(Asked.class);
        assertThat(next.id()).isNotEqualTo(silent.id());
        // An answer that comes after its turn passed is ignored.
        compactOf(silent).replyTo().tell(new LogCleaner.NothingToCompact(silent.id()));
        asks.expectNoMessage(QUIET);
    }

    @Test
    void aPartitionThatStopsInItsTurnGivesItUp() {
        ActorRef<PartitionActor.Command> first = partition(a);
        ActorRef<PartitionActor.Command> second = partition(b);
        ActorRef<LogCleaner.Command> cleaner = kit.spawn(LogCleaner.create(SETTINGS));
        cleaner.tell(new LogCleaner.Add(a, first));
        cleaner.tell(new LogCleaner.Add(b, second));
        time.timePasses(INTERVAL);

        Asked stopping = asks.expectMessageClass(Asked.class);
        kit.stop(stopping.id().equals(a) ? first : second);
        Asked next = asks.expectMessageClass(Asked.class);
        assertThat(next.id()).isNotEqualTo(stopping.id());
    }

    private void cleanerOf(PartitionId... ids) {
        ActorRef<LogCleaner.Command> cleaner = kit.spawn(LogCleaner.create(SETTINGS));
        for (PartitionId id : ids) {
            cleaner.tell(new LogCleaner.Add(id, partition(id)));
        }
    }

    private ActorRef<PartitionActor.Command> partition(PartitionId id) {
        return kit.spawn(Behaviors.receiveMessage(message -> {
            asks.getRef().tell(new Asked(id, message));
            return Behaviors.same();
        }));
    }

    private static PartitionActor.Compact compactOf(Asked asked) {
        assertThat(asked.message()).isInstanceOf(PartitionActor.Compact.class);
        return (PartitionActor.Compact) asked.message();
    }
}
