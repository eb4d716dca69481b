package io.riverlog.actors.partition;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

import io.riverlog.actors.partition.PartitionActor.Scrub;
import io.riverlog.actors.partition.PartitionActor.Scrubbed;

/**
 * The broker's background scrub: verifies, at a bounded rate, the bytes of every partition's log that
 * were not verified since the log was opened, so that damage in fsynced data is found (logged by the
 * log, counted and listed by its partition) before a reader reaches it. One for the broker; whoever
 * spawns partitions {@link Add}s them.
 *
 * <p>Every {@code scrub-interval} it hands out that interval's share of {@code scrub-bytes-per-second}:
 * to one partition at a time, in turn, each {@link Scrub} asking for what is left of the share. The
 * partition checks whole batches on the blocking-IO dispatcher (never on its own thread) and answers
 * the bytes it checked; the next partition gets the rest, until the share is spent or every partition
 * had a turn in this interval. A share left over is not carried to the next interval, so the rate
 * stays at or below the setting, give or take one batch. A partition that answers that its log is
 * fully verified is skipped until the broker restarts: its appends are verified as they arrive. (A log
 * reopened after a storage failure is then verified only by the reads that reach it.) A partition
 * that stops is dropped. With a budget of 0 it scrubs nothing.
 */
public final class Scrubber extends AbstractBehavior<Scrubber.Command> {

    public interface Command {
    }

    /** A partition to scrub in turn, until it stops. */
    public record Add(PartitionId id, ActorRef<PartitionActor.Command> partition) implements Command {
    }

    private enum Tick implements Command { INTERVAL }

    private record Answered(Scrubbed scrubbed) implements Command {
    }

    private record Stopped(PartitionId id, ActorRef<PartitionActor.Command> partition) implements Command {
    }

    private final ScrubSettings settings;
    private final ActorRef<Scrubbed> answers;
    private final Map<PartitionId, ActorRef<PartitionActor.Command>> partitions = new HashMap<>();
    /** Partitions not fully verified, the next turn first. */
    private final Set<PartitionId> turns = new LinkedHashSet<>();
    private PartitionId inFlight;
    private long bytesLeft;
    private int turnsLeft;
    private long bytesScrubbed;

    public static Behavior<Command> create(ScrubSettings settings) {
        return Behaviors.setup(context -> {
            context.setLoggerName(Scrubber.class);
            if (!settings.enabled()) {
                context.getLog().info("Background scrub is off ({} = 0): stored data is verified only by the reads"
                        + " that reach it", ScrubSettings.BYTES_PER_SECOND);
                return Behaviors.ignore();
            }
            context.getLog().info("Background scrub verifies up to {} bytes per second of stored data, handed out"
                    + " every {} ms", settings.bytesPerSecond(), settings.interval().toMillis());
            return Behaviors.withTimers(timers -> new Scrubber(context, timers, settings));
        });
    }

    private Scrubber(ActorContext<Command> context, TimerScheduler<Command> timers, ScrubSettings settings) {
        super(context);
        this.settings = settings;
        this.answers = context.messageAdapter(Scrubbed.class, Answered::new);
        timers.startTimerWithFixedDelay(Tick.INTERVAL, settings.interval());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Add.class, this::onAdd)
                .onMessageEquals(Tick.INTERVAL, this::onInterval)
                .onMessage(Answered.class, answered -> onAnswered(answered.scrubbed()))
                .onMessage(Stopped.class, this::onStopped)
                .build();
    }

    private Behavior<Command> onAdd(Add add) {
        partitions.put(add.id(), add.partition());
        turns.add(add.id());
        getContext().watchWith(add.partition(), new Stopped(add.id(), add.partition()));
        return this;
    }

    private Behavior<Command> onInterval() {
        bytesLeft = settings.bytesPerInterval();
        turnsLeft = turns.size();
        if (inFlight == null) {
            nextTurn();
        }
        return this;
    }

    private Behavior<Command> onAnswered(Scrubbed scrubbed) {
        if (!scrubbed.partition().equals(inFlight)) {
            return this;
        }
        inFlight = null;
        bytesLeft -= scrubbed.bytesChecked();
        bytesScrubbed += scrubbed.bytesChecked();
        if (scrubbed.fullyVerified() && turns.remove(scrubbed.partition())) {
            getContext().getLog().debug("Partition {} is fully verified; the scrub skips it until the broker restarts",
                    scrubbed.partition());
            if (turns.isEmpty()) {
                getContext().getLog().info("Every partition's log is verified ({} bytes scrubbed since the broker"
                        + " started); the scrub waits for new partitions", bytesScrubbed);
            }
        }
        nextTurn();
        return this;
    }

    private Behavior<Command> onStopped(Stopped stopped) {
        if (partitions.get(stopped.id()) != stopped.partition()) {
            return this;
        }
        partitions.remove(stopped.id());
        turns.remove(stopped.id());
        if (stopped.id().equals(inFlight)) {
            inFlight = null;
            nextTurn();
        }
        return this;
    }

    /** Hands what is left of this interval's share to the next partition in turn, if any is due. */
    private void nextTurn() {
        if (bytesLeft <= 0 || turnsLeft <= 0 || turns.isEmpty()) {
            return;
        }
        turnsLeft--;
        Iterator<PartitionId> first = turns.iterator();
        PartitionId next = first.next();
        first.remove();
        turns.add(next);
        inFlight = next;
        partitions.get(next).tell(new Scrub(bytesLeft, answers));
    }
}
