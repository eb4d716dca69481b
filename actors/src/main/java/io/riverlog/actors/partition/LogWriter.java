package io.riverlog.actors.partition;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

import io.riverlog.wal.ChannelFactory;
import io.riverlog.wal.PartitionLog;
import io.riverlog.wal.ValidBatches;

/**
 * The only writer of one partition's files, a child of its {@link PartitionActor}, running on the
 * blocking-IO dispatcher. It opens (and so recovers) the log, then takes one round of appends at a
 * time: it writes every batch of the round, applies the fsync policy, and reports the committed end
 * offset. The parent sends the next round only after that report, so appends that arrive during an
 * fsync are written together and share one (group commit).
 *
 * <p>A failed write or fsync is reported as a storage failure and the writer refuses all further
 * writes: the partition is offline until restarted, and the log's recovery decides what survived.
 */
final class LogWriter extends AbstractBehavior<LogWriter.Command> {
    static final String DISPATCHER = "riverlog.blocking-io-dispatcher";

    interface Command {
    }

    /** Batches whose offsets the partition assigned, starting at {@code firstOffset}. */
    record PendingWrite(ValidBatches batches, long firstOffset) {
    }

    record WriteRound(List<PendingWrite> writes) implements Command {
    }

    record Close() implements Command {
    }

    private enum Tick implements Command { FLUSH, RETENTION }

    private final ActorRef<PartitionActor.Command> partition;
    private final PartitionId id;
    private final PartitionSettings settings;
    private final PartitionMetrics metrics;
    private final PartitionLog log;
    private boolean failed;

    static Behavior<Command> create(ActorRef<PartitionActor.Command> partition, PartitionId id, Path dir,
                                    PartitionSettings settings, ChannelFactory channels, PartitionMetrics metrics) {
        return Behaviors.setup(context -> {
            PartitionLog log;
            try {
                log = PartitionLog.open(dir, settings.log(), Clock.systemUTC(), channels);
            } catch (IOException | RuntimeException e) {
                partition.tell(new PartitionActor.LogOpenFailed(e));
                return Behaviors.receive(Command.class)
                        .onMessage(Close.class, close -> {
                            partition.tell(new PartitionActor.WriterClosed());
                            return Behaviors.stopped();
                        })
                        .build();
            }
            ProducerStateTable producers = new ProducerStateTable(settings.producerBatchesRemembered());
            try {
                log.forEachRecentBatch(settings.producerStateScanBytes(), producers::replay);
            } catch (IOException e) {
                log.close();
                partition.tell(new PartitionActor.LogOpenFailed(e));
                return Behaviors.stopped();
            }
            log.closeDeletedSegmentsOn(context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(DISPATCHER)));
            partition.tell(new PartitionActor.LogOpened(log, producers));
            return Behaviors.withTimers(timers -> new LogWriter(context, timers, partition, id, settings, metrics, log));
        });
    }

    private LogWriter(ActorContext<Command> context, TimerScheduler<Command> timers,
                      ActorRef<PartitionActor.Command> partition, PartitionId id, PartitionSettings settings,
                      PartitionMetrics metrics, PartitionLog log) {
        super(context);
        this.partition = partition;
        this.id = id;
        this.settings = settings;
        this.metrics = metrics;
        this.log = log;
        if (settings.fsyncPolicy() == FsyncPolicy.INTERVAL) {
            timers.startTimerWithFixedDelay(Tick.FLUSH, settings.fsyncInterval());
        }
        timers.startTimerWithFixedDelay(Tick.RETENTION, settings.retentionCheckInterval());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(WriteRound.class, this::onWriteRound)
                .onMessageEquals(Tick.FLUSH, this::onFlushTick)
                .onMessageEquals(Tick.RETENTION, this::onRetentionTick)
                .onMessage(Close.class, close -> onClose())
                .build();
    }

    private Behavior<Command> onWriteRound(WriteRound round) {
        if (failed) {
            partition.tell(new PartitionActor.StorageFailed(new IOException("log of " + id + " is offline")));
            return this;
        }
        try {
            for (PendingWrite write : round.writes()) {
                log.append(write.batches(), write.firstOffset());
            }
            long committed = settings.fsyncPolicy() == FsyncPolicy.BATCH ? flush() : log.logEndOffset();
            partition.tell(new PartitionActor.RoundWritten(committed));
        } catch (IOException e) {
            fail(e);
        }
        return this;
    }

    private Behavior<Command> onFlushTick() {
        if (!failed && log.durableEndOffset() < log.logEndOffset()) {
            try {
                flush();
            } catch (IOException e) {
                fail(e);
            }
        }
        return this;
    }

    private Behavior<Command> onRetentionTick() {
        if (!failed) {
            try {
                log.enforceRetention();
            } catch (IOException e) {
                fail(e);
            }
        }
        return this;
    }

    private Behavior<Command> onClose() {
        try {
            log.close();
        } catch (IOException e) {
            getContext().getLog().error("Closing the log of partition {} failed; the next start will recover it: {}",
                    id, e.toString());
        }
        partition.tell(new PartitionActor.WriterClosed());
        return Behaviors.stopped();
    }

    private long flush() throws IOException {
        long started = System.nanoTime();
        long durable = log.flush();
        metrics.fsynced(id, System.nanoTime() - started);
        return durable;
    }

    private void fail(IOException e) {
        failed = true;
        partition.tell(new PartitionActor.StorageFailed(e));
    }
}
