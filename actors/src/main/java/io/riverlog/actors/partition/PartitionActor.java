package io.riverlog.actors.partition;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.Damage;
import io.riverlog.wal.LogConfig;
import io.riverlog.wal.LogSlice;
import io.riverlog.wal.PartitionLog;
import io.riverlog.wal.Storage;
import io.riverlog.wal.TimestampOffset;
import io.riverlog.wal.ValidBatches;

/**
 * Owns one partition: assigns offsets, keeps the tail buffer and the high watermark, which moves
 * only over what its {@link LogWriter} reports committed (fsynced, under the default policy). It
 * answers producers once their batches are committed and parks readers at the high watermark until
 * data arrives or their wait ends. It never blocks and never touches a file: writes go to the
 * LogWriter, reads below the buffer run on the blocking-IO dispatcher.
 *
 * <p>Its behaviours: {@link Opening} (requests wait in a stash while the writer opens and recovers
 * the log), online (this class: a table over its {@link ReadPath} and its {@link AppendQueue}),
 * {@link Offline} (the storage failed, or the log could not be opened: retrying, or for good) and
 * {@link Closing} (asked to stop). In every one of them each request is answered: served, or failed
 * with the reason ({@link Request#fail}).
 *
 * <p>Storage failures: a failed write or fsync makes the partition offline. The batches past the
 * high watermark are forgotten (buffer, log end); committed records stay readable; every append
 * that arrives while it is offline fails at once with a storage error. Every
 * {@code storage-retry-interval} it asks the writer to reopen the log, which cuts it back to exactly
 * the high watermark and makes the cut durable; with the reopened log and the producer state restored
 * from it, the partition is online again. A failure answer means "not appended": appends that had
 * not reached the writer fail at once, but those it had written may be in the file (the write
 * reached the page cache, the fsync failed) and would come back after a crash, so they are answered
 * only after the reopen: a storage error once the log was cut back below them, or
 * {@link AppendError#OUTCOME_UNKNOWN} if the reopen fails or the partition stops first. A reopened
 * log that lacks committed records (or is corrupt) keeps the partition offline for good. A log that
 * cannot be opened at start is tried again the same way, unless it is corrupt.
 *
 * <p>Damage: a batch of the log that fails its checks (see {@link Damage}) is never served. A read of
 * its offsets is answered {@link DamagedData}; the partition's other offsets are served, and it
 * goes on taking appends. Damage is listed in its {@link PartitionState} and counted in its metrics.
 * The broker's {@link Scrubber} has it verify its log ahead of readers ({@link Scrub}).
 *
 * <p>Deleting records ({@link DeleteRecords}): while online, the partition checks the offset against
 * its high watermark and hands the move of the log start to its writer, which stores it durably and
 * answers; reads below it are out of range from then on ({@link RecordDeletion}). Offline or closing,
 * it refuses.
 */
public final class PartitionActor extends AbstractBehavior<PartitionActor.Command> {

    public interface Command {
    }

    // ---------------------------------------------------------------- protocol

    /**
     * A request the partition answers. Each one can be answered with nothing but a {@link Refusal},
     * which is how a partition answers what it cannot serve: while it opens with a full stash, or
     * while it is offline without a log.
     */
    public sealed interface Request extends Command
            permits Append, Read, GetState, FindOffsetForTimestamp, FindEpochEnd, Scrub, DeleteRecords, GetProducers,
            Compact, Flush {
        /** Answers this request with nothing but {@code refusal}. */
        void fail(Refusal refusal);
    }

    /** Whether a partition serves, and how much it knows of its offsets. */
    public enum Availability {
        /** It takes appends and serves reads. */
        ONLINE,
        /**
         * Its storage failed: appends are refused until its log is reopened; its committed records
         * stay readable, and its offsets are theirs.
         */
        OFFLINE,
        /** Its log is still being opened (recovered): nothing is known of its offsets yet; try again. */
        OPENING,
        /** Its log could not be opened: appends and reads are refused, nothing is known of its offsets. */
        NO_LOG
    }

    /** Why a partition answers a request with nothing but an error. */
    public record Refusal(PartitionId partition, Availability availability, String message) {
    }

