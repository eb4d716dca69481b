package io.riverlog.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.apache.kafka.common.utils.internals.CloseableIterator;

/**
 * Log compaction as Kafka's log cleaner does it, for one {@link CompactionPlan}, on the calling
 * (cleaner) thread; the log's writer goes on appending meanwhile.
 *
 * <ol>
 *   <li>The latest offset of every key in the dirty part (from the plan's first dirty offset on) goes
 *       into a {@link KeyOffsetMap}; if the map fills up, the pass covers less.</li>
 *   <li>The cleanable segments up to where the map reaches are rewritten, in groups of consecutive
 *       segments of at most {@code segment.bytes} together, each group into one new segment
 *       ({@code <base>.log.cleaned}): every batch is checked (CRC32C, sizes, offsets) before it is
 *       read, and filtered by {@link LatestPerKey} with kafka-clients' batch filter, which keeps each
 *       batch's base and last offset (and so its producer's sequences). A run of batches left without
 *       records becomes one empty batch spanning their offsets, so that a compacted segment, like any
 *       other, holds contiguous offsets and every integrity check of the log holds unchanged. The new
 *       segment is fsynced whole. A group in which nothing changed is not rewritten.</li>
 *   <li>{@link PartitionLog#swapIn} replaces each group's segments with its new one, on the writer's
 *       thread, atomically across a power cut: the rename to {@code .swap}, fsynced, is the commit; the
 *       old segments are then deleted and the swap file renamed to the group's base segment name.</li>
 * </ol>
 *
 * Every byte read and written is counted against an {@link IoBudget}. A reader keeps reading the old
 * segments until the swap, and any read already under way on them finishes after it.
 */
public final class Compaction {

    /** One group of old segments and the segment that replaces them (null: nothing in them changed). */
    record Group(List<Segment> sources, Segment cleaned) {
    }

    /**
     * What a compaction prepared, to be swapped in by the writer.
     *
     * @param cleanedUpTo the offset below which the log is compacted once this is swapped in
     */
    public record Prepared(CompactionPlan plan, List<Group> groups, long cleanedUpTo, Stats stats) {
        /** Deletes the new segments' files (the writer did not swap them in). */
        public void discard() {
            for (Group group : groups) {
                if (group.cleaned() != null) {
                    discardCleaned(plan, group.cleaned());
                }
            }
        }
    }

    /**
     * Figures of one compaction.
     *
     * @param keys          distinct keys in the dirty part mapped
     * @param bytesRead     bytes of the segments rewritten (and of the dirty part read to map them)
     * @param bytesBefore   size of the segments compacted
     * @param bytesAfter    size of what replaced them
     * @param recordsBefore records in the segments compacted
     * @param recordsAfter  records kept
     */
    public record Stats(int keys, long bytesRead, long bytesBefore, long bytesAfter, long recordsBefore,
                        long recordsAfter) {
    }

    /** The pass was stopped from outside (the partition is closing). */
    public static final class StoppedException extends IOException {
        private static final long serialVersionUID = 1L;

        StoppedException() {
            super("compaction stopped");
        }
    }

    private final CompactionPlan plan;
    private final KeyOffsetMap map;
    private final IoBudget budget;
    private final BooleanSupplier stopped;
    private ByteBuffer scratch;
    private final BufferSupplier decompression = BufferSupplier.create();
    private ByteBuffer output = ByteBuffer.allocate(BatchFormat.HEADER_BYTES);
    private long bytesRead;
    private long bytesBefore;
    private long bytesAfter;
    private long recordsBefore;
    private long recordsAfter;

    private Compaction(CompactionPlan plan, KeyOffsetMap map, IoBudget budget, BooleanSupplier stopped,
                       ByteBuffer scratch) {
        this.plan = plan;
        this.map = map;
        this.budget = budget;
        this.stopped = stopped;
        this.scratch = scratch;
    }

    /**
     * Runs the plan up to the point where it is swapped in. {@code stopped} is polled between batches;
     * whatever was written is deleted if it says stop, or if anything fails.
     *
     * @throws CorruptLogException if a batch fails its checks: nothing is compacted until it is resolved
     */
    public static Prepared run(CompactionPlan plan, KeyOffsetMap map, IoBudget budget, BooleanSupplier stopped,
                               ByteBuffer scratch) throws IOException, InterruptedException {
        if (!plan.log.compactionStarted()) {
            throw new StoppedException();
        }
        BooleanSupplier stoppedOrClosed = () -> stopped.getAsBoolean() || plan.log.isClosed();
        Compaction compaction = new Compaction(plan, map, budget, stoppedOrClosed, scratch);
        try (BufferSupplier ignored = compaction.decompression) {
            return compaction.run();
        } finally {
            plan.log.compactionEnded();
        }
    }

