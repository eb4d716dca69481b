package io.riverlog.actors.partition;

import java.io.IOException;
import java.util.function.Consumer;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

import io.riverlog.actors.partition.PartitionActor.Append;
import io.riverlog.actors.partition.PartitionActor.Availability;
import io.riverlog.actors.partition.PartitionActor.Command;
import io.riverlog.actors.partition.PartitionActor.DamageFound;
import io.riverlog.actors.partition.PartitionActor.DeleteRecords;
import io.riverlog.actors.partition.PartitionActor.FindOffsetForTimestamp;
import io.riverlog.actors.partition.PartitionActor.GetProducers;
import io.riverlog.actors.partition.PartitionActor.GetState;
import io.riverlog.actors.partition.PartitionActor.LogOpenFailed;
import io.riverlog.actors.partition.PartitionActor.LogOpened;
import io.riverlog.actors.partition.PartitionActor.Read;
import io.riverlog.actors.partition.PartitionActor.Refusal;
import io.riverlog.actors.partition.PartitionActor.Request;
import io.riverlog.actors.partition.PartitionActor.Scrub;
import io.riverlog.actors.partition.PartitionActor.Stop;
import io.riverlog.actors.partition.PartitionActor.StorageFailed;
import io.riverlog.wal.CorruptLogException;

/**
 * A partition that cannot take appends: a write or fsync of its log failed, or its log could not be
 * opened at start. One behaviour for both, in one of two states:
 * <ul>
 *   <li><b>retrying</b>: every {@code storage-retry-interval} the writer is asked to open the log
 *       again: a log that was open is reopened cut back to exactly the high watermark, a log that
 *       never opened is opened as at start. Once that succeeds, the partition is online again.
 *   <li><b>for good</b>: the log turned out corrupt, or lacks committed records. It is not tried
 *       again; an operator has to look at it.
 * </ul>
 * Appends and deletions of records fail at once with a storage error. If the log was open, its
 * committed records stay readable: reads, state (marked {@link Availability#OFFLINE}), timestamp
 * lookups and scrubs are served by its {@link ReadPath}, and reads parked at the high watermark stay
 * parked for when it is back.
 * Without a log, every request is refused with the reason ({@link Availability#NO_LOG}).
 *
 * <p>Appends that were handed to the writer when its write or fsync failed ({@link AppendQueue.InDoubt})
 * may be in the file, and would come back at the next start. They are answered only once that is
 * settled: after the first reopen that cut the log back durably below them, with a storage error
 * (not appended); if that reopen fails, or the partition stops or loses its writer first, with
 * {@link PartitionActor.AppendError#OUTCOME_UNKNOWN}.
 */
final class Offline extends AbstractBehavior<Command> {

    private enum Retry implements Command { TICK }

    private final PartitionWiring wiring;
    /** Null if the log was never opened. */
    private final ReadPath reads;
    private final AppendQueue.InDoubt inDoubt;
    /** What failed, for the answers to the appends in doubt. */
    private final String failure;
    private Refusal refusal;
    private boolean forGood;
    private boolean attemptInFlight;

    /** The log could not be opened at start: retried, unless it is corrupt. */
    static Behavior<Command> logNotOpened(PartitionWiring wiring, Throwable cause) {
        boolean corrupt = cause instanceof CorruptLogException;
        wiring.context().getLog().error("Partition {} is offline: its log could not be opened{}: {}", wiring.id(),
                corrupt ? "" : " (tried again every " + wiring.settings().storageRetryInterval().toMillis() + " ms)",
                cause.toString());
        Offline offline = new Offline(wiring, null, AppendQueue.InDoubt.none(), cause.toString(), new Refusal(
                wiring.id(), Availability.NO_LOG,
                "partition " + wiring.id() + " is offline: its log could not be opened: " + cause));
        return corrupt ? offline.giveUp(cause) : offline.retryLater();
    }

    /** The writer stopped before it opened the log: nothing opens it again. */
    static Behavior<Command> writerStoppedWhileOpening(PartitionWiring wiring) {
        return new Offline(wiring, null, AppendQueue.InDoubt.none(), "its writer stopped", null).onWriterGone();
    }

