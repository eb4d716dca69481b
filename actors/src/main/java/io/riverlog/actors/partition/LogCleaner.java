package io.riverlog.actors.partition;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

import io.riverlog.wal.Compaction;
import io.riverlog.wal.CompactionPlan;
import io.riverlog.wal.CorruptLogException;
import io.riverlog.wal.IoBudget;
import io.riverlog.wal.KeyOffsetMap;

/**
 * The broker's log cleaner: compacts the logs of topics whose cleanup policy includes
 * {@code compact}, one partition at a time, on its own dispatcher ({@code riverlog.cleaner-dispatcher})
 * and within an I/O budget, so that appends and reads keep their disk and threads. One for the broker;
 * whoever spawns partitions {@link Add}s them.
 *
 * <p>Every {@code check-interval}, each partition in turn is asked whether it needs compaction
 * ({@link PartitionActor.Compact}); its writer answers with a {@link CompactionPlan} or with nothing.
 * The cleaner carries a plan out ({@link Compaction#run}: reading, filtering and writing the new
 * segments) on its dispatcher, then hands the result to the partition's writer, which swaps it in
 * between write rounds; then the next partition's turn comes. A log that fails the cleaner's checks
 * (damaged data) is skipped until the broker restarts, and logged once.
 */
public final class LogCleaner extends AbstractBehavior<LogCleaner.Command> {

    public interface Command {
    }

    /** A partition to compact when its topic asks for it, until it stops. */
    public record Add(PartitionId id, ActorRef<PartitionActor.Command> partition) implements Command {
    }

    /** A partition's answers in its turn. */
    public sealed interface Turn {
    }

    /** The partition's log needs no compaction now (or cannot be compacted: offline, closing). */
    public record NothingToCompact(PartitionId partition) implements Turn {
    }

    /** What the partition's log needs compacted, and the writer that swaps the result in. */
    public record CompactionPlanned(PartitionId partition, CompactionPlan plan, ActorRef<LogWriter.Command> writer)
            implements Turn {
    }

    /** The writer swapped in {@code groups} compacted groups of segments. */
    public record Swapped(PartitionId partition, int groups, Compaction.Stats stats) implements Turn {
    }

    /** The writer did not swap the compaction in, and why. */
    public record NotSwapped(PartitionId partition, String reason) implements Turn {
    }

    private enum Tick implements Command { INTERVAL }

    /** The partition in turn number {@code turn} did not answer within {@code turn-timeout}. */
    private record TurnTimedOut(long turn) implements Command {
    }

    /** Where the partition in turn is: asked for a plan, compacting on the cleaner's thread, or swapping in. */
    private enum Phase { PLANNING, RUNNING, SWAPPING }

    private record Answered(Turn turn) implements Command {
    }

    private record Ran(PartitionId partition, ActorRef<LogWriter.Command> writer, Compaction.Prepared prepared,
                       Throwable failure, long startedNanos) implements Command {
    }

    private record Stopped(PartitionId id, ActorRef<PartitionActor.Command> partition) implements Command {
    }

    private final CleanerSettings settings;
    private final Executor executor;
    private final IoBudget budget;
    private final ActorRef<Turn> answers;
    private final Map<PartitionId, ActorRef<PartitionActor.Command>> partitions = new HashMap<>();
    /** Partitions whose logs hold damage the cleaner met: not compacted until the broker restarts. */
    private final Set<PartitionId> skipped = new HashSet<>();
    private final Deque<PartitionId> round = new ArrayDeque<>();
    private KeyOffsetMap keyMap;
    private ByteBuffer readBuffer;
    private final TimerScheduler<Command> timers;
    private PartitionId inTurn;
    private Phase phase;
    private long turn;
    private long turnStartedNanos;

    public static Behavior<Command> create(CleanerSettings settings) {
        return Behaviors.setup(context -> {
            // Named here: Pekko otherwise names an actor's logger, when it first logs, after the first
            // class on the stack outside its typed internals; for this actor that was Pekko's ActorCell,
            // and the broker's logback.xml drops INFO under org.apache.pekko, so every "Compacted
            // partition" line was lost.
            context.setLoggerName(LogCleaner.class);
            if (!settings.enabled()) {
                context.getLog().info("The log cleaner is off (riverlog.cleaner.enabled = false): compacted topics"
                        + " keep every record until retention deletes it");
                return Behaviors.ignore();
            }
            return Behaviors.withTimers(timers -> new LogCleaner(context, timers, settings));
        });
    }