    private Prepared run() throws IOException, InterruptedException {
        map.clear();
        long mappedEnd = mapDirtyPart();
        List<Segment> toClean = new ArrayList<>();
        for (Segment segment : plan.segments) {
            if (segment.nextOffset() > mappedEnd) {
                break;
            }
            toClean.add(segment);
        }
        List<Group> groups = new ArrayList<>();
        try {
            for (List<Segment> sources : grouped(toClean)) {
                groups.add(new Group(sources, clean(sources)));
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            new Prepared(plan, groups, plan.firstDirtyOffset, null).discard();
            throw e;
        }
        long cleanedUpTo = toClean.isEmpty() ? plan.firstDirtyOffset
                : Math.max(plan.firstDirtyOffset, toClean.get(toClean.size() - 1).nextOffset());
        return new Prepared(plan, groups, cleanedUpTo,
                new Stats(map.size(), bytesRead, bytesBefore, bytesAfter, recordsBefore, recordsAfter));
    }

    /**
     * Maps every key of the dirty part to its latest offset, batch by batch, as far as the map has
     * room. Returns the offset the map reaches: the end of the last segment mapped whole.
     */
    private long mapDirtyPart() throws IOException, InterruptedException {
        long mappedEnd = plan.firstDirtyOffset;
        for (Segment segment : plan.segments) {
            if (segment.nextOffset() <= plan.firstDirtyOffset) {
                continue;
            }
            boolean whole = forEachBatch(segment, (batch, bytes) -> {
                int count = batch.countOrNull();
                if (!map.hasRoomFor(count)) {
                    return false;
                }
                if (!batch.isControlBatch()) {
                    try (CloseableIterator<Record> records = batch.streamingIterator(decompression)) {
                        while (records.hasNext()) {
                            Record record = records.next();
                            if (record.hasKey()) {
                                map.put(record.key(), record.offset());
                            }
                        }
                    }
                }
                return true;
            });
            if (!whole) {
                break;
            }
            mappedEnd = segment.nextOffset();
        }
        return mappedEnd;
    }

    /** Consecutive segments of at most {@code segment.bytes} together (one alone if larger), offsets fitting an int. */
    private List<List<Segment>> grouped(List<Segment> segments) {
        List<List<Segment>> groups = new ArrayList<>();
        List<Segment> current = new ArrayList<>();
        long bytes = 0;
        for (Segment segment : segments) {
            boolean fits = current.isEmpty() || (bytes + segment.sizeInBytes() <= plan.config.segmentBytes()
                    && segment.nextOffset() - current.get(0).baseOffset <= Integer.MAX_VALUE);
            if (!fits) {
                groups.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(segment);
            bytes += segment.sizeInBytes();
        }
        if (!current.isEmpty()) {
            groups.add(current);
        }
        return groups;
    }

    /** Writes the group's surviving batches into a new segment; null if every batch stays as it is. */
    private Segment clean(List<Segment> sources) throws IOException, InterruptedException {
        Map<Long, Long> lastBatchOfProducer = new HashMap<>();
        for (Segment source : sources) {
            source.reader().forEachBatchFrom(source.baseOffset, summary -> {
                if (summary.hasProducerId()) {
                    lastBatchOfProducer.put(summary.producerId(), summary.baseOffset());
                }
            });
        }
        LatestPerKey filter = new LatestPerKey(plan.nowMs, plan.config.compaction().deleteRetentionMs(), map,
                lastBatchOfProducer);
        Segment cleaned = Segment.createCleaned(plan.log.dir(), sources.get(0).baseOffset, plan.config,
                plan.log.storage());
        try {
            GroupWriter writer = new GroupWriter(cleaned);
            for (Segment source : sources) {
                bytesBefore += source.sizeInBytes();
                forEachBatch(source, (batch, bytes) -> {
                    writer.filtered(batch, bytes, filter);
                    return true;
                });
            }
            writer.finish(sources.get(sources.size() - 1).nextOffset());
            if (!writer.changed) {
                discardCleaned(plan, cleaned);
                bytesAfter += cleaned.sizeInBytes();
                return null;
            }
            cleaned.seal();
            bytesAfter += cleaned.sizeInBytes();
            return cleaned;
        } catch (IOException | InterruptedException | RuntimeException e) {
            discardCleaned(plan, cleaned);
            throw e;
        }
    }

    /** Writes a group's batches as the filter leaves them, and the runs of emptied batches as one empty batch each. */
    private final class GroupWriter {
        private final Segment cleaned;
        private long gapStart = -1;
        private long gapEnd;
        private int gapEpoch = BatchFormat.LEADER_EPOCH;
        private long gapMaxTimestamp = RecordBatch.NO_TIMESTAMP;
        boolean changed;

        GroupWriter(Segment cleaned) {
            this.cleaned = cleaned;
        }

        void filtered(MutableRecordBatch batch, ByteBuffer original, LatestPerKey filter)
                throws IOException, InterruptedException {
            recordsBefore += batch.countOrNull();
            output.clear();
            MemoryRecords.FilterResult result = MemoryRecords.readableRecords(original.duplicate())
                    .filterTo(filter, output, decompression, Integer.MAX_VALUE);
            output = result.outputBuffer();
            ByteBuffer kept = output.duplicate().flip();
            if (!kept.hasRemaining()) {
                changed = true;
                // The gap keeps the epoch of the last batch it replaces: epochs still never decrease.
                gapEpoch = batch.partitionLeaderEpoch();
                if (gapStart < 0) {
                    gapStart = batch.baseOffset();
                }
                gapEnd = batch.lastOffset();
                gapMaxTimestamp = Math.max(gapMaxTimestamp, batch.maxTimestamp());
                return;
            }
            flushGap();
            if (!kept.equals(original)) {
                changed = true;
            }
            MutableRecordBatch written = MemoryRecords.readableRecords(kept.duplicate()).batches().iterator().next();
            recordsAfter += written.countOrNull();
            write(kept, written.baseOffset(), written.lastOffset(), written.maxTimestamp());
        }

        void finish(long endOffset) throws IOException, InterruptedException {
            flushGap();
            if (cleaned.nextOffset() != endOffset) {
                throw new IllegalStateException("the compacted segment ends at " + cleaned.nextOffset()
                        + " instead of " + endOffset);
            }
        }

        private void flushGap() throws IOException, InterruptedException {
            if (gapStart < 0) {
                return;
            }
            ByteBuffer empty = ByteBuffer.allocate(BatchFormat.HEADER_BYTES);
            DefaultRecordBatch.writeEmptyHeader(empty, RecordBatch.CURRENT_MAGIC_VALUE, RecordBatch.NO_PRODUCER_ID,
                    RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, gapStart, gapEnd, gapEpoch,
                    TimestampType.CREATE_TIME, gapMaxTimestamp, false, false);
            empty.flip();
            write(empty, gapStart, gapEnd, gapMaxTimestamp);
            gapStart = -1;
            gapMaxTimestamp = RecordBatch.NO_TIMESTAMP;
        }

        private void write(ByteBuffer batch, long baseOffset, long lastOffset, long maxTimestamp)
                throws IOException, InterruptedException {
            budget.spend(batch.remaining());
            cleaned.appendCleaned(batch, baseOffset, (int) (lastOffset - baseOffset), maxTimestamp);
        }
    }

    @FunctionalInterface
    private interface BatchVisitor {
        /** False to stop the walk. */
        boolean visit(MutableRecordBatch batch, ByteBuffer bytes) throws IOException, InterruptedException;
    }

    /**
     * Checks and visits the segment's batches in order. Returns false if the visitor stopped the walk.
     *
     * @throws CorruptLogException at a batch that fails its checks
     */
    private boolean forEachBatch(Segment segment, BatchVisitor visitor) throws IOException, InterruptedException {
        BatchScanner scanner = segment.scanner(scratch);
        long expected = segment.baseOffset;
        while (true) {
            if (stopped.getAsBoolean()) {
                throw new StoppedException();
            }
            int at = scanner.position();
            BatchScanner.Step step = scanner.next(expected);
            if (step instanceof BatchScanner.End) {
                return true;
            }
            if (!(step instanceof BatchScanner.Valid valid)) {
                String problem = step instanceof BatchScanner.Invalid invalid ? invalid.problem()
                        : ((BatchScanner.Incomplete) step).problem();
                throw new CorruptLogException(segment.file(), at, problem + "; the log is not compacted until"
                        + " this is resolved");
            }
            budget.spend(valid.sizeInBytes());
            bytesRead += valid.sizeInBytes();
            ByteBuffer bytes = scanner.lastValidBatch(valid.sizeInBytes());
            MutableRecordBatch batch = MemoryRecords.readableRecords(bytes.duplicate()).batches().iterator().next();
            if (!visitor.visit(batch, bytes)) {
                return false;
            }
            expected = valid.lastOffset() + 1;
        }
    }

    private static void discardCleaned(CompactionPlan plan, Segment cleaned) {
        try {
            cleaned.close();
            for (String suffix : LogFiles.SEGMENT_SUFFIXES) {
                plan.log.storage().deleteIfExists(Segment.cleanedPath(plan.log.dir(), cleaned.baseOffset, suffix));
            }
        } catch (IOException e) {
            // Left for the next open, which removes every .cleaned file.
        }
    }
}