    /**
     * A write or fsync failed: the batches past the high watermark are forgotten; the log is reopened
     * later, and the appends in doubt are answered then.
     */
    static Behavior<Command> afterStorageFailure(PartitionWiring wiring, ReadPath reads, IOException cause,
                                                 AppendQueue.InDoubt inDoubt) {
        wiring.context().getLog().error("Partition {} is offline after a storage error; committed data up to offset {}"
                + " stays readable, appends fail until its log is reopened (tried every {} ms): {}", wiring.id(),
                reads.highWatermark(), wiring.settings().storageRetryInterval().toMillis(), cause.toString());
        reads.forgetUncommitted();
        return new Offline(wiring, reads, inDoubt, cause.getMessage(), new Refusal(wiring.id(), Availability.OFFLINE,
                "partition " + wiring.id() + " is offline after a storage error: " + cause.getMessage())).retryLater();
    }

    private Offline(PartitionWiring wiring, ReadPath reads, AppendQueue.InDoubt inDoubt, String failure,
                    Refusal refusal) {
        super(wiring.context());
        this.wiring = wiring;
        this.reads = reads;
        this.inDoubt = inDoubt;
        this.failure = failure;
        this.refusal = refusal;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessageEquals(Retry.TICK, this::onRetry)
                .onMessage(LogOpened.class, this::onLogOpened)
                .onMessage(LogOpenFailed.class, this::onLogOpenFailed)
                // A write round or tick that failed before the partition went offline: nothing more to do.
                .onMessage(StorageFailed.class, failed -> this)
                .onMessage(Append.class, append -> {
                    append.fail(refusal);
                    return this;
                })
                .onMessage(DeleteRecords.class, delete -> {
                    delete.fail(refusal);
                    return this;
                })
                // A compaction swapped in just before: reads go to the log anyway, or will.
                .onMessage(PartitionActor.Compacted.class, compacted -> this)
                .onMessage(PartitionActor.Compact.class, compact -> {
                    compact.fail(refusal);
                    return this;
                })
                .onMessage(PartitionActor.Flush.class, flush -> {
                    flush.fail(refusal);
                    return this;
                })
                .onMessage(Read.class, read -> fromTheLog(read, log -> log.read(read)))
                // Only a read parked on the log can have a wait that ends.
                .onMessage(ReadPath.WaitEnded.class, ended -> {
                    reads.waitEnded(ended);
                    return this;
                })
                .onMessage(GetState.class, get -> fromTheLog(get,
                        log -> get.replyTo().tell(log.state(Availability.OFFLINE))))
                .onMessage(FindOffsetForTimestamp.class, find -> fromTheLog(find, log -> log.find(find)))
                .onMessage(PartitionActor.FindEpochEnd.class, find -> fromTheLog(find, log -> log.find(find)))
                .onMessage(Scrub.class, scrub -> fromTheLog(scrub, log -> log.scrub(scrub)))
                // The producer state is restored with the reopened log; until then there is none.
                .onMessage(GetProducers.class, get -> {
                    get.fail(refusal);
                    return this;
                })
                // Only a log that was open reports damage.
                .onMessage(DamageFound.class, found -> {
                    reads.damageFound(found.damage());
                    return this;
                })
                .onMessage(PartitionActor.Reconfigure.class, reconfigure -> {
                    wiring.reconfigure(reconfigure);
                    return this;
                })
                .onMessage(Stop.class, this::onStop)
                .onSignal(Terminated.class, writerGone -> onWriterGone())
                .onSignal(PostStop.class, stopped -> {
                    answerInDoubtAtStop();
                    if (reads != null) {
                        reads.clear();
                    }
                    return this;
                })
                .build();
    }

    /** Served by the committed records if the log was open; refused with the reason if it never was. */
    private Behavior<Command> fromTheLog(Request request, Consumer<ReadPath> serve) {
        if (reads != null) {
            serve.accept(reads);
        } else {
            request.fail(refusal);
        }
        return this;
    }