    private LogCleaner(ActorContext<Command> context, TimerScheduler<Command> timers, CleanerSettings settings) {
        super(context);
        this.settings = settings;
        this.executor = context.getSystem().dispatchers().lookup(
                DispatcherSelector.fromConfig(CleanerSettings.DISPATCHER));
        this.budget = new IoBudget(settings.ioBytesPerSecond());
        this.answers = context.messageAdapter(Turn.class, Answered::new);
        this.timers = timers;
        timers.startTimerWithFixedDelay(Tick.INTERVAL, settings.checkInterval());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Add.class, this::onAdd)
                .onMessageEquals(Tick.INTERVAL, this::onInterval)
                .onMessage(Answered.class, answered -> onTurn(answered.turn()))
                .onMessage(Ran.class, this::onRan)
                .onMessage(Stopped.class, this::onStopped)
                .onMessage(TurnTimedOut.class, this::onTurnTimedOut)
                .build();
    }

    private Behavior<Command> onAdd(Add add) {
        partitions.put(add.id(), add.partition());
        getContext().watchWith(add.partition(), new Stopped(add.id(), add.partition()));
        return this;
    }

    /** A partition that stops while asked or swapping gives its turn up; a compaction running for it ends first. */
    private Behavior<Command> onStopped(Stopped stopped) {
        if (partitions.get(stopped.id()) == stopped.partition()) {
            partitions.remove(stopped.id());
            round.remove(stopped.id());
            if (stopped.id().equals(inTurn) && phase != Phase.RUNNING) {
                nextTurn();
            }
        }
        return this;
    }

    /**
     * A partition that does not answer (still opening a large log, or stopping) is passed over in this
     * round. What it answers later is ignored: it is no longer in turn.
     */
    private Behavior<Command> onTurnTimedOut(TurnTimedOut timedOut) {
        if (timedOut.turn() == turn && inTurn != null && phase != Phase.RUNNING) {
            getContext().getLog().debug("Partition {} did not answer the log cleaner within {}; its turn passes",
                    inTurn, settings.turnTimeout());
            nextTurn();
        }
        return this;
    }

    /** Starts a round over every partition, unless the last one is still going. */
    private Behavior<Command> onInterval() {
        if (inTurn == null && round.isEmpty()) {
            round.addAll(partitions.keySet());
            round.removeAll(skipped);
            nextTurn();
        }
        return this;
    }

    private void nextTurn() {
        inTurn = null;
        phase = null;
        while (!round.isEmpty()) {
            PartitionId next = round.poll();
            ActorRef<PartitionActor.Command> partition = partitions.get(next);
            if (partition != null) {
                inTurn = next;
                turn++;
                turnStartedNanos = System.nanoTime();
                enter(Phase.PLANNING);
                partition.tell(new PartitionActor.Compact(answers));
                return;
            }
        }
    }

    /** The planning and swapping phases wait for the partition, at most {@code turn-timeout}; running does not. */
    private void enter(Phase next) {
        phase = next;
        if (next == Phase.RUNNING) {
            timers.cancel(TurnTimedOut.class);
        } else {
            timers.startSingleTimer(TurnTimedOut.class, new TurnTimedOut(turn), settings.turnTimeout());
        }
    }

    private Behavior<Command> onTurn(Turn answer) {
        if (answer instanceof CompactionPlanned planned) {
            if (planned.partition().equals(inTurn) && phase == Phase.PLANNING) {
                run(planned);
            }
        } else if (answer instanceof Swapped swapped && swapped.partition().equals(inTurn) && phase == Phase.SWAPPING) {
            logCompacted(swapped);
            nextTurn();
        } else if (answer instanceof NotSwapped notSwapped && notSwapped.partition().equals(inTurn)
                && phase == Phase.SWAPPING) {
            getContext().getLog().info("Compaction of partition {} was not swapped in: {}", notSwapped.partition(),
                    notSwapped.reason());
            nextTurn();
        } else if (answer instanceof NothingToCompact nothing && nothing.partition().equals(inTurn)
                && phase == Phase.PLANNING) {
            nextTurn();
        }
        return this;
    }

    /** Runs the plan on the cleaner's dispatcher; the result comes back as {@link Ran}. */
    private void run(CompactionPlanned planned) {
        if (keyMap == null) {
            keyMap = new KeyOffsetMap(settings.keyMapBytes());
            readBuffer = ByteBuffer.allocate(settings.readBufferBytes());
        }
        enter(Phase.RUNNING);
        KeyOffsetMap map = keyMap;
        ByteBuffer scratch = readBuffer;
        long started = System.nanoTime();
        CompletableFuture<Compaction.Prepared> work = CompletableFuture.supplyAsync(() -> {
            try {
                return Compaction.run(planned.plan(), map, budget, () -> false, scratch);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, executor);
        getContext().pipeToSelf(work, (prepared, failure) -> new Ran(planned.partition(), planned.writer(), prepared,
                failure instanceof CompletionException wrapped ? wrapped.getCause() : failure, started));
    }

    private Behavior<Command> onRan(Ran ran) {
        if (ran.failure() == null && !partitions.containsKey(ran.partition())) {
            ran.prepared().discard();
            nextTurn();
            return this;
        }
        if (ran.failure() == null) {
            enter(Phase.SWAPPING);
            ran.writer().tell(new LogWriter.SwapCompacted(ran.prepared(), answers));
            return this;
        }
        Throwable failure = ran.failure();
        if (failure instanceof Compaction.StoppedException) {
            getContext().getLog().debug("Compaction of partition {} stopped: its log closed", ran.partition());
        } else if (failure instanceof CorruptLogException) {
            skipped.add(ran.partition());
            getContext().getLog().error("Partition {} is not compacted until the broker restarts: {}", ran.partition(),
                    failure.getMessage());
        } else {
            getContext().getLog().warn("Compaction of partition {} failed; it is tried again in the next round: {}",
                    ran.partition(), failure.toString());
        }
        nextTurn();
        return this;
    }

    private void logCompacted(Swapped swapped) {
        Compaction.Stats stats = swapped.stats();
        if (stats == null || swapped.groups() == 0) {
            return;
        }
        long ms = Math.max(1, (System.nanoTime() - turnStartedNanos) / 1_000_000);
        getContext().getLog().info("Compacted partition {}: {} bytes to {} bytes, {} records to {} ({} keys), in {} ms"
                        + " ({} MB/s read)", swapped.partition(), stats.bytesBefore(), stats.bytesAfter(),
                stats.recordsBefore(), stats.recordsAfter(), stats.keys(), ms, stats.bytesRead() / 1000 / ms);
    }
}