    /**
     * Appends validated batches; the reply comes once they are committed (or failed).
     * {@code appendTimeMs} is the time the topic's rules judge them by (timestamp bounds,
     * LogAppendTime): {@link #NOW} for the broker's clock; a replicated partition's entries carry their
     * leader's time, so that every replica decides the same. {@code leaderEpoch} is written into each
     * batch: {@link BatchFormat#LEADER_EPOCH} on a single node, the Raft term of the entry in a cluster.
     */
    public record Append(ValidBatches batches, long appendTimeMs, int leaderEpoch, ActorRef<AppendReply> replyTo)
            implements Request {
        /** Judge the batches by the broker's clock when they are appended. */
        public static final long NOW = -1;

        public Append(ValidBatches batches, ActorRef<AppendReply> replyTo) {
            this(batches, NOW, BatchFormat.LEADER_EPOCH, replyTo);
        }

        @Override
        public void fail(Refusal refusal) {
            AppendError error = refusal.availability() == Availability.OPENING ? AppendError.NOT_AVAILABLE
                    : AppendError.STORAGE_ERROR;
            replyTo.tell(new AppendFailed(error, refusal.message()));
        }
    }

    public sealed interface AppendReply {
    }

    /** The batches were committed at offsets {@code [baseOffset, lastOffset]}. */
    /** {@code logAppendTimeMs} is the time the batches were stamped with under LogAppendTime, else -1. */
    public record Appended(long baseOffset, long lastOffset, long logStartOffset, long logAppendTimeMs)
            implements AppendReply {
    }

    public enum AppendError {
        /**
         * The partition's storage failed and the batches were not appended: they were never written,
         * or the log was cut back below them and made durable so. Nothing more is accepted until the
         * log is reopened; the client may retry.
         */
        STORAGE_ERROR,
        /**
         * The batches were written, but the storage failed before they were durable, and the log
         * could not be cut back below them (the storage still failed, or the partition stopped first):
         * they may or may not be in the log, now or after a restart. The client may retry; a retry of
         * an idempotent producer's batch that did get in is answered as a duplicate.
         */
        OUTCOME_UNKNOWN,
        /** The partition is opening or stopping; the client may retry. */
        NOT_AVAILABLE,
        /** An idempotent producer's batch does not continue its sequence. */
        OUT_OF_ORDER_SEQUENCE,
        /** An idempotent producer's epoch is older than the partition has seen: it was fenced. */
        INVALID_PRODUCER_EPOCH,
        /** The request breaks a rule of the protocol, such as several batches from an idempotent producer. */
        INVALID_RECORD,
        /** The batches are larger than the topic's max.message.bytes. */
        MESSAGE_TOO_LARGE,
        /** A record's timestamp is further from the broker's clock than the topic's bounds allow. */
        INVALID_TIMESTAMP
    }

    public record AppendFailed(AppendError error, String message) implements AppendReply {
    }

    /**
     * Reads whole batches from the one holding {@code offset}, at most about {@code maxBytes} (at
     * least one batch). An {@code offset} at the high watermark, or past it up to the log end
     * (appended, not yet committed), waits up to {@code maxWait} for it to be committed; a wait that
     * ends with nothing new is answered with empty {@link Records}.
     *
     * @param byReference true for a reader that only passes the batches on (a Kafka fetch): it is
     *                    answered with the tail buffer's own buffers ({@link BufferedBatches}) or a
     *                    region of a segment file ({@link LogRegion}) instead of a copy
     *                    ({@link Records}), so that nothing is copied on the way to the socket
     */
    public record Read(long offset, int maxBytes, Duration maxWait, boolean byReference, ActorRef<ReadReply> replyTo)
            implements Request {
        /** A read answered with the bytes copied into one buffer. */
        public Read(long offset, int maxBytes, Duration maxWait, ActorRef<ReadReply> replyTo) {
            this(offset, maxBytes, maxWait, false, replyTo);
        }

        @Override
        public void fail(Refusal refusal) {
            replyTo.tell(new ReadFailed(refusal.message()));
        }
    }

