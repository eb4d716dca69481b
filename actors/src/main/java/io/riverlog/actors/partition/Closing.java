package io.riverlog.actors.partition;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

import io.riverlog.actors.partition.PartitionActor.Append;
import io.riverlog.actors.partition.PartitionActor.AppendError;
import io.riverlog.actors.partition.PartitionActor.AppendFailed;
import io.riverlog.actors.partition.PartitionActor.Availability;
import io.riverlog.actors.partition.PartitionActor.Command;
import io.riverlog.actors.partition.PartitionActor.DamageFound;
import io.riverlog.actors.partition.PartitionActor.DeleteRecords;
import io.riverlog.actors.partition.PartitionActor.DeleteRecordsError;
import io.riverlog.actors.partition.PartitionActor.DeleteRecordsFailed;
import io.riverlog.actors.partition.PartitionActor.FindOffsetForTimestamp;
import io.riverlog.actors.partition.PartitionActor.GetProducers;
import io.riverlog.actors.partition.PartitionActor.GetState;
import io.riverlog.actors.partition.PartitionActor.LogOpened;
import io.riverlog.actors.partition.PartitionActor.Producers;
import io.riverlog.actors.partition.PartitionActor.Read;
import io.riverlog.actors.partition.PartitionActor.Refusal;
import io.riverlog.actors.partition.PartitionActor.RoundWritten;
import io.riverlog.actors.partition.PartitionActor.Scrub;
import io.riverlog.actors.partition.PartitionActor.Scrubbed;
import io.riverlog.actors.partition.PartitionActor.Stop;
import io.riverlog.actors.partition.PartitionActor.StorageFailed;
import io.riverlog.actors.partition.PartitionActor.WriterClosed;

/**
 * A partition with an open log that was asked to stop. It writes and fsyncs what it accepted (the
 * round in flight and the appends waiting for the next), then has its writer close the log cleanly,
 * then stops and answers every {@link Stop}. Meanwhile appends and deletions of records are refused
 * (the client may retry), committed records are served, reads that would wait for more are answered
 * at once with nothing, and scrubs check nothing.
 */
final class Closing extends AbstractBehavior<Command> {

    private final PartitionWiring wiring;
    private final ReadPath reads;
    /** Null when nothing is being written (the partition was offline). */
    private final AppendQueue appends;
    private final Availability availability;
    private final List<ActorRef<Done>> stopRequests = new ArrayList<>();
    private boolean writeFailed;
    private boolean closeSent;

    /**
     * Starts closing: waiting reads are answered, timers cancelled; the log is closed once nothing
     * is being written.
     */
    static Behavior<Command> start(PartitionWiring wiring, ReadPath reads, AppendQueue appends,
                                   Availability availability, Stop stop) {
        reads.stop();
        wiring.timers().cancelAll();
        Closing closing = new Closing(wiring, reads, appends, availability);
        closing.stopRequests.add(stop.replyTo());
        return closing.closeIfIdle();
    }

