package io.riverlog.actors.partition;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.BatchInfo;
import io.riverlog.wal.ChannelFactory;
import io.riverlog.wal.CorruptLogException;
import io.riverlog.wal.LogSlice;
import io.riverlog.wal.OffsetOutOfRangeException;
import io.riverlog.wal.PartitionLog;
import io.riverlog.wal.TimestampOffset;
import io.riverlog.wal.ValidBatches;

/**
 * Owns one partition: assigns offsets, keeps the tail buffer and its minimum offset, and the high
 * watermark, which moves only over what its {@link LogWriter} reports committed (fsynced, under
 * the default policy). It answers producers once their batches are committed and parks readers at
 * the high watermark until data arrives or their wait ends. It never blocks and never touches a
 * file: writes go to the LogWriter, reads below the buffer run on the blocking-IO dispatcher.
 *
 * <p>Storage failures: a failed write or fsync makes the partition offline. Appends that were not
 * committed fail with a storage error, and so does every append until it is online again; the
 * batches past the high watermark are forgotten (buffer, log end); committed records stay readable.
 * Every {@code storage-retry-interval} it asks the writer to reopen the log, which cuts it back to
 * exactly the high watermark; with the reopened log and the producer state rebuilt from it, the
 * partition is online again. A reopened log that lacks committed records (or is corrupt) keeps the
 * partition offline for good. A log that cannot be opened at start is tried again the same way,
 * unless it is corrupt.
 *
 * <p>Reads follow one table: offset below the log start or above the log end: out of range; at
 * the high watermark, or between it and the log end (appended, not yet committed): wait; at or
 * above the buffer's minimum: from the buffer; otherwise: from the log. Nothing at or above the
 * high watermark is ever returned. (As in Kafka: a consumer positioned on an uncommitted offset
 * waits rather than being told it is out of range and resetting.)
 */
public final class PartitionActor extends AbstractBehavior<PartitionActor.Command> {

    public interface Command {
    }

    // ---------------------------------------------------------------- protocol

    /** Appends validated batches; the reply comes once they are committed (or failed). */
    public record Append(ValidBatches batches, ActorRef<AppendReply> replyTo) implements Command {
    }

    public sealed interface AppendReply {
    }

    /** The batches were committed at offsets {@code [baseOffset, lastOffset]}. */
    public record Appended(long baseOffset, long lastOffset, long logStartOffset) implements AppendReply {
    }

    public enum AppendError {
        /** The partition's storage failed; nothing more is accepted until it is reopened. */
        STORAGE_ERROR,
        /** The partition is opening or stopping; the client may retry. */
        NOT_AVAILABLE,
        /** An idempotent producer's batch does not continue its sequence. */
        OUT_OF_ORDER_SEQUENCE,
        /** An idempotent producer's epoch is older than the partition has seen: it was fenced. */
        INVALID_PRODUCER_EPOCH,
        /** The request breaks a rule of the protocol, such as several batches from an idempotent producer. */
        INVALID_RECORD
    }

    public record AppendFailed(AppendError error, String message) implements AppendReply {
    }

