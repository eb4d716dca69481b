package io.riverlog.actors.partition;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
import io.riverlog.wal.LogConfig;
import io.riverlog.wal.NotWrittenException;
import io.riverlog.wal.OffsetOutOfRangeException;
import io.riverlog.wal.PartitionLog;
import io.riverlog.wal.Storage;
import io.riverlog.wal.ValidBatches;

/**
 * The only writer of one partition's files, a child of its {@link PartitionActor}, running on the
 * blocking-IO dispatcher. It opens (and so recovers) the log, then takes one round of appends at a
 * time: it writes every batch of the round, applies the fsync policy, and reports the committed end
 * offset. The parent sends the next round only after that report, so appends that arrive during an
 * fsync are written together and share one (group commit). Between rounds it enforces retention and
 * moves the log start offset when records are deleted ({@link MoveLogStart}).
 *
 * <p>A failed write or fsync is reported as a storage failure and the writer refuses all further
 * writes until the partition asks it to {@link Reopen} the log: recovery then cuts whatever the
 * failed write left after the last acknowledged batch. The failed log's files stay open for
 * {@code segment-delete-delay}, so reads already under way on it finish.
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

    /** Opens the failed log again, keeping exactly the offsets below {@code acknowledgedEndOffset}. */
    record Reopen(long acknowledgedEndOffset) implements Command {
    }

    /** Tries again to open a log whose first opening failed. */
    record RetryOpen() implements Command {
    }

    /** New log settings from the topic's configs; see {@link PartitionLog#reconfigure}. */
    record Reconfigure(LogConfig log) implements Command {
    }

    /**
     * Moves the log start offset up to {@code offset} (checked against the high watermark by the
     * partition), durably, answers {@code replyTo}, then deletes the segments left below it.
     */
    record MoveLogStart(long offset, ActorRef<PartitionActor.DeleteRecordsReply> replyTo) implements Command {
    }

    /** Answers the {@link LogCleaner} with a plan of what to compact now, or that there is nothing. */
    record PlanCompaction(PartitionId id, ActorRef<LogCleaner.Turn> replyTo) implements Command {
    }

    /** Swaps in what the {@link LogCleaner} compacted (see {@link PartitionLog#swapIn}), and answers. */
    record SwapCompacted(Compaction.Prepared prepared, ActorRef<LogCleaner.Turn> replyTo) implements Command {
    }

    /** Fsyncs what was written, answers how far the log is durable ({@link PartitionActor.Flush}). */
    record Flush(ActorRef<PartitionActor.FlushReply> replyTo) implements Command {
    }

    private enum Tick implements Command { FLUSH, RETENTION }

    private record CloseReplaced(PartitionLog log) implements Command {
    }

    private final ActorRef<PartitionActor.Command> partition;
    private final PartitionId id;
    private PartitionSettings settings;
    private final PartitionMetrics metrics;
    private final Storage storage;
    private final TimerScheduler<Command> timers;
    private final List<PartitionLog> replaced = new ArrayList<>();
    private PartitionLog log;
    private boolean failed;

    static Behavior<Command> create(ActorRef<PartitionActor.Command> partition, PartitionId id, Path dir,
                                    PartitionSettings settings, Storage storage, PartitionMetrics metrics,
                                    LogOpener opener) {
        return Behaviors.setup(context -> {
            context.setLoggerName(LogWriter.class);
            return open(context, partition, id, dir, settings, storage, metrics, opener);
        });
    }

    /** Opens (recovers) the log and reports it; if that fails, reports why and waits to be asked again. */
    private static Behavior<Command> open(ActorContext<Command> context, ActorRef<PartitionActor.Command> partition,
                                          PartitionId id, Path dir, PartitionSettings settings, Storage storage,
                                          PartitionMetrics metrics, LogOpener opener) {
        PartitionLog log;
        ProducerStateTable producers;
        try {
            log = opener.open(dir, settings.log(), storage);
        } catch (IOException | RuntimeException e) {
            partition.tell(new PartitionActor.LogOpenFailed(e));
            return notOpened(context, partition, id, dir, settings, storage, metrics, opener);
        }
        try {
            producers = readyToWrite(log, settings, context);
        } catch (IOException e) {
            try {
                log.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            partition.tell(new PartitionActor.LogOpenFailed(e));
            return notOpened(context, partition, id, dir, settings, storage, metrics, opener);
        }
        partition.tell(new PartitionActor.LogOpened(log, producers));
        return Behaviors.withTimers(timers -> new LogWriter(context, timers, partition, id, settings, metrics,
                storage, log));
    }

    private static Behavior<Command> notOpened(ActorContext<Command> context,
                                               ActorRef<PartitionActor.Command> partition, PartitionId id, Path dir,
                                               PartitionSettings settings, Storage storage, PartitionMetrics metrics,
                                               LogOpener opener) {
        return Behaviors.receive(Command.class)
                .onMessage(RetryOpen.class, retry -> open(context, partition, id, dir, settings, storage, metrics,
                        opener))
                .onMessage(Reconfigure.class, reconfigure -> notOpened(context, partition, id, dir,
                        settings.withLog(reconfigure.log()), storage, metrics, opener))
                .onMessage(PlanCompaction.class, plan -> {
                    plan.replyTo().tell(new LogCleaner.NothingToCompact(id));
                    return Behaviors.same();
                })
                .onMessage(SwapCompacted.class, swap -> {
                    swap.prepared().discard();
                    swap.replyTo().tell(new LogCleaner.NotSwapped(id, "its log is not open"));
                    return Behaviors.same();
                })
                .onMessage(Close.class, close -> {
                    partition.tell(new PartitionActor.WriterClosed());
                    return Behaviors.stopped();
                })
                .build();
    }

    /**
     * Restores the producer state the log keeps (its newest snapshot and the batches after it) and
     * sets the log up for writing. Returns a copy of that state for the partition's actor: the log
     * goes on applying what it writes to its own.
     */
    private static ProducerStateTable readyToWrite(PartitionLog log, PartitionSettings settings,
                                                   ActorContext<Command> context) throws IOException {
        ProducerStateTable written = log.restoreState(new ProducerStateCodec(settings.producerBatchesRemembered()));
        log.closeDeletedSegmentsOn(context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(DISPATCHER)));
        return written.copy();
    }

    private LogWriter(ActorContext<Command> context, TimerScheduler<Command> timers,
                      ActorRef<PartitionActor.Command> partition, PartitionId id, PartitionSettings settings,
                      PartitionMetrics metrics, Storage storage, PartitionLog log) {
        super(context);
        this.partition = partition;
        this.id = id;
        this.settings = settings;
        this.metrics = metrics;
        this.storage = storage;
        this.timers = timers;
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
                .onMessage(Flush.class, this::onFlush)
                .onMessageEquals(Tick.RETENTION, this::onRetentionTick)
                .onMessage(MoveLogStart.class, this::onMoveLogStart)
                .onMessage(PlanCompaction.class, this::onPlanCompaction)
                .onMessage(SwapCompacted.class, this::onSwapCompacted)
                .onMessage(Reopen.class, this::onReopen)
                .onMessage(Reconfigure.class, this::onReconfigure)
                .onMessage(CloseReplaced.class, this::onCloseReplaced)
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

    private Behavior<Command> onFlush(Flush request) {
        if (failed) {
            request.replyTo().tell(new PartitionActor.FlushFailed("log of " + id + " is offline"));
            return this;
        }
        try {
            request.replyTo().tell(new PartitionActor.Flushed(flush()));
        } catch (IOException e) {
            request.replyTo().tell(new PartitionActor.FlushFailed("fsync of the log of " + id + " failed: " + e));
            fail(e);
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

    /**
     * A failure before the new start was stored leaves it where it was, and the log writable; one while
     * it replaced the stored start, or while deleting segments, is a storage failure like any other.
     */
    private Behavior<Command> onMoveLogStart(MoveLogStart move) {
        if (failed) {
            return refuse(move, PartitionActor.DeleteRecordsError.STORAGE_ERROR, "log of " + id
                    + " is offline after a storage error; its log start offset did not move");
        }
        long logStart;
        try {
            logStart = log.moveLogStartOffset(move.offset());
        } catch (NotWrittenException e) {
            return refuse(move, PartitionActor.DeleteRecordsError.STORAGE_ERROR, e.getMessage());
        } catch (IOException e) {
            fail(e);
            return refuse(move, PartitionActor.DeleteRecordsError.OUTCOME_UNKNOWN, "storing the log start offset "
                    + move.offset() + " of " + id + " failed (" + e.getMessage() + "): it may or may not have moved");
        } catch (OffsetOutOfRangeException e) {
            return refuse(move, PartitionActor.DeleteRecordsError.OFFSET_OUT_OF_RANGE, e.getMessage());
        }
        move.replyTo().tell(new PartitionActor.LogStartMoved(logStart));
        try {
            log.deleteSegmentsBelowLogStart();
        } catch (IOException e) {
            fail(e);
        }
        return this;
    }

    private Behavior<Command> onPlanCompaction(PlanCompaction plan) {
        Optional<CompactionPlan> planned = Optional.empty();
        if (!failed) {
            try {
                planned = log.planCompaction();
            } catch (IOException e) {
                planned = Optional.empty();
            }
        }
        plan.replyTo().tell(planned.<LogCleaner.Turn>map(found -> new LogCleaner.CompactionPlanned(id, found,
                getContext().getSelf())).orElseGet(() -> new LogCleaner.NothingToCompact(id)));
        return this;
    }

    /**
     * A compaction of a log this writer no longer has (it was reopened after a failure) is discarded; a
     * failure before the swap's commit leaves the log as it was, one after it is a storage failure.
     */
    private Behavior<Command> onSwapCompacted(SwapCompacted swap) {
        Compaction.Prepared prepared = swap.prepared();
        if (failed || !prepared.plan().isFor(log)) {
            prepared.discard();
            swap.replyTo().tell(new LogCleaner.NotSwapped(id, "its log was reopened or is offline"));
            return this;
        }
        try {
            int groups = log.swapIn(prepared);
            if (groups > 0) {
                partition.tell(new PartitionActor.Compacted(log.compactedUpTo()));
            }
            swap.replyTo().tell(new LogCleaner.Swapped(id, groups, prepared.stats()));
        } catch (NotWrittenException e) {
            swap.replyTo().tell(new LogCleaner.NotSwapped(id, e.getMessage()));
        } catch (IOException e) {
            fail(e);
            swap.replyTo().tell(new LogCleaner.NotSwapped(id, e.getMessage()));
        }
        return this;
    }

    private Behavior<Command> refuse(MoveLogStart move, PartitionActor.DeleteRecordsError error, String message) {
        move.replyTo().tell(new PartitionActor.DeleteRecordsFailed(error, message));
        return this;
    }

    private Behavior<Command> onReopen(Reopen reopen) {
        if (!failed) {
            // A second instance beside a writable one would be two writers of the same files.
            partition.tell(new PartitionActor.LogOpenFailed(
                    new IllegalStateException("log of " + id + " has not failed")));
            return this;
        }
        PartitionLog reopened = null;
        try {
            reopened = PartitionLog.openAfterStorageFailure(log.dir(), settings.log(), Clock.systemUTC(), storage,
                    reopen.acknowledgedEndOffset());
            ProducerStateTable producers = readyToWrite(reopened, settings, getContext());
            replaced.add(log);
            timers.startSingleTimer(new CloseReplaced(log), Duration.ofMillis(settings.log().segmentDeleteDelayMs()));
            log = reopened;
            failed = false;
            partition.tell(new PartitionActor.LogOpened(reopened, producers));
        } catch (IOException | RuntimeException e) {
            if (reopened != null) {
                closeQuietly(reopened);
            }
            partition.tell(new PartitionActor.LogOpenFailed(e));
        }
        return this;
    }

    private Behavior<Command> onReconfigure(Reconfigure reconfigure) {
        settings = settings.withLog(reconfigure.log());
        log.reconfigure(reconfigure.log());
        return this;
    }

    private Behavior<Command> onCloseReplaced(CloseReplaced close) {
        if (replaced.remove(close.log())) {
            closeQuietly(close.log());
        }
        return this;
    }

    private Behavior<Command> onClose() {
        replaced.forEach(this::closeQuietly);
        replaced.clear();
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

    private void closeQuietly(PartitionLog partitionLog) {
        try {
            partitionLog.close();
        } catch (IOException e) {
            getContext().getLog().debug("Closing a replaced log of partition {} failed: {}", id, e.toString());
        }
    }

    private void fail(IOException e) {
        failed = true;
        partition.tell(new PartitionActor.StorageFailed(e));
    }
}
