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
    private static final int INTERVALS_TO_START = 20;

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
        Asked first = firstAsked();
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
        Asked silent = firstAsked();
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
        Asked stopping = firstAsked();
        kit.stop(stopping.id().equals(a) ? first : second);
        Asked next = asks.expectMessageClass(Asked.class);
        assertThat(next.id()).isNotEqualTo(stopping.id());
    }

    @Test
    void itLogsUnderItsOwnNameWhichTheBrokersLogConfigurationShows() throws Exception {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger(LogCleaner.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
                new ch.qos.logback.core.read.ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        try {
            kit.spawn(LogCleaner.create(new CleanerSettings(false, INTERVAL, 0, 1024, 4096, TURN_TIMEOUT)));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (lines.list.isEmpty() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(lines.list).extracting(event -> event.getFormattedMessage())
                    .anyMatch(line -> line.startsWith("The log cleaner is off"));
        } finally {
            logger.detachAppender(lines);
        }
    }

    /**
     * Moves time on an interval at a time until the cleaner, which starts its timer asynchronously,
     * asks its first partition.
     */
    private Asked firstAsked() {
        for (int interval = 0; interval < INTERVALS_TO_START; interval++) {
            time.timePasses(INTERVAL);
            try {
                return asks.expectMessageClass(Asked.class, QUIET);
            } catch (AssertionError notYet) {
                // The timer was not running yet: the next interval.
            }
        }
        throw new AssertionError("the cleaner asked no partition in " + INTERVALS_TO_START + " intervals");
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