    public sealed interface ReadReply {
    }

    /**
     * Batches read (an empty buffer if the wait ended with nothing new), and where the next read
     * continues.
     */
    public record Records(ByteBuffer batches, long nextOffset, long highWatermark, long logStartOffset)
            implements ReadReply {
        public boolean isEmpty() {
            return !batches.hasRemaining();
        }
    }

    /**
     * Batches of the tail buffer for a read by reference, shared rather than copied (never empty).
     *
     * @param firstOffset base offset of the first batch (may be below the offset that was asked for)
     */
    public record BufferedBatches(List<ByteBuffer> batches, long firstOffset, long nextOffset, long highWatermark,
                                  long logStartOffset) implements ReadReply {
        public int sizeInBytes() {
            int size = 0;
            for (ByteBuffer batch : batches) {
                size += batch.remaining();
            }
            return size;
        }
    }

    /** A region of a segment file for a read by reference, to be sent from the file (never empty). */
    public record LogRegion(LogSlice slice, long highWatermark, long logStartOffset) implements ReadReply {
    }

    public record OutOfRange(long offset, long logStartOffset, long highWatermark) implements ReadReply {
    }

    /**
     * The read reached a batch that fails its checks (see {@link Damage}): its offsets are never
     * served, the offsets around it are. A read that starts before the damage is answered with the
     * batches before it instead; this answer means that the offset asked for is in the damage.
     */
    public record DamagedData(Damage damage, long highWatermark, long logStartOffset) implements ReadReply {
    }

    public record ReadFailed(String message) implements ReadReply {
    }

    /** The partition's offsets and health. */
    public record GetState(ActorRef<PartitionState> replyTo) implements Request {
        /** Answers the availability of the refusal, with no offsets. */
        @Override
        public void fail(Refusal refusal) {
            replyTo.tell(PartitionState.withoutOffsets(refusal.partition(),
                    refusal.availability() == Availability.OPENING ? Availability.OPENING : Availability.NO_LOG));
        }
    }

    /**
     * The partition's offsets, size and availability, and the damage known in its log (found since
     * the log was opened: by recovery, by a read or by the scrub; oldest segment first), whose offsets
     * are refused to readers. The offsets are its own only if {@link #offsetsKnown()}; otherwise they
     * are zero and no damage is known.
     */
    public record PartitionState(PartitionId id, long logStartOffset, long highWatermark, long logEndOffset,
                                 long sizeInBytes, long bufferMinOffset, Availability availability,
                                 List<Damage> damage) {

        public PartitionState {
            damage = List.copyOf(damage);
        }

        /** A partition with no damage known. */
        public PartitionState(PartitionId id, long logStartOffset, long highWatermark, long logEndOffset,
                              long sizeInBytes, long bufferMinOffset, Availability availability) {
            this(id, logStartOffset, highWatermark, logEndOffset, sizeInBytes, bufferMinOffset, availability,
                    List.of());
        }

        static PartitionState withoutOffsets(PartitionId id, Availability availability) {
            return new PartitionState(id, 0, 0, 0, 0, 0, availability);
        }

        /** True unless it takes appends and serves reads: offline, or still opening. */
        public boolean offline() {
            return availability != Availability.ONLINE;
        }

        /** True if the offsets are the partition's: online, or offline with its committed records readable. */
        public boolean offsetsKnown() {
            return availability == Availability.ONLINE || availability == Availability.OFFLINE;
        }
    }

    /**
     * The first committed record at or after a timestamp (empty if none is that new); with
     * {@link #LARGEST}, the first record with the largest timestamp among the committed records
     * (appends past the high watermark do not count, whatever their timestamps).
     */
    public record FindOffsetForTimestamp(long timestampMs, ActorRef<OffsetForTimestamp> replyTo) implements Request {
        /** Asks for the record with the largest timestamp (Kafka's ListOffsets -3). */
        public static final long LARGEST = -3;

        @Override
        public void fail(Refusal refusal) {
            replyTo.tell(OffsetForTimestamp.refused(refusal));
        }
    }