    private Closing(PartitionWiring wiring, ReadPath reads, AppendQueue appends, Availability availability) {
        super(wiring.context());
        this.wiring = wiring;
        this.reads = reads;
        this.appends = appends;
        this.availability = availability;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Stop.class, stop -> {
                    stopRequests.add(stop.replyTo());
                    return this;
                })
                .onMessage(Append.class, append -> {
                    append.replyTo().tell(new AppendFailed(AppendError.NOT_AVAILABLE,
                            "partition " + wiring.id() + " is stopping"));
                    return this;
                })
                .onMessage(DeleteRecords.class, delete -> {
                    delete.replyTo().tell(new DeleteRecordsFailed(DeleteRecordsError.NOT_AVAILABLE,
                            "partition " + wiring.id() + " is stopping"));
                    return this;
                })
                .onMessage(RoundWritten.class, written -> {
                    if (appends != null) {
                        appends.roundWritten(written.committedEndOffset());
                    }
                    return closeIfIdle();
                })
                .onMessage(StorageFailed.class, this::onStorageFailed)
                // A reopen asked for before the stop succeeded: reads go to the reopened log until it closes.
                .onMessage(LogOpened.class, opened -> {
                    reads.reopened(opened.log());
                    return this;
                })
                .onMessage(Read.class, read -> {
                    reads.read(read);
                    return this;
                })
                .onMessage(GetState.class, get -> {
                    get.replyTo().tell(reads.state(availability));
                    return this;
                })
                .onMessage(FindOffsetForTimestamp.class, find -> {
                    reads.find(find);
                    return this;
                })
                .onMessage(PartitionActor.FindEpochEnd.class, find -> {
                    reads.find(find);
                    return this;
                })
                .onMessage(Scrub.class, scrub -> {
                    scrub.replyTo().tell(new Scrubbed(wiring.id(), 0, false));
                    return this;
                })
                // A compaction swapped in just before: reads go to the log anyway, or will.
                .onMessage(PartitionActor.Compacted.class, compacted -> this)
                .onMessage(PartitionActor.Compact.class, compact -> {
                    compact.replyTo().tell(new LogCleaner.NothingToCompact(wiring.id()));
                    return this;
                })
                // The close fsyncs everything, but no snapshot may count on a partition that stops.
                .onMessage(PartitionActor.Flush.class, flush -> {
                    flush.replyTo().tell(new PartitionActor.FlushFailed("partition " + wiring.id() + " is stopping"));
                    return this;
                })
                .onMessage(GetProducers.class, this::onGetProducers)
                .onMessage(DamageFound.class, found -> {
                    reads.damageFound(found.damage());
                    return this;
                })
                // The writer is closing the log: new settings would apply to nothing.
                .onMessage(PartitionActor.Reconfigure.class, reconfigure -> this)
                .onMessage(WriterClosed.class, closed -> stopped())
                .onSignal(Terminated.class, writerGone -> {
                    wiring.context().getLog().error("Writer of partition {} stopped unexpectedly while closing the log",
                            wiring.id());
                    return stopped();
                })
                .onSignal(PostStop.class, stopped -> {
                    reads.clear();
                    return this;
                })
                .build();
    }

    /** Answered while the producer state is there: it was not, if the partition was offline. */
    private Behavior<Command> onGetProducers(GetProducers get) {
        if (appends != null) {
            get.replyTo().tell(new Producers(appends.activeProducers(), Optional.empty()));
        } else {
            get.fail(new Refusal(wiring.id(), availability, "partition " + wiring.id() + " is stopping"));
        }
        return this;
    }

    /**
     * A round written while stopping failed. The log is closed as it is (not cut back): appends
     * written before the failure may be there at the next start, so their outcome is unknown.
     */
    private Behavior<Command> onStorageFailed(StorageFailed failed) {
        if (appends != null && !writeFailed) {
            writeFailed = true;
            wiring.context().getLog().error("Partition {} could not write what it accepted before stopping; the next"
                    + " start recovers its log from the last fsync: {}", wiring.id(), failed.cause().toString());
            String message = "partition " + wiring.id() + " is offline after a storage error: "
                    + failed.cause().getMessage();
            appends.storageFailed(message).outcomeUnknown(message + "; it stopped before it cut its log back below"
                    + " these records: they may or may not be appended");
            reads.forgetUncommitted();
        }
        return closeIfIdle();
    }

    private Behavior<Command> closeIfIdle() {
        if (!closeSent && (appends == null || appends.idle())) {
            closeSent = true;
            wiring.writer().tell(new LogWriter.Close());
        }
        return this;
    }

    private Behavior<Command> stopped() {
        reads.clear();
        wiring.context().unwatch(wiring.writer());
        stopRequests.forEach(replyTo -> replyTo.tell(Done.getInstance()));
        return Behaviors.stopped();
    }
}
