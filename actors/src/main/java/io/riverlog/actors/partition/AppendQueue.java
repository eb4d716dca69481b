package io.riverlog.actors.partition;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.pekko.actor.typed.ActorRef;

import io.riverlog.actors.partition.PartitionActor.Append;
import io.riverlog.actors.partition.PartitionActor.AppendError;
import io.riverlog.actors.partition.PartitionActor.AppendFailed;
import io.riverlog.actors.partition.PartitionActor.AppendReply;
import io.riverlog.actors.partition.PartitionActor.Appended;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.BatchInfo;
import io.riverlog.wal.InvalidBatchException;
import io.riverlog.wal.ValidBatches;

/**
 * The write side of one partition while its log takes appends: assigns offsets at the log end,
 * applies the idempotence rules, and runs the write rounds of its {@link LogWriter} (group commit).
 * One round is in flight at a time; appends that arrive meanwhile wait and go together in the next
 * round, sharing its fsync. Each append is answered once the committed end reported by the writer
 * passes its last offset. Owned by the partition's actor; a reopened log gets a new queue.
 *
 * <p>When the storage fails, an append that never reached the writer was not appended, and is
 * answered so at once. One handed to the writer may be in the file (a write that reached the page
 * cache before its fsync failed): it is {@link InDoubt} until the log is cut back below it.
 */
final class AppendQueue {

    private record PendingAck(long baseOffset, long lastOffset, long logAppendTimeMs, ActorRef<AppendReply> replyTo) {
    }

    /** What the idempotence rules make of an append. */
    private sealed interface Admission {
    }

    /** Not from an idempotent producer: appended as it is. */
    private record Plain() implements Admission {
    }

    /** The next batch of an idempotent producer: appended, and remembered in the producer state. */
    private record NextOfProducer(BatchInfo batch) implements Admission {
    }

    /** Answered already: refused, or a retry of a batch already appended (answered with its offsets once committed). */
    private record Answered() implements Admission {
    }

    private static final Admission PLAIN = new Plain();
    /** The append time of batches that keep their producer's timestamps. */
    private static final long NO_APPEND_TIME = -1;
    private static final Admission ANSWERED = new Answered();

    private final PartitionWiring wiring;
    private final ReadPath reads;
    private final ProducerStateTable producers;
    private final List<LogWriter.PendingWrite> unwritten = new ArrayList<>();
    private final ArrayDeque<PendingAck> uncommitted = new ArrayDeque<>();
    private boolean roundInFlight;
    /** End offset of the last round handed to the writer: appends below it may be in the file. */
    private long handedEndOffset;

    AppendQueue(PartitionWiring wiring, ReadPath reads, ProducerStateTable producers) {
        this.wiring = wiring;
        this.reads = reads;
        this.producers = producers;
    }

    /**
     * Puts the batches in the topic's codec (the listeners did, unless its compression changed since),
     * checks them against the topic's rules, assigns them the next offsets (stamping them with the
     * append time under LogAppendTime), hands them to readers (uncommitted) and to the next write round.
     */
    void append(Append append) {
        AppendPolicy policy = wiring.rules().appends();
        long nowMs = append.appendTimeMs() == Append.NOW ? System.currentTimeMillis() : append.appendTimeMs();
        ValidBatches stored;
        try {
            stored = policy.compression().apply(append.batches());
        } catch (InvalidBatchException e) {
            append.replyTo().tell(new AppendFailed(AppendError.INVALID_RECORD, e.getMessage()));
            return;
        }
        Optional<AppendPolicy.Refused> refused = policy.check(stored, nowMs);
        if (refused.isPresent()) {
            append.replyTo().tell(new AppendFailed(refused.get().error(), refused.get().message()));
            return;
        }
        ValidBatches batches = policy.logAppendTime() ? BatchFormat.stampLogAppendTime(stored, nowMs) : stored;
        long logAppendTimeMs = policy.logAppendTime() ? nowMs : NO_APPEND_TIME;
        Admission admission = admit(batches, append.replyTo());
        if (admission instanceof Answered) {
            return;
        }
        long base = reads.logEndOffset();
        long end = BatchFormat.assignOffsets(batches, base, append.leaderEpoch());
        if (admission instanceof NextOfProducer next) {
            BatchInfo batch = next.batch();
            producers.record(batch.producerId(), batch.producerEpoch(), batch.baseSequence(), batch.lastSequence(),
                    base, end - 1, batch.maxTimestamp());
        }
        reads.appended(batches, base);
        unwritten.add(new LogWriter.PendingWrite(batches, base));
        uncommitted.add(new PendingAck(base, end - 1, logAppendTimeMs, append.replyTo()));
        wiring.metrics().appended(wiring.id(), batches.recordCount(), batches.sizeInBytes());
        startRoundIfIdle();
    }

