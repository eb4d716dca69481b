package io.riverlog.actors.partition;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.riverlog.wal.BatchSummary;
import io.riverlog.wal.DerivedState;
import io.riverlog.wal.Sequences;

/**
 * The idempotence bookkeeping of one partition: for each producer id, its epoch, its last few
 * batches (first and last sequence, offsets) and the largest timestamp of its last batch. A batch
 * whose sequences match a remembered one is a retry and is answered with the first attempt's
 * offsets, without a second append; a batch that does not continue the sequence is out of order; an
 * older epoch is fenced. A producer the table does not know must start at sequence 0, as a new epoch
 * must. (Kafka accepts an unknown producer at any sequence, since its brokers expire producer state;
 * this table never forgets a producer, and accepting one mid-stream let a producer's later batch be
 * written while its first, refused by a leader not ready yet, was still to be sent again: the first
 * could then never follow.) What it holds is also answered as it is now, for Kafka's
 * DescribeProducers ({@link #activeProducers}).
 *
 * <p>The table is a function of the log's batch headers, so the log keeps one too, as its
 * {@link DerivedState}: snapshotted with the segments ({@link ProducerStateCodec} is the format) and
 * restored at open from the newest snapshot and the batches after it, so that deduplication does not
 * depend on how far back a producer's last batches lie. The partition's actor gets a {@link #copy} of
 * it, and from then on records batches as it accepts them, ahead of the log. Each table has one
 * owner (the actor, or the log's writer); not thread-safe.
 */
final class ProducerStateTable implements DerivedState {

    /** What to do with a batch. */
    sealed interface Verdict {
    }

    record Accept() implements Verdict {
    }

    /** A retry of a batch already appended at these offsets. */
    record Duplicate(long baseOffset, long lastOffset) implements Verdict {
    }

    record OutOfOrder(String message) implements Verdict {
    }

    record Fenced(String message) implements Verdict {
    }

    private static final Accept ACCEPT = new Accept();

    /** A remembered batch of a producer: its sequences and the offsets it was appended at. */
    record CachedBatch(int firstSequence, int lastSequence, long baseOffset, long lastOffset) {
    }

    /** One producer id's epoch, last batches (oldest first) and the largest timestamp of the last one. */
    static final class Producer {
        short epoch;
        long lastTimestamp;
        final ArrayDeque<CachedBatch> batches = new ArrayDeque<>();
    }

    private final int batchesPerProducer;
    private final Map<Long, Producer> producers = new HashMap<>();

    ProducerStateTable(int batchesPerProducer) {
        this.batchesPerProducer = batchesPerProducer;
    }

    Verdict check(long producerId, short epoch, int firstSequence, int lastSequence) {
        if (producerId < 0) {
            return ACCEPT;
        }
        Producer producer = producers.get(producerId);
        if (producer == null) {
            return firstSequence <= 0 ? ACCEPT : new OutOfOrder("producer " + producerId
                    + " is not known to this partition and starts at sequence " + firstSequence + ", not 0");
        }
        if (epoch < producer.epoch) {
            return new Fenced("producer " + producerId + " epoch " + epoch + " is older than the current epoch "
                    + producer.epoch);
        }
        if (epoch > producer.epoch) {
            return firstSequence == 0 ? ACCEPT : new OutOfOrder("producer " + producerId + " starts epoch " + epoch
                    + " at sequence " + firstSequence + ", not 0");
        }
        for (CachedBatch batch : producer.batches) {
            if (batch.firstSequence == firstSequence && batch.lastSequence == lastSequence) {
                return new Duplicate(batch.baseOffset, batch.lastOffset);
            }
        }
        CachedBatch last = producer.batches.peekLast();
        if (last != null && firstSequence != Sequences.next(last.lastSequence)) {
            return new OutOfOrder("producer " + producerId + " sent sequence " + firstSequence + " where "
                    + Sequences.next(last.lastSequence) + " was expected");
        }
        return ACCEPT;
    }

    /**
     * Remembers an accepted batch of an idempotent producer.
     *
     * @param maxTimestamp the batch's largest record timestamp, or {@link ActiveProducer#UNKNOWN_TIMESTAMP}
     */
    void record(long producerId, short epoch, int firstSequence, int lastSequence, long baseOffset, long lastOffset,
                long maxTimestamp) {
        if (producerId < 0) {
            return;
        }
        Producer producer = producers.computeIfAbsent(producerId, id -> new Producer());
        if (epoch != producer.epoch) {
            producer.epoch = epoch;
            producer.batches.clear();
        }
        producer.batches.addLast(new CachedBatch(firstSequence, lastSequence, baseOffset, lastOffset));
        producer.lastTimestamp = maxTimestamp;
        while (producer.batches.size() > batchesPerProducer) {
            producer.batches.removeFirst();
        }
    }

    /** Applies a stored batch: the log's writer calls it for every batch appended or replayed. */
    @Override
    public void apply(BatchSummary batch) {
        if (batch.hasProducerId() && batch.baseSequence() >= 0) {
            record(batch.producerId(), batch.producerEpoch(), batch.baseSequence(), batch.lastSequence(),
                    batch.baseOffset(), batch.lastOffset(), batch.maxTimestamp());
        }
    }

    @Override
    public ByteBuffer snapshot() {
        return ProducerStateCodec.encode(this);
    }

    /** A table of its own with the same producers, epochs and batches. */
    ProducerStateTable copy() {
        ProducerStateTable copy = new ProducerStateTable(batchesPerProducer);
        producers.forEach((id, producer) -> {
            Producer same = copy.producers.computeIfAbsent(id, any -> new Producer());
            same.epoch = producer.epoch;
            same.lastTimestamp = producer.lastTimestamp;
            same.batches.addAll(producer.batches);
        });
        return copy;
    }

    /** Every producer remembered, as of now, by producer id. */
    List<ActiveProducer> activeProducers() {
        List<ActiveProducer> out = new ArrayList<>(producers.size());
        producers.forEach((id, producer) -> out.add(new ActiveProducer(id, producer.epoch,
                producer.batches.getLast().lastSequence(), producer.lastTimestamp)));
        out.sort(Comparator.comparingLong(ActiveProducer::producerId));
        return List.copyOf(out);
    }

    int producerCount() {
        return producers.size();
    }

    /** The producers by id, for the codec. */
    Map<Long, Producer> producers() {
        return producers;
    }
}