    /** Asks where leader epoch {@code epoch} ends among the committed batches (OffsetsForLeaderEpoch). */
    public record FindEpochEnd(int epoch, ActorRef<EpochEndFound> replyTo) implements Request {
        @Override
        public void fail(Refusal refusal) {
            replyTo.tell(EpochEndFound.refused(refusal));
        }
    }

    /** Where the epoch ends, if a batch of it or an earlier one is left; or, if the partition could not look, why. */
    public record EpochEndFound(Optional<PartitionLog.EpochEnd> found, Optional<Refusal> refused) {
        public EpochEndFound(Optional<PartitionLog.EpochEnd> found) {
            this(found, Optional.empty());
        }

        static EpochEndFound refused(Refusal refusal) {
            return new EpochEndFound(Optional.empty(), Optional.of(refusal));
        }
    }

    /** The record found, if any; or, if the partition could not look, why not. */
    public record OffsetForTimestamp(Optional<TimestampOffset> found, Optional<Refusal> refused) {
        public OffsetForTimestamp(Optional<TimestampOffset> found) {
            this(found, Optional.empty());
        }

        static OffsetForTimestamp refused(Refusal refusal) {
            return new OffsetForTimestamp(Optional.empty(), Optional.of(refusal));
        }
    }

    /**
     * The idempotent producers the partition remembers (its producer state, appends not committed
     * yet included), as an immutable snapshot. Only a partition that takes appends has them: one that
     * is offline or stopping without its producer state refuses.
     */
    public record GetProducers(ActorRef<Producers> replyTo) implements Request {
        @Override
        public void fail(Refusal refusal) {
            replyTo.tell(new Producers(List.of(), Optional.of(refusal)));
        }
    }

    /** The producers remembered, by producer id; or, if the partition could not tell, why not. */
    public record Producers(List<ActiveProducer> active, Optional<Refusal> refused) {
        public Producers {
            active = List.copyOf(active);
        }
    }

    /**
     * Verifies about {@code maxBytes} of the oldest bytes of the log not verified since it was opened
     * (whole batches, on the blocking-IO dispatcher, never on the partition's thread), for the
     * {@link Scrubber}. Damage found is recorded and counted as a read would find it.
     */
    public record Scrub(long maxBytes, ActorRef<Scrubbed> replyTo) implements Request {
        /** Nothing scrubbed, and not verified: asked again on a later turn. */
        @Override
        public void fail(Refusal refusal) {
            replyTo.tell(new Scrubbed(refusal.partition(), 0, false));
        }
    }

    /**
     * Bytes a {@link Scrub} checked; {@code fullyVerified} once every byte of the log was verified
     * since it was opened (or is known damaged): appends are verified as they arrive, so it stays so.
     */
    public record Scrubbed(PartitionId partition, long bytesChecked, boolean fullyVerified) {
    }

    /**
     * Asks the partition whether its log needs compaction now, for the {@link LogCleaner}: its writer
     * answers with a plan, or that there is nothing to compact. A partition that is not online has
     * nothing to compact.
     */
    public record Compact(ActorRef<LogCleaner.Turn> replyTo) implements Request {
        @Override
        public void fail(Refusal refusal) {
            replyTo.tell(new LogCleaner.NothingToCompact(refusal.partition()));
        }
    }

    /**
     * New settings from the topic's configs, applied without a restart: the append rules from the
     * next append on, the log settings as {@link io.riverlog.wal.PartitionLog#reconfigure} says.
     */
    public record Reconfigure(LogConfig log, AppendPolicy appends) implements Command {
    }

    /**
     * Deletes the records below {@code offset} (Kafka's DeleteRecords): the log start offset moves up
     * to it, durably, before the answer. {@link #HIGH_WATERMARK} deletes every committed record; an
     * offset past the high watermark is out of range; one at or below the log start changes nothing.
     */
    public record DeleteRecords(long offset, ActorRef<DeleteRecordsReply> replyTo) implements Request {
        /** Deletes up to the high watermark (Kafka's -1). */
        public static final long HIGH_WATERMARK = -1;

