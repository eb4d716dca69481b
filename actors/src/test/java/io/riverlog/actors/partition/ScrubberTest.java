package io.riverlog.actors.partition;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.partition.PartitionActor.Scrub;
import io.riverlog.actors.partition.PartitionActor.Scrubbed;

/** The scrubber's turns and budget, with partitions played by probes and time moved by hand. */
class ScrubberTest {
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final long BYTES_PER_SECOND = 1000;
    /** Real time in which a message that was due would have arrived. */
    private static final Duration QUIET = Duration.ofMillis(200);
    private static final int INTERVALS_TO_START = 20;

    private final ActorTestKit kit = ActorTestKit.create(ManualTime.config().withFallback(ConfigFactory.load()));
    private final ManualTime time = ManualTime.get(kit.system());
    private final PartitionId a = new PartitionId("t", 0);
    private final PartitionId b = new PartitionId("t", 1);

    @AfterEach
    void shutdown() {
        kit.shutdownTestKit();
    }

    @Test
    void aBudgetOfZeroScrubsNothing() {
        ActorRef<Scrubber.Command> scrubber = kit.spawn(Scrubber.create(new ScrubSettings(0, INTERVAL)));
        TestProbe<PartitionActor.Command> partition = kit.createTestProbe();
        scrubber.tell(new Scrubber.Add(a, partition.getRef()));
        for (int i = 0; i < 5; i++) {
            time.timePasses(INTERVAL);
        }
        partition.expectNoMessage(QUIET);
    }

    @Test
    void eachIntervalsShareGoesToThePartitionsInTurnUntilItIsSpent() {
        ActorRef<Scrubber.Command> scrubber = kit.spawn(Scrubber.create(new ScrubSettings(BYTES_PER_SECOND, INTERVAL)));
        TestProbe<PartitionActor.Command> first = kit.createTestProbe();
        TestProbe<PartitionActor.Command> second = kit.createTestProbe();
        scrubber.tell(new Scrubber.Add(a, first.getRef()));
        scrubber.tell(new Scrubber.Add(b, second.getRef()));

        Scrub toFirst = firstShare(first);
        assertThat(toFirst.maxBytes()).isEqualTo(BYTES_PER_SECOND);
        second.expectNoMessage(QUIET);
        toFirst.replyTo().tell(new Scrubbed(a, 600, false));
        Scrub toSecond = second.expectMessageClass(Scrub.class);
        assertThat(toSecond.maxBytes()).isEqualTo(BYTES_PER_SECOND - 600);
        toSecond.replyTo().tell(new Scrubbed(b, BYTES_PER_SECOND - 600, false));
        // The share is spent: nobody is asked again before the next interval.
        first.expectNoMessage(QUIET);
        second.expectNoMessage(QUIET);

        time.timePasses(INTERVAL);
        assertThat(first.expectMessageClass(Scrub.class).maxBytes()).isEqualTo(BYTES_PER_SECOND);
    }

    @Test
    void aShareIsOfferedToEveryPartitionAtMostOnceAnInterval() {
        ActorRef<Scrubber.Command> scrubber = kit.spawn(Scrubber.create(new ScrubSettings(BYTES_PER_SECOND, INTERVAL)));
        TestProbe<PartitionActor.Command> opening = kit.createTestProbe();
        scrubber.tell(new Scrubber.Add(a, opening.getRef()));

        Scrub scrub = firstShare(opening);
        scrub.replyTo().tell(new Scrubbed(a, 0, false));
        opening.expectNoMessage(QUIET);
        time.timePasses(INTERVAL);
        opening.expectMessageClass(Scrub.class);
    }

    @Test
    void aFullyVerifiedPartitionIsSkippedAndAStoppedOneIsDropped() {
        ActorRef<Scrubber.Command> scrubber = kit.spawn(Scrubber.create(new ScrubSettings(BYTES_PER_SECOND, INTERVAL)));
        TestProbe<PartitionActor.Command> verified = kit.createTestProbe();
        TestProbe<PartitionActor.Command> stopping = kit.createTestProbe();
        TestProbe<PartitionActor.Command> other = kit.createTestProbe();
        scrubber.tell(new Scrubber.Add(a, verified.getRef()));
        scrubber.tell(new Scrubber.Add(b, stopping.getRef()));
        PartitionId c = new PartitionId("t", 2);
        scrubber.tell(new Scrubber.Add(c, other.getRef()));

        firstShare(verified).replyTo().tell(new Scrubbed(a, 10, true));
        stopping.expectMessageClass(Scrub.class);
        // It stops before it answers: the turn passes on.
        stopping.stop();
        other.expectMessageClass(Scrub.class).replyTo().tell(new Scrubbed(c, 10, false));

        for (int i = 0; i < 3; i++) {
            time.timePasses(INTERVAL);
            other.expectMessageClass(Scrub.class).replyTo().tell(new Scrubbed(c, BYTES_PER_SECOND, false));
        }
        verified.expectNoMessage(QUIET);
    }

    /**
     * Moves time on an interval at a time until the scrubber, which starts its timer asynchronously,
     * hands out its first share to {@code partition}.
     */
    private Scrub firstShare(TestProbe<PartitionActor.Command> partition) {
        for (int interval = 0; interval < INTERVALS_TO_START; interval++) {
            time.timePasses(INTERVAL);
            try {
                return partition.expectMessageClass(Scrub.class, QUIET);
            } catch (AssertionError notYet) {
                // The timer was not running yet: the next interval.
            }
        }
        throw new AssertionError("the scrubber handed out no share in " + INTERVALS_TO_START + " intervals");
    }
}