    private Behavior<Command> onRetry() {
        if (!forGood && !attemptInFlight) {
            attemptInFlight = true;
            wiring.writer().tell(reads == null ? new LogWriter.RetryOpen()
                    : new LogWriter.Reopen(reads.highWatermark()));
        }
        return this;
    }

    private Behavior<Command> onLogOpened(LogOpened opened) {
        if (reads == null) {
            wiring.context().getLog().info("Partition {} is online again: its log was opened at offset {}", wiring.id(),
                    opened.log().logEndOffset());
            return PartitionActor.online(wiring, new ReadPath(wiring, opened.log()), opened.producers());
        }
        reads.reopened(opened.log());
        inDoubt.notAppended("partition " + wiring.id() + " could not store these records (" + failure
                + "): they were not appended, its log was cut back to offset " + reads.logEndOffset());
        wiring.context().getLog().info("Partition {} is online again: its log was reopened at offset {}", wiring.id(),
                reads.logEndOffset());
        return PartitionActor.online(wiring, reads, opened.producers());
    }

    private Behavior<Command> onLogOpenFailed(LogOpenFailed failed) {
        attemptInFlight = false;
        if (inDoubt.size() > 0) {
            wiring.context().getLog().warn("Partition {} could not cut its log back after a storage error ({}): {}"
                    + " appends written before it are answered that their outcome is unknown", wiring.id(),
                    failed.cause().toString(), inDoubt.size());
            inDoubt.outcomeUnknown("partition " + wiring.id() + " could not store these records (" + failure
                    + ") nor cut its log back below them (" + failed.cause().getMessage() + "): they may or may not"
                    + " be appended");
        }
        if (failed.cause() instanceof CorruptLogException) {
            wiring.context().getLog().error("Partition {} stays offline: its {}, and will not be opened again: {}",
                    wiring.id(),
                    reads == null ? "log is corrupt" : "reopened log is corrupt or lacks committed records",
                    failed.cause().toString());
            return giveUp(failed.cause());
        }
        wiring.context().getLog().debug("Partition {} could not open its log yet: {}", wiring.id(),
                failed.cause().toString());
        return retryLater();
    }

    private Behavior<Command> onStop(Stop stop) {
        answerInDoubtAtStop();
        if (reads == null) {
            stop.replyTo().tell(Done.getInstance());
            return Behaviors.stopped();
        }
        return Closing.start(wiring, reads, null, Availability.OFFLINE, stop);
    }

    private Behavior<Command> onWriterGone() {
        if (reads == null) {
            if (forGood) {
                return this;
            }
            wiring.context().getLog().error("Partition {} is offline: its writer stopped while opening the log",
                    wiring.id());
            return giveUp(new IOException("the log writer stopped while opening"));
        }
        wiring.context().getLog().error("Writer of partition {} stopped unexpectedly; the partition stops",
                wiring.id());
        answerInDoubtAtStop();
        reads.clear();
        return Behaviors.stopped();
    }

    private void answerInDoubtAtStop() {
        if (inDoubt.size() > 0) {
            wiring.context().getLog().warn("Partition {} stops before it could cut its log back after a storage"
                    + " error: {} appends written before it are answered that their outcome is unknown", wiring.id(),
                    inDoubt.size());
            inDoubt.outcomeUnknown("partition " + wiring.id() + " could not store these records (" + failure
                    + ") and stopped before it cut its log back below them: they may or may not be appended");
        }
    }

    private Offline retryLater() {
        wiring.timers().startSingleTimer(Retry.TICK, Retry.TICK, wiring.settings().storageRetryInterval());
        return this;
    }

    /** Offline for good: no more attempts; requests are refused with {@code cause}. */
    private Offline giveUp(Throwable cause) {
        forGood = true;
        wiring.timers().cancel(Retry.TICK);
        refusal = new Refusal(wiring.id(), reads == null ? Availability.NO_LOG : Availability.OFFLINE, reads == null
                ? "partition " + wiring.id() + " is offline: " + cause
                : "partition " + wiring.id() + " is offline for good: " + cause.getMessage());
        return this;
    }
}