    /**
     * Reads whole batches from the one holding {@code offset}, at most about {@code maxBytes} (at
     * least one batch), waiting up to {@code maxWait} if {@code offset} is the high watermark.
     *
     * @param byReference true for a reader that only passes the batches on (a Kafka fetch): it is
     *                    answered with the tail buffer's own buffers ({@link BufferedBatches}) or a
     *                    region of a segment file ({@link LogRegion}) instead of a copy
     *                    ({@link Records}), so that nothing is copied on the way to the socket
     */
    public record Read(long offset, int maxBytes, Duration maxWait, boolean byReference, ActorRef<ReadReply> replyTo)
            implements Command {
        /** A read answered with the bytes copied into one buffer. */
        public Read(long offset, int maxBytes, Duration maxWait, ActorRef<ReadReply> replyTo) {
            this(offset, maxBytes, maxWait, false, replyTo);
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

    public record ReadFailed(String message) implements ReadReply {
    }

    /** The partition's offsets and health. */
    public record GetState(ActorRef<PartitionState> replyTo) implements Command {
    }

    public record PartitionState(PartitionId id, long logStartOffset, long highWatermark, long logEndOffset,
                                 long sizeInBytes, long bufferMinOffset, boolean offline) {
    }

    /**
     * The first committed record at or after a timestamp (empty if none is that new); with
     * {@link #LARGEST}, the first record with the largest timestamp among the committed records
     * (appends past the high watermark do not count, whatever their timestamps).
     */
    public record FindOffsetForTimestamp(long timestampMs, ActorRef<OffsetForTimestamp> replyTo) implements Command {
        /** Asks for the record with the largest timestamp (Kafka's ListOffsets -3). */
        public static final long LARGEST = -3;
    }

    public record OffsetForTimestamp(Optional<TimestampOffset> found) {
    }

    /** Writes and fsyncs everything accepted, closes the log cleanly, then stops. */
    public record Stop(ActorRef<Done> replyTo) implements Command {
    }

    // ---------------------------------------------------------------- from the LogWriter

    record LogOpened(PartitionLog log, ProducerStateTable producers) implements Command {
    }

    record LogOpenFailed(Throwable cause) implements Command {
    }

    record RoundWritten(long committedEndOffset) implements Command {
    }

    record StorageFailed(IOException cause) implements Command {
    }

    record WriterClosed() implements Command {
    }

    record LogReopened(PartitionLog log, ProducerStateTable producers) implements Command {
    }

    record ReopenFailed(Exception cause) implements Command {
    }

    private enum RetryStorage implements Command { TICK }

    private record WaitEnded(long readId) implements Command {
    }

    // ---------------------------------------------------------------- state

    private record PendingAck(long baseOffset, long lastOffset, ActorRef<AppendReply> replyTo) {
    }

    private final PartitionId id;
    private final PartitionSettings settings;
    private final PartitionMetrics metrics;
    private final TimerScheduler<Command> timers;
    private final Executor blockingIo;
    private final ActorRef<LogWriter.Command> writer;
    private PartitionLog log;
    private final TailBuffer buffer;
    private ProducerStateTable producers;
    private final List<LogWriter.PendingWrite> unwritten = new ArrayList<>();
    private final ArrayDeque<PendingAck> uncommitted = new ArrayDeque<>();
    private final Map<Long, Read> parked = new LinkedHashMap<>();
    private long logEndOffset;
    private long highWatermark;
    private boolean roundInFlight;
    private IOException storageFailure;
    private boolean reopenInFlight;
    private Exception lostForGood;
    private final List<ActorRef<Done>> stopRequests = new ArrayList<>();
    private long nextReadId;

    public static Behavior<Command> create(PartitionId id, Path dir, PartitionSettings settings,
                                           ChannelFactory channels, PartitionMetrics metrics) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> Behaviors.withStash(
                settings.pendingWhileOpening(), stash -> {
                    ActorRef<LogWriter.Command> writer = context.spawn(
                            LogWriter.create(context.getSelf(), id, dir, settings, channels, metrics), "writer",
                            DispatcherSelector.fromConfig(LogWriter.DISPATCHER));
                    context.watch(writer);
                    return opening(context, timers, stash, id, settings, metrics, writer);
                })));
    }

    /** Until the writer has opened (and recovered) the log, commands wait in the stash. */
    private static Behavior<Command> opening(ActorContext<Command> context, TimerScheduler<Command> timers,
                                             StashBuffer<Command> stash, PartitionId id, PartitionSettings settings,
                                             PartitionMetrics metrics, ActorRef<LogWriter.Command> writer) {
        return Behaviors.receive(Command.class)
                .onMessage(LogOpened.class, opened -> stash.unstashAll(new PartitionActor(context, timers, id,
                        settings, metrics, writer, opened.log(), opened.producers())))
                .onMessage(LogOpenFailed.class, failed -> {
                    boolean corrupt = failed.cause() instanceof CorruptLogException;
                    context.getLog().error("Partition {} is offline: its log could not be opened{}: {}", id,
                            corrupt ? "" : " (tried again every " + settings.storageRetryInterval().toMillis() + " ms)",
                            failed.cause().toString());
                    return stash.unstashAll(corrupt ? unavailable(id, failed.cause())
                            : waitingForStorage(context, timers, id, settings, metrics, writer, failed.cause()));
                })
                .onSignal(org.apache.pekko.actor.typed.Terminated.class, terminated -> {
                    context.getLog().error("Partition {} is offline: its writer stopped while opening the log", id);
                    return stash.unstashAll(unavailable(id, new IOException("the log writer stopped while opening")));
                })
                .onAnyMessage(message -> {
                    if (stash.isFull()) {
                        rejectWhileUnavailable(message, "partition " + id + " is still opening");
                    } else {
                        stash.stash(message);
                    }
                    return Behaviors.same();
                })
                .build();
    }

    /**
     * A partition whose log could not be opened for a reason that may pass (a full disk, an I/O
     * error): commands fail with the reason, and every {@code storage-retry-interval} the writer
     * tries again; once the log opens, the partition serves.
     */
    private static Behavior<Command> waitingForStorage(ActorContext<Command> context, TimerScheduler<Command> timers,
                                                       PartitionId id, PartitionSettings settings,
                                                       PartitionMetrics metrics, ActorRef<LogWriter.Command> writer,
                                                       Throwable cause) {
        timers.startSingleTimer(RetryStorage.TICK, RetryStorage.TICK, settings.storageRetryInterval());
        String reason = "partition " + id + " is offline: its log could not be opened: " + cause;
        return Behaviors.receive(Command.class)
                .onMessageEquals(RetryStorage.TICK, () -> {
                    writer.tell(new LogWriter.RetryOpen());
                    return Behaviors.same();
                })
                .onMessage(LogOpened.class, opened -> {
                    context.getLog().info("Partition {} is online again: its log was opened at offset {}", id,
                            opened.log().logEndOffset());
                    return new PartitionActor(context, timers, id, settings, metrics, writer, opened.log(),
                            opened.producers());
                })
                .onMessage(LogOpenFailed.class, failed -> {
                    if (failed.cause() instanceof CorruptLogException) {
                        context.getLog().error("Partition {} stays offline: its log is corrupt: {}", id,
                                failed.cause().toString());
                        return unavailable(id, failed.cause());
                    }
                    context.getLog().debug("Partition {} could not open its log yet: {}", id, failed.cause().toString());
                    timers.startSingleTimer(RetryStorage.TICK, RetryStorage.TICK, settings.storageRetryInterval());
                    return Behaviors.same();
                })
                .onMessage(Stop.class, stop -> {
                    stop.replyTo().tell(Done.getInstance());
                    return Behaviors.stopped();
                })
                .onSignal(org.apache.pekko.actor.typed.Terminated.class, writerGone -> {
                    context.getLog().error("Partition {} is offline: its writer stopped while opening the log", id);
                    return unavailable(id, new IOException("the log writer stopped while opening"));
                })
                .onAnyMessage(message -> {
                    rejectWhileUnavailable(message, reason);
                    return Behaviors.same();
                })
                .build();
    }

    /** A partition whose log could not be opened: everything fails with the reason. */
    private static Behavior<Command> unavailable(PartitionId id, Throwable cause) {
        String reason = "partition " + id + " is offline: " + cause;
        return Behaviors.receive(Command.class)
                .onMessage(Stop.class, stop -> {
                    stop.replyTo().tell(Done.getInstance());
                    return Behaviors.stopped();
                })
                .onSignal(org.apache.pekko.actor.typed.Terminated.class, writerGone -> Behaviors.same())
                .onAnyMessage(message -> {
                    rejectWhileUnavailable(message, reason);
                    if (message instanceof GetState get) {
                        // Opened, though it failed: its state says offline, with no offsets.
                        get.replyTo().tell(new PartitionState(id, 0, 0, 0, 0, 0, true));
                    }
                    return Behaviors.same();
                })
                .build();
    }

    private static void rejectWhileUnavailable(Command message, String reason) {
        if (message instanceof Append append) {
            append.replyTo().tell(new AppendFailed(AppendError.STORAGE_ERROR, reason));
        } else if (message instanceof Read read) {
            read.replyTo().tell(new ReadFailed(reason));
        } else if (message instanceof FindOffsetForTimestamp find) {
            find.replyTo().tell(new OffsetForTimestamp(Optional.empty()));
        } else if (message instanceof Stop stop) {
            stop.replyTo().tell(Done.getInstance());
        }
    }

    private PartitionActor(ActorContext<Command> context, TimerScheduler<Command> timers, PartitionId id,
                           PartitionSettings settings, PartitionMetrics metrics, ActorRef<LogWriter.Command> writer,
                           PartitionLog log, ProducerStateTable producers) {
        super(context);
        this.id = id;
        this.settings = settings;
        this.metrics = metrics;
        this.timers = timers;
        this.writer = writer;
        this.log = log;
        this.producers = producers;
        this.blockingIo = context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(LogWriter.DISPATCHER));
        this.buffer = new TailBuffer(settings.bufferMaxBytes(), settings.bufferMemory());
        this.logEndOffset = log.logEndOffset();
        this.highWatermark = log.durableEndOffset();
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Append.class, this::onAppend)
                .onMessage(RoundWritten.class, this::onRoundWritten)
                .onMessage(StorageFailed.class, this::onStorageFailed)
                .onMessageEquals(RetryStorage.TICK, this::onRetryStorage)
                .onMessage(LogReopened.class, this::onLogReopened)
                .onMessage(ReopenFailed.class, this::onReopenFailed)
                .onMessage(Read.class, this::onRead)
                .onMessage(WaitEnded.class, this::onWaitEnded)
                .onMessage(GetState.class, this::onGetState)
                .onMessage(FindOffsetForTimestamp.class, this::onFindOffsetForTimestamp)
                .onMessage(Stop.class, this::onStop)
                .onMessage(WriterClosed.class, closed -> stopped())
                .onSignal(PostStop.class, stop -> {
                    buffer.clear();
                    return this;
                })
                .onSignal(org.apache.pekko.actor.typed.Terminated.class, terminated -> writerDied())
                .build();
    }

    // ---------------------------------------------------------------- appends

    private Behavior<Command> onAppend(Append append) {
        if (storageFailure != null) {
            append.replyTo().tell(new AppendFailed(AppendError.STORAGE_ERROR, lostForGood != null
                    ? "partition " + id + " is offline for good: " + lostForGood.getMessage()
                    : "partition " + id + " is offline after a storage error: " + storageFailure.getMessage()));
            return this;
        }
        if (!stopRequests.isEmpty()) {
            append.replyTo().tell(new AppendFailed(AppendError.NOT_AVAILABLE, "partition " + id + " is stopping"));
            return this;
        }
        ValidBatches batches = append.batches();
        BatchInfo idempotent = idempotentBatchOf(batches, append.replyTo());
        if (idempotent == REJECTED) {
            return this;
        }
        long base = logEndOffset;
        logEndOffset = BatchFormat.assignOffsets(batches, base);
        if (idempotent != null) {
            producers.record(idempotent.producerId(), idempotent.producerEpoch(), idempotent.baseSequence(),
                    idempotent.lastSequence(), base, logEndOffset - 1);
        }
        long batchBase = base;
        for (BatchInfo batch : batches.batches()) {
            ByteBuffer bytes = batches.buffer().duplicate();
            bytes.position(batch.position()).limit(batch.position() + batch.sizeInBytes());
            buffer.add(batchBase, batchBase + batch.lastOffsetDelta(), bytes.slice());
            batchBase += batch.recordCount();
        }
        unwritten.add(new LogWriter.PendingWrite(batches, base));
        uncommitted.add(new PendingAck(base, logEndOffset - 1, append.replyTo()));
        metrics.appended(id, batches.recordCount(), batches.sizeInBytes());
        metrics.bufferBytes(id, buffer.sizeInBytes());
        startRoundIfIdle();
        return this;
    }

    /** Marks an append that was answered already (a duplicate or a rejected batch). */
    private static final BatchInfo REJECTED = new BatchInfo(0, 0, 0, 0, 0, (short) 0, 0);

    /**
     * Applies the idempotence rules. Returns the batch of an idempotent producer to remember, null for a
     * plain append, or {@link #REJECTED} when the append was answered here: a retry of a batch already
     * appended gets its first offsets (once they are committed) and is not appended again.
     */
    private BatchInfo idempotentBatchOf(ValidBatches batches, ActorRef<AppendReply> replyTo) {
        List<BatchInfo> all = batches.batches();
        BatchInfo first = all.get(0);
        if (first.producerId() < 0) {
            return null;
        }
        if (all.size() > 1) {
            replyTo.tell(new AppendFailed(AppendError.INVALID_RECORD,
                    "an idempotent producer must send one batch per partition, not " + all.size()));
            return REJECTED;
        }
        ProducerStateTable.Verdict verdict = producers.check(first.producerId(), first.producerEpoch(),
                first.baseSequence(), first.lastSequence());
        if (verdict instanceof ProducerStateTable.Accept) {
            return first;
        }
        if (verdict instanceof ProducerStateTable.Duplicate duplicate) {
            if (duplicate.lastOffset() < highWatermark) {
                replyTo.tell(new Appended(duplicate.baseOffset(), duplicate.lastOffset(), log.logStartOffset()));
            } else {
                uncommitted.add(new PendingAck(duplicate.baseOffset(), duplicate.lastOffset(), replyTo));
            }
        } else if (verdict instanceof ProducerStateTable.OutOfOrder outOfOrder) {
            replyTo.tell(new AppendFailed(AppendError.OUT_OF_ORDER_SEQUENCE, outOfOrder.message()));
        } else if (verdict instanceof ProducerStateTable.Fenced fenced) {
            replyTo.tell(new AppendFailed(AppendError.INVALID_PRODUCER_EPOCH, fenced.message()));
        }
        return REJECTED;
    }

    /** One round in flight: appends that arrive while it runs wait and share the next round's fsync. */
    private void startRoundIfIdle() {
        if (roundInFlight || unwritten.isEmpty()) {
            return;
        }
        writer.tell(new LogWriter.WriteRound(List.copyOf(unwritten)));
        unwritten.clear();
        roundInFlight = true;
    }

    private Behavior<Command> onRoundWritten(RoundWritten written) {
        roundInFlight = false;
        long committed = written.committedEndOffset();
        if (committed > highWatermark) {
            highWatermark = committed;
            long logStart = log.logStartOffset();
            while (!uncommitted.isEmpty() && uncommitted.peekFirst().lastOffset() < committed) {
                PendingAck ack = uncommitted.pollFirst();
                ack.replyTo().tell(new Appended(ack.baseOffset(), ack.lastOffset(), logStart));
            }
            serveParkedReads();
        }
        startRoundIfIdle();
        return closeIfStopping();
    }

    private Behavior<Command> onStorageFailed(StorageFailed failed) {
        roundInFlight = false;
        String message = "partition " + id + " is offline after a storage error: " + failed.cause().getMessage();
        for (PendingAck ack : uncommitted) {
            ack.replyTo().tell(new AppendFailed(AppendError.STORAGE_ERROR, message));
        }
        uncommitted.clear();
        unwritten.clear();
        if (storageFailure == null) {
            storageFailure = failed.cause();
            getContext().getLog().error("Partition {} is offline after a storage error; committed data up to offset {}"
                    + " stays readable, appends fail until its log is reopened (tried every {} ms): {}", id,
                    highWatermark, settings.storageRetryInterval().toMillis(), failed.cause().toString());
            forgetUncommitted();
            scheduleReopen();
        }
        return closeIfStopping();
    }

    /** Batches past the high watermark were never committed: the reopened log will not have them either. */
    private void forgetUncommitted() {
        buffer.truncateFrom(highWatermark);
        metrics.bufferBytes(id, buffer.sizeInBytes());
        logEndOffset = highWatermark;
        Iterator<Map.Entry<Long, Read>> it = parked.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, Read> entry = it.next();
            Read read = entry.getValue();
            if (read.offset() > logEndOffset) {
                timers.cancel(entry.getKey());
                it.remove();
                read.replyTo().tell(new OutOfRange(read.offset(), log.logStartOffset(), highWatermark));
            }
        }
    }

    private void scheduleReopen() {
        if (stopRequests.isEmpty()) {
            timers.startSingleTimer(RetryStorage.TICK, RetryStorage.TICK, settings.storageRetryInterval());
        }
    }

    private Behavior<Command> onRetryStorage() {
        if (storageFailure != null && !reopenInFlight && lostForGood == null && stopRequests.isEmpty()) {
            reopenInFlight = true;
            writer.tell(new LogWriter.Reopen(highWatermark));
        }
        return this;
    }

    private Behavior<Command> onLogReopened(LogReopened reopened) {
        reopenInFlight = false;
        log = reopened.log();
        producers = reopened.producers();
        logEndOffset = log.logEndOffset();
        storageFailure = null;
        getContext().getLog().info("Partition {} is online again: its log was reopened at offset {}", id, logEndOffset);
        return this;
    }

    private Behavior<Command> onReopenFailed(ReopenFailed failed) {
        reopenInFlight = false;
        if (failed.cause() instanceof CorruptLogException) {
            lostForGood = failed.cause();
            getContext().getLog().error("Partition {} stays offline: its reopened log is corrupt or lacks committed"
                    + " records, and will not be reopened again: {}", id, failed.cause().toString());
        } else {
            getContext().getLog().debug("Partition {} could not reopen its log yet: {}", id, failed.cause().toString());
            scheduleReopen();
        }
        return this;
    }

    // ---------------------------------------------------------------- reads

    private Behavior<Command> onRead(Read read) {
        long logStart = log.logStartOffset();
        if (read.offset() < logStart || read.offset() > logEndOffset) {
            read.replyTo().tell(new OutOfRange(read.offset(), logStart, highWatermark));
        } else if (read.offset() >= highWatermark) {
            // Between the high watermark and the log end lie appends not yet committed: wait, as at the tail.
            if (read.maxWait().isZero() || read.maxWait().isNegative() || !stopRequests.isEmpty()) {
                read.replyTo().tell(emptyRecords(read.offset()));
            } else {
                long readId = nextReadId++;
                parked.put(readId, read);
                timers.startSingleTimer(readId, new WaitEnded(readId), read.maxWait());
            }
        } else {
            serve(read);
        }
        return this;
    }

    private void serve(Read read) {
        long hwm = highWatermark;
        if (read.offset() >= buffer.minOffset()) {
            TailBuffer.Slice slice = buffer.read(read.offset(), read.maxBytes(), hwm);
            if (read.byReference()) {
                BufferedBatches shared = new BufferedBatches(slice.batches(), slice.firstOffset(),
                        slice.nextOffset(), hwm, log.logStartOffset());
                metrics.read(id, shared.sizeInBytes(), false);
                read.replyTo().tell(shared);
                return;
            }
            ByteBuffer bytes = concat(slice.batches());
            metrics.read(id, bytes.remaining(), false);
            read.replyTo().tell(new Records(bytes, slice.nextOffset(), hwm, log.logStartOffset()));
            return;
        }
        PartitionLog partitionLog = log;
        PartitionId partition = id;
        CompletableFuture.supplyAsync(() -> readFromLog(partitionLog, read, hwm), blockingIo)
                .whenComplete((reply, error) -> {
                    if (error != null) {
                        read.replyTo().tell(new ReadFailed("read of " + partition + " at offset " + read.offset()
                                + " failed: " + error.getCause()));
                    } else {
                        if (reply instanceof Records records) {
                            metrics.read(partition, records.batches().remaining(), true);
                        } else if (reply instanceof LogRegion region) {
                            metrics.read(partition, region.slice().sizeInBytes(), true);
                        }
                        read.replyTo().tell(reply);
                    }
                });
    }

    /** Runs on the blocking-IO dispatcher; touches only the thread-safe read side of the log. */
    private static ReadReply readFromLog(PartitionLog log, Read read, long hwm) {
        try {
            LogSlice slice = log.read(read.offset(), read.maxBytes(), hwm);
            if (read.byReference() && !slice.isEmpty()) {
                return new LogRegion(slice, hwm, log.logStartOffset());
            }
            return new Records(slice.readFully(), slice.nextOffset(), hwm, log.logStartOffset());
        } catch (OffsetOutOfRangeException e) {
            return new OutOfRange(read.offset(), log.logStartOffset(), hwm);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void serveParkedReads() {
        Iterator<Map.Entry<Long, Read>> it = parked.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, Read> entry = it.next();
            if (entry.getValue().offset() < highWatermark) {
                timers.cancel(entry.getKey());
                it.remove();
                serve(entry.getValue());
            }
        }
    }

    private Behavior<Command> onWaitEnded(WaitEnded ended) {
        Read read = parked.remove(ended.readId());
        if (read != null) {
            read.replyTo().tell(emptyRecords(read.offset()));
        }
        return this;
    }

    private Records emptyRecords(long offset) {
        return new Records(ByteBuffer.allocate(0), offset, highWatermark, log.logStartOffset());
    }

    private Behavior<Command> onGetState(GetState get) {
        get.replyTo().tell(new PartitionState(id, log.logStartOffset(), highWatermark, logEndOffset,
                log.sizeInBytes(), buffer.minOffset(), storageFailure != null));
        return this;
    }

    private Behavior<Command> onFindOffsetForTimestamp(FindOffsetForTimestamp find) {
        PartitionLog partitionLog = log;
        long hwm = highWatermark;
        CompletableFuture.supplyAsync(() -> {
            try {
                if (find.timestampMs() == FindOffsetForTimestamp.LARGEST) {
                    return partitionLog.offsetOfLargestTimestamp(hwm);
                }
                return partitionLog.offsetForTimestamp(find.timestampMs()).filter(found -> found.offset() < hwm);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, blockingIo).whenComplete((found, error) ->
                find.replyTo().tell(new OffsetForTimestamp(error == null ? found : Optional.empty())));
        return this;
    }

    // ---------------------------------------------------------------- stopping

    private Behavior<Command> onStop(Stop stop) {
        stopRequests.add(stop.replyTo());
        for (Read read : parked.values()) {
            read.replyTo().tell(emptyRecords(read.offset()));
        }
        parked.clear();
        timers.cancelAll();
        return closeIfStopping();
    }

    private Behavior<Command> closeIfStopping() {
        if (!stopRequests.isEmpty() && !roundInFlight && unwritten.isEmpty()) {
            writer.tell(new LogWriter.Close());
        }
        return this;
    }

    private Behavior<Command> stopped() {
        buffer.clear();
        getContext().unwatch(writer);
        stopRequests.forEach(replyTo -> replyTo.tell(Done.getInstance()));
        return Behaviors.stopped();
    }

    private Behavior<Command> writerDied() {
        getContext().getLog().error("Writer of partition {} stopped unexpectedly; the partition stops", id);
        onStorageFailed(new StorageFailed(new IOException("log writer of " + id + " stopped")));
        return stopped();
    }

    // ---------------------------------------------------------------- helpers

    private static ByteBuffer concat(List<ByteBuffer> batches) {
        if (batches.size() == 1) {
            return batches.get(0);
        }
        // Several batches become one buffer: a reader wants one contiguous run of bytes.
        int size = 0;
        for (ByteBuffer batch : batches) {
            size += batch.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        for (ByteBuffer batch : batches) {
            out.put(batch.duplicate());
        }
        return out.flip();
    }
}