    /** The writer finished a round: appends below the committed end are answered, and the next round starts. */
    void roundWritten(long committedEndOffset) {
        roundInFlight = false;
        if (committedEndOffset > reads.highWatermark()) {
            long logStart = reads.logStartOffset();
            while (!uncommitted.isEmpty() && uncommitted.peekFirst().lastOffset() < committedEndOffset) {
                PendingAck ack = uncommitted.pollFirst();
                ack.replyTo().tell(new Appended(ack.baseOffset(), ack.lastOffset(), logStart, ack.logAppendTimeMs()));
            }
            reads.committed(committedEndOffset);
        }
        startRoundIfIdle();
    }

    /** The idempotent producers remembered, including those of appends not committed yet. */
    List<ActiveProducer> activeProducers() {
        return producers.activeProducers();
    }

    /** True when nothing is being written or waits to be. */
    boolean idle() {
        return !roundInFlight && unwritten.isEmpty();
    }

    /**
     * The storage failed, and nothing more is written. Appends never handed to the writer fail now
     * with {@code message} (not appended); those it was handed are returned, to be answered once it
     * is known whether the log was cut back below them.
     */
    InDoubt storageFailed(String message) {
        roundInFlight = false;
        List<PendingAck> handed = new ArrayList<>();
        for (PendingAck ack : uncommitted) {
            if (ack.lastOffset() < handedEndOffset) {
                handed.add(ack);
            } else {
                ack.replyTo().tell(new AppendFailed(AppendError.STORAGE_ERROR, message));
            }
        }
        uncommitted.clear();
        unwritten.clear();
        return new InDoubt(handed);
    }

    /**
     * Appends handed to the writer in rounds that did not commit: their batches may be in the file,
     * and come back at the next start, until the log is cut back below them. Answered once.
     */
    static final class InDoubt {
        private List<PendingAck> acks;

        private InDoubt(List<PendingAck> acks) {
            this.acks = acks;
        }

        /** None: nothing was handed to the writer, or the log was never opened. */
        static InDoubt none() {
            return new InDoubt(List.of());
        }

        int size() {
            return acks.size();
        }

        /** The log was cut back durably below them: they were not appended. */
        void notAppended(String message) {
            answer(AppendError.STORAGE_ERROR, message);
        }

        /** Nobody knows whether they are in the log, now or after the next start. */
        void outcomeUnknown(String message) {
            answer(AppendError.OUTCOME_UNKNOWN, message);
        }

        private void answer(AppendError error, String message) {
            for (PendingAck ack : acks) {
                ack.replyTo().tell(new AppendFailed(error, message));
            }
            acks = List.of();
        }
    }

    /** One round in flight: appends that arrive while it runs wait and share the next round's fsync. */
    private void startRoundIfIdle() {
        if (roundInFlight || unwritten.isEmpty()) {
            return;
        }
        wiring.writer().tell(new LogWriter.WriteRound(List.copyOf(unwritten)));
        LogWriter.PendingWrite last = unwritten.get(unwritten.size() - 1);
        handedEndOffset = last.firstOffset() + last.batches().recordCount();
        unwritten.clear();
        roundInFlight = true;
    }

    /**
     * Applies the idempotence rules. A retry of a batch already appended gets its first offsets
     * (once they are committed) and is not appended again.
     */
    private Admission admit(ValidBatches batches, ActorRef<AppendReply> replyTo) {
        List<BatchInfo> all = batches.batches();
        BatchInfo first = all.get(0);
        if (first.producerId() < 0) {
            return PLAIN;
        }
        if (all.size() > 1) {
            replyTo.tell(new AppendFailed(AppendError.INVALID_RECORD,
                    "an idempotent producer must send one batch per partition, not " + all.size()));
            return ANSWERED;
        }
        ProducerStateTable.Verdict verdict = producers.check(first.producerId(), first.producerEpoch(),
                first.baseSequence(), first.lastSequence());
        if (verdict instanceof ProducerStateTable.Accept) {
            return new NextOfProducer(first);
        }
        if (verdict instanceof ProducerStateTable.Duplicate duplicate) {
            if (duplicate.lastOffset() < reads.highWatermark()) {
                replyTo.tell(new Appended(duplicate.baseOffset(), duplicate.lastOffset(), reads.logStartOffset(),
                        NO_APPEND_TIME));
            } else {
                uncommitted.add(new PendingAck(duplicate.baseOffset(), duplicate.lastOffset(), NO_APPEND_TIME,
                        replyTo));
            }
        } else if (verdict instanceof ProducerStateTable.OutOfOrder outOfOrder) {
            replyTo.tell(new AppendFailed(AppendError.OUT_OF_ORDER_SEQUENCE, outOfOrder.message()));
        } else if (verdict instanceof ProducerStateTable.Fenced fenced) {
            replyTo.tell(new AppendFailed(AppendError.INVALID_PRODUCER_EPOCH, fenced.message()));
        }
        return ANSWERED;
    }
}
