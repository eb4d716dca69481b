package io.riverlog.actors.partition;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;

import io.riverlog.actors.partition.PartitionActor.Availability;
import io.riverlog.actors.partition.PartitionActor.BufferedBatches;
import io.riverlog.actors.partition.PartitionActor.DamageFound;
import io.riverlog.actors.partition.PartitionActor.DamagedData;
import io.riverlog.actors.partition.PartitionActor.FindOffsetForTimestamp;
import io.riverlog.actors.partition.PartitionActor.LogRegion;
import io.riverlog.actors.partition.PartitionActor.OffsetForTimestamp;
import io.riverlog.actors.partition.PartitionActor.OutOfRange;
import io.riverlog.actors.partition.PartitionActor.PartitionState;
import io.riverlog.actors.partition.PartitionActor.Read;
import io.riverlog.actors.partition.PartitionActor.ReadFailed;
import io.riverlog.actors.partition.PartitionActor.ReadReply;
import io.riverlog.actors.partition.PartitionActor.Records;
import io.riverlog.actors.partition.PartitionActor.Refusal;
import io.riverlog.actors.partition.PartitionActor.Scrub;
import io.riverlog.actors.partition.PartitionActor.Scrubbed;
import io.riverlog.wal.BatchInfo;
import io.riverlog.wal.Damage;
import io.riverlog.wal.DamagedDataException;
import io.riverlog.wal.LogSlice;
import io.riverlog.wal.OffsetOutOfRangeException;
import io.riverlog.wal.PartitionLog;
import io.riverlog.wal.ValidBatches;

/**
 * The read side of one partition: its log, its tail buffer, the high watermark and the log end,
 * and the reads parked until the high watermark moves or their wait ends. Owned by the partition's
 * actor and used only from its thread; reads below the buffer run on the blocking-IO dispatcher and
 * touch only the thread-safe read side of the log. It lives as long as the log is open: a partition
 * that goes offline and comes back keeps its buffer and its parked reads.
 *
 * <p>Reads follow one table: offset below the log start or above the log end: out of range; at
 * the high watermark, or between it and the log end (appended, not yet committed): wait; at or
 * above the buffer's minimum: from the buffer; otherwise: from the log. Nothing at or above the
 * high watermark is ever returned. (As in Kafka: a consumer positioned on an uncommitted offset
 * waits rather than being told it is out of range and resetting.) Once the partition stops, reads
 * that would wait are answered at once with nothing.
 *
 * <p>The log start moves up when records are deleted ({@link RecordDeletion}): the writer moves it in
 * the log, and every read here checks it before the buffer is looked at, so the buffer never serves
 * an offset below it; the next read drops the buffer's batches that lie wholly below it.
 *
 * <p>Damage: a read whose offset lies in a damaged batch of the log is answered {@link DamagedData};
 * the log trims other reads before the damage. Damage that recovery found, or that a read or a
 * {@link Scrub} finds later (the log tells the actor, from any thread), is counted once in the
 * partition's metrics, also across a reopen of the log, and listed in its state.
 */
final class ReadPath {

    /** The wait of a parked read ended. */
    record WaitEnded(long readId) implements PartitionActor.Command {
    }

    private final PartitionWiring wiring;
    private final PartitionId id;
    private final TailBuffer buffer;
    private final Map<Long, Read> parked = new LinkedHashMap<>();
    /** Damage counted in the metrics: a reopened log finds the same damage again. */
    private final Set<Damage> damageCounted = new HashSet<>();
    /** A failed scrub is logged once: it is tried again on every turn. */
    private final AtomicBoolean scrubFailureLogged = new AtomicBoolean();
    private PartitionLog log;
    private long logEndOffset;
    private long highWatermark;
    private long nextReadId;
    private boolean stopping;

    ReadPath(PartitionWiring wiring, PartitionLog log) {
        this.wiring = wiring;
        this.id = wiring.id();
        this.buffer = new TailBuffer(wiring.settings().bufferMaxBytes(), wiring.settings().bufferMemory());
        this.log = log;
        this.logEndOffset = log.logEndOffset();
        this.highWatermark = log.durableEndOffset();
        watchDamage(log);
    }

    long highWatermark() {
        return highWatermark;
    }

    long logEndOffset() {
        return logEndOffset;
    }

    long logStartOffset() {
        return log.logStartOffset();
    }

    // ---------------------------------------------------------------- what the write side reports