        @Override
        public void fail(Refusal refusal) {
            DeleteRecordsError error = refusal.availability() == Availability.OPENING
                    ? DeleteRecordsError.NOT_AVAILABLE : DeleteRecordsError.STORAGE_ERROR;
            replyTo.tell(new DeleteRecordsFailed(error, refusal.message()));
        }
    }

    public sealed interface DeleteRecordsReply {
    }

    /** The log start offset is now {@code logStartOffset}, durably; the records below it are gone. */
    public record LogStartMoved(long logStartOffset) implements DeleteRecordsReply {
    }

    public enum DeleteRecordsError {
        /** The offset is past the high watermark (or negative, and not {@link DeleteRecords#HIGH_WATERMARK}). */
        OFFSET_OUT_OF_RANGE,
        /** The storage failed before the new log start offset was stored: the log start did not move. */
        STORAGE_ERROR,
        /**
         * The storage failed while the new log start offset was being stored: it may or may not have
         * moved, now or after a restart. The partition is offline until its log is reopened.
         */
        OUTCOME_UNKNOWN,
        /** The partition is opening or stopping; the client may retry. */
        NOT_AVAILABLE
    }

    public record DeleteRecordsFailed(DeleteRecordsError error, String message) implements DeleteRecordsReply {
    }

    /**
     * Makes every append answered so far durable (fsyncs the log), whatever the fsync policy, and
     * answers with the offset the log is durable up to. A replica's partition, whose appends its
     * group's Raft log already holds durably, writes without fsyncing: its group asks this before a
     * snapshot lets the Raft log be purged. A partition that is not online refuses.
     */
    public record Flush(ActorRef<FlushReply> replyTo) implements Request {
        @Override
        public void fail(Refusal refusal) {
            replyTo.tell(new FlushFailed(refusal.message()));
        }
    }

    public sealed interface FlushReply {
    }

    /** Everything the log held when the flush began is durable: it is durable up to {@code durableEndOffset}. */
    public record Flushed(long durableEndOffset) implements FlushReply {
    }

    /** The log could not be made durable: it is offline, or the fsync failed (and took it offline). */
    public record FlushFailed(String message) implements FlushReply {
    }

    /** Writes and fsyncs everything accepted, closes the log cleanly, then stops. */
    public record Stop(ActorRef<Done> replyTo) implements Command {
    }

    // ---------------------------------------------------------------- from the LogWriter

    /** The log was opened, at start or again after a storage failure, and the producer state restored from it. */
    record LogOpened(PartitionLog log, ProducerStateTable producers) implements Command {
    }

    /** Opening the log, at start or again after a storage failure, failed. */
    record LogOpenFailed(Throwable cause) implements Command {
    }

    record RoundWritten(long committedEndOffset) implements Command {
    }

    record StorageFailed(IOException cause) implements Command {
    }

    record WriterClosed() implements Command {
    }

    // ---------------------------------------------------------------- from the log, on any thread

    /** The log found damage after it was opened, by a read or a scrub. */
    /** The writer swapped in a compaction of the log below {@code offset}. */
    record Compacted(long offset) implements Command {
    }

    record DamageFound(Damage damage) implements Command {
    }

    // ---------------------------------------------------------------- creation

    public static Behavior<Command> create(PartitionId id, Path dir, PartitionSettings settings,
                                           Storage storage, PartitionMetrics metrics) {
        return create(id, dir, settings, storage, metrics, LogOpener.AS_IT_IS);
    }

    /** As {@link #create(PartitionId, Path, PartitionSettings, Storage, PartitionMetrics)}, opening its log so. */
    public static Behavior<Command> create(PartitionId id, Path dir, PartitionSettings settings,
                                           Storage storage, PartitionMetrics metrics, LogOpener opener) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> Behaviors.withStash(
                settings.pendingWhileOpening(), stash -> {
                    // One logger for all its behaviours: operators look for the partition, not the state it was in.
                    context.setLoggerName(PartitionActor.class);
                    ActorRef<LogWriter.Command> writer = context.spawn(
                            LogWriter.create(context.getSelf(), id, dir, settings, storage, metrics, opener), "writer",
                            DispatcherSelector.fromConfig(LogWriter.DISPATCHER));
                    context.watch(writer);
                    Executor blockingIo = context.getSystem().dispatchers()
                            .lookup(DispatcherSelector.fromConfig(LogWriter.DISPATCHER));
                    PartitionWiring wiring = new PartitionWiring(context, timers, id, settings, metrics, writer,
                            blockingIo);
                    return Opening.start(wiring, stash);
                })));
    }

    // ---------------------------------------------------------------- online

    private final PartitionWiring wiring;
    private final ReadPath reads;
    private final AppendQueue appends;

    /** A partition whose log is open and takes appends; the producer state is the one restored from the log. */
    static Behavior<Command> online(PartitionWiring wiring, ReadPath reads, ProducerStateTable producers) {
        return new PartitionActor(wiring, reads, new AppendQueue(wiring, reads, producers));
    }

    private PartitionActor(PartitionWiring wiring, ReadPath reads, AppendQueue appends) {
        super(wiring.context());
        this.wiring = wiring;
        this.reads = reads;
        this.appends = appends;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Append.class, append -> {
                    appends.append(append);
                    return this;
                })
                .onMessage(RoundWritten.class, written -> {
                    appends.roundWritten(written.committedEndOffset());
                    return this;
                })
                .onMessage(StorageFailed.class, this::onStorageFailed)
                .onMessage(Read.class, read -> {
                    reads.read(read);
                    return this;
                })
                .onMessage(ReadPath.WaitEnded.class, ended -> {
                    reads.waitEnded(ended);
                    return this;
                })
                .onMessage(GetState.class, get -> {
                    get.replyTo().tell(reads.state(Availability.ONLINE));
                    return this;
                })
                .onMessage(FindOffsetForTimestamp.class, find -> {
                    reads.find(find);
                    return this;
                })
                .onMessage(FindEpochEnd.class, find -> {
                    reads.find(find);
                    return this;
                })
                .onMessage(Scrub.class, scrub -> {
                    reads.scrub(scrub);
                    return this;
                })
                .onMessage(DeleteRecords.class, delete -> {
                    RecordDeletion.start(delete, reads, wiring);
                    return this;
                })
                .onMessage(GetProducers.class, get -> {
                    get.replyTo().tell(new Producers(appends.activeProducers(), Optional.empty()));
                    return this;
                })
                .onMessage(Compact.class, compact -> {
                    wiring.writer().tell(new LogWriter.PlanCompaction(wiring.id(), compact.replyTo()));
                    return this;
                })
                .onMessage(Flush.class, flush -> {
                    // Behind every round sent so far: the writer fsyncs after writing them.
                    wiring.writer().tell(new LogWriter.Flush(flush.replyTo()));
                    return this;
                })
                .onMessage(DamageFound.class, found -> {
                    reads.damageFound(found.damage());
                    return this;
                })
                .onMessage(Compacted.class, compacted -> {
                    reads.compactedBelow(compacted.offset());
                    return this;
                })
                .onMessage(Reconfigure.class, reconfigure -> {
                    wiring.reconfigure(reconfigure);
                    return this;
                })
                .onMessage(Stop.class, stop -> Closing.start(wiring, reads, appends, Availability.ONLINE, stop))
                .onSignal(PostStop.class, stopped -> {
                    reads.clear();
                    return this;
                })
                .onSignal(Terminated.class, writerGone -> writerDied())
                .build();
    }

    private Behavior<Command> onStorageFailed(StorageFailed failed) {
        AppendQueue.InDoubt inDoubt = appends.storageFailed("partition " + wiring.id()
                + " is offline after a storage error: " + failed.cause().getMessage());
        return Offline.afterStorageFailure(wiring, reads, failed.cause(), inDoubt);
    }

    private Behavior<Command> writerDied() {
        getContext().getLog().error("Writer of partition {} stopped unexpectedly; the partition stops", wiring.id());
        String message = "the log writer of partition " + wiring.id() + " stopped";
        appends.storageFailed(message).outcomeUnknown(message + " while these records were being written: they may"
                + " or may not be appended");
        reads.clear();
        return Behaviors.stopped();
    }
}