    /**
     * Batches appended at the log end (offsets assigned from {@code baseOffset}): kept for readers,
     * not yet committed.
     */
    void appended(ValidBatches batches, long baseOffset) {
        long batchBase = baseOffset;
        for (BatchInfo batch : batches.batches()) {
            ByteBuffer bytes = batches.buffer().duplicate();
            bytes.position(batch.position()).limit(batch.position() + batch.sizeInBytes());
            buffer.add(batchBase, batchBase + batch.lastOffsetDelta(), bytes.slice());
            batchBase += batch.recordCount();
        }
        logEndOffset = baseOffset + batches.recordCount();
        wiring.metrics().bufferBytes(id, buffer.sizeInBytes());
    }

    /**
     * The writer committed everything below {@code committedEndOffset}: the high watermark moves,
     * and waiting reads are served.
     */
    void committed(long committedEndOffset) {
        if (committedEndOffset <= highWatermark) {
            return;
        }
        highWatermark = committedEndOffset;
        Iterator<Map.Entry<Long, Read>> it = parked.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, Read> entry = it.next();
            if (entry.getValue().offset() < highWatermark) {
                wiring.timers().cancel(entry.getKey());
                it.remove();
                serve(entry.getValue());
            }
        }
    }

    /**
     * The storage failed: batches past the high watermark were never committed and the reopened log
     * will not have them either. Reads waiting past the new log end are out of range.
     */
    void forgetUncommitted() {
        buffer.truncateFrom(highWatermark);
        wiring.metrics().bufferBytes(id, buffer.sizeInBytes());
        logEndOffset = highWatermark;
        Iterator<Map.Entry<Long, Read>> it = parked.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, Read> entry = it.next();
            Read read = entry.getValue();
            if (read.offset() > logEndOffset) {
                wiring.timers().cancel(entry.getKey());
                it.remove();
                read.replyTo().tell(new OutOfRange(read.offset(), log.logStartOffset(), highWatermark));
            }
        }
    }

    /** Drops the buffer's batches below {@code offset} (the log start: their records were deleted). */
    private void forgetDeleted(long offset) {
        if (buffer.minOffset() < offset) {
            buffer.forgetBelow(offset);
            wiring.metrics().bufferBytes(id, buffer.sizeInBytes());
        }
    }

    /**
     * The log below {@code offset} was compacted: the buffer's batches there are the records as written,
     * so reads of those offsets go to the log from now on and see it compacted.
     */
    void compactedBelow(long offset) {
        forgetDeleted(offset);
    }

    /** The writer reopened the log after a storage failure, cut back to the high watermark. */
    void reopened(PartitionLog reopened) {
        log = reopened;
        logEndOffset = reopened.logEndOffset();
        watchDamage(reopened);
    }

    /** The log found damage after it was opened (the message {@link #watchDamage} has it send). */
    void damageFound(Damage damage) {
        if (damageCounted.add(damage)) {
            wiring.metrics().damageFound(id, 1);
        }
    }

    /**
     * Counts the damage recovery found (also when it found none, so that the partition's count starts
     * at zero), and has the log report what it finds later to the actor.
     */
    private void watchDamage(PartitionLog opened) {
        int found = 0;
        for (Damage damage : opened.damage()) {
            found += damageCounted.add(damage) ? 1 : 0;
        }
        wiring.metrics().damageFound(id, found);
        var self = wiring.context().getSelf();
        opened.onDamage(damage -> self.tell(new DamageFound(damage)));
    }

    /** The partition stops: waiting reads get an empty answer now, and no read waits any more. */
    void stop() {
        stopping = true;
        for (Map.Entry<Long, Read> entry : parked.entrySet()) {
            wiring.timers().cancel(entry.getKey());
            entry.getValue().replyTo().tell(emptyRecords(entry.getValue().offset()));
        }
        parked.clear();
    }

    /** Gives the buffer's bytes back to the bound shared by all partitions. */
    void clear() {
        buffer.clear();
    }

    // ---------------------------------------------------------------- requests

    void read(Read read) {
        long logStart = log.logStartOffset();
        forgetDeleted(logStart);
        if (read.offset() < logStart || read.offset() > logEndOffset) {
            read.replyTo().tell(new OutOfRange(read.offset(), logStart, highWatermark));
        } else if (read.offset() >= highWatermark) {
            // Between the high watermark and the log end lie appends not yet committed: wait, as at the tail.
            if (read.maxWait().isZero() || read.maxWait().isNegative() || stopping) {
                read.replyTo().tell(emptyRecords(read.offset()));
            } else {
                long readId = nextReadId++;
                parked.put(readId, read);
                wiring.timers().startSingleTimer(readId, new WaitEnded(readId), read.maxWait());
            }
        } else {
            serve(read);
        }
    }

    void waitEnded(WaitEnded ended) {
        Read read = parked.remove(ended.readId());
        if (read != null) {
            read.replyTo().tell(emptyRecords(read.offset()));
        }
    }

    PartitionState state(Availability availability) {
        return new PartitionState(id, log.logStartOffset(), highWatermark, logEndOffset, log.sizeInBytes(),
                buffer.minOffset(), availability, log.damage());
    }

    /** Verifies the oldest bytes not verified yet, up to the budget, on the blocking-IO dispatcher. */
    void scrub(Scrub scrub) {
        PartitionLog partitionLog = log;
        PartitionMetrics metrics = wiring.metrics();
        PartitionId partition = id;
        Logger logger = wiring.context().getLog();
        CompletableFuture.supplyAsync(() -> scrubLog(partition, partitionLog, scrub.maxBytes()), wiring.blockingIo())
                .whenComplete((scrubbed, error) -> {
                    if (error != null) {
                        if (scrubFailureLogged.compareAndSet(false, true)) {
                            logger.warn("Scrub of partition {} failed; it is tried again on its next turns, and this"
                                    + " is not logged again: {}", partition,
                                    (error.getCause() != null ? error.getCause() : error).toString());
                        }
                        scrub.replyTo().tell(new Scrubbed(partition, 0, false));
                        return;
                    }
                    metrics.scrubbed(partition, scrubbed.bytesChecked());
                    scrub.replyTo().tell(scrubbed);
                });
    }

    /** Runs on the blocking-IO dispatcher; the log's scrub is safe beside its reads and its writer. */
    private static Scrubbed scrubLog(PartitionId partition, PartitionLog log, long maxBytes) {
        try {
            long checked = 0;
            while (checked < maxBytes) {
                int step = log.scrub((int) Math.min(maxBytes - checked, Integer.MAX_VALUE));
                if (step == 0) {
                    return new Scrubbed(partition, checked, true);
                }
                checked += step;
            }
            return new Scrubbed(partition, checked, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Looks the timestamp up on the blocking-IO dispatcher, over committed records only. */
    void find(FindOffsetForTimestamp find) {
        PartitionLog partitionLog = log;
        long hwm = highWatermark;
        CompletableFuture.supplyAsync(() -> {
            try {
                if (find.timestampMs() == FindOffsetForTimestamp.LARGEST) {
                    return partitionLog.offsetOfLargestTimestamp(hwm);
                }
                return partitionLog.offsetForTimestamp(find.timestampMs()).filter(found -> found.offset() < hwm);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, wiring.blockingIo()).whenComplete((found, error) -> find.replyTo().tell(error == null
                ? new OffsetForTimestamp(found)
                : OffsetForTimestamp.refused(new Refusal(id, Availability.OFFLINE, "lookup of a timestamp in "
                        + id + " failed: " + error.getCause()))));
    }

    /** Looks the epoch's end up on the blocking-IO dispatcher, over committed batches only. */
    void find(PartitionActor.FindEpochEnd find) {
        PartitionLog partitionLog = log;
        long hwm = highWatermark;
        CompletableFuture.supplyAsync(() -> {
            try {
                return partitionLog.endOfEpoch(find.epoch(), hwm);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, wiring.blockingIo()).whenComplete((found, error) -> find.replyTo().tell(error == null
                ? new PartitionActor.EpochEndFound(found)
                : PartitionActor.EpochEndFound.refused(new Refusal(id, Availability.OFFLINE, "lookup of leader epoch "
                        + find.epoch() + " in " + id + " failed: " + error.getCause()))));
    }

    // ---------------------------------------------------------------- serving

    private void serve(Read read) {
        long hwm = highWatermark;
        if (read.offset() >= buffer.minOffset()) {
            TailBuffer.Slice slice = buffer.read(read.offset(), read.maxBytes(), hwm);
            if (read.byReference()) {
                BufferedBatches shared = new BufferedBatches(slice.batches(), slice.firstOffset(),
                        slice.nextOffset(), hwm, log.logStartOffset());
                wiring.metrics().read(id, shared.sizeInBytes(), false);
                read.replyTo().tell(shared);
                return;
            }
            ByteBuffer bytes = concat(slice.batches());
            wiring.metrics().read(id, bytes.remaining(), false);
            read.replyTo().tell(new Records(bytes, slice.nextOffset(), hwm, log.logStartOffset()));
            return;
        }
        PartitionLog partitionLog = log;
        PartitionMetrics metrics = wiring.metrics();
        PartitionId partition = id;
        CompletableFuture.supplyAsync(() -> readFromLog(partitionLog, read, hwm), wiring.blockingIo())
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
        } catch (DamagedDataException e) {
            return new DamagedData(e.damage(), hwm, log.logStartOffset());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Records emptyRecords(long offset) {
        return new Records(ByteBuffer.allocate(0), offset, highWatermark, log.logStartOffset());
    }

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
