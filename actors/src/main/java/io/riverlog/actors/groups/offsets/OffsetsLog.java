package io.riverlog.actors.groups.offsets;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.wal.LogConfig;
import io.riverlog.wal.RecordLog;
import io.riverlog.wal.Storage;

/**
 * The committed offsets of every group, as a log in {@code <data-dir>/groups}: a
 * {@link RecordLog} whose records are {@link OffsetRecords}, one batch per write. Writes are
 * fsynced before {@link #append} returns, so a commit is answered only once it survives a crash; a
 * torn last batch is cut by the log's recovery, like an unacknowledged produce. A write that fails
 * is cut back before it is reported, so that a refused commit never comes back at a restart.
 *
 * <p>Snapshots keep the log, and so the replay at start, bounded. A snapshot is the whole
 * {@link OffsetTable#image() table} written again as ordinary records, in a segment of its own:
 * <ol>
 *   <li>roll: the active segment is sealed and a new one starts at the log end, S;</li>
 *   <li>append the image in batches of {@value #SNAPSHOT_BATCH_RECORDS} records, then fsync;</li>
 *   <li>delete every segment before S (oldest first), then fsync the directory.</li>
 * </ol>
 * Re-writing what the table already holds changes nothing, so the table a replay builds is the
 * same whatever a crash left behind: a snapshot cut anywhere (its records merely repeat the table),
 * a complete one with the older segments still there, or with only the newest of them (each
 * surviving record is overwritten by the snapshot or by what came after it). Replay needs no marker
 * for where a snapshot starts; the records carry one only so that replay can count the changes
 * written since (which decides when the next snapshot is due).
 *
 * <p>A step of a snapshot that fails cuts the log back to its acknowledged end as a failed write
 * does; the snapshot's records only repeat the table, so whatever of them is kept changes nothing.
 *
 * <p>Every method does file IO: the {@link OffsetStore} calls them on the blocking-IO dispatcher,
 * one call at a time, which is what RecordLog asks.
 */
final class OffsetsLog implements AutoCloseable {
    private static final Logger logger = LoggerFactory.getLogger(OffsetsLog.class);
    /**
     * Records per snapshot batch: large enough to amortise batch headers, small enough to stay far
     * below any frame limit.
     */
    static final int SNAPSHOT_BATCH_RECORDS = 1000;

    /** The steps of a snapshot, which tests use to stop one part-way as a crash would. */
    enum SnapshotStep { ROLLED, APPENDED, FLUSHED, DELETED }

    @FunctionalInterface
    interface SnapshotSteps {
        SnapshotSteps NONE = step -> { };

        void reached(SnapshotStep step) throws IOException;
    }

    /** What a snapshot did, for the log line and for tests. */
    record Snapshot(long startOffset, long endOffset, int segmentsDeleted) {
    }

    private final RecordLog<OffsetChange> log;
    private final long snapshotAfterChanges;
    private SnapshotSteps steps = SnapshotSteps.NONE;
    private long changesSinceSnapshot;

    private OffsetsLog(RecordLog<OffsetChange> log, long snapshotAfterChanges) {
        this.log = log;
        this.snapshotAfterChanges = snapshotAfterChanges;
    }

    static OffsetsLog open(Path dir, LogConfig config, Storage storage, Clock clock, long snapshotAfterChanges)
            throws IOException {
        return new OffsetsLog(RecordLog.open(dir, config, clock, storage, OffsetRecords.CODEC), snapshotAfterChanges);
    }

    /** Hands every change in the log to {@code visitor}, oldest first; returns how many there were. */
    long replay(Consumer<OffsetChange> visitor) throws IOException {
        return log.replayRecords((change, record) -> {
            visitor.accept(change);
            changesSinceSnapshot = OffsetRecords.isSnapshot(record) ? 0 : changesSinceSnapshot + 1;
        });
    }

    /**
     * Appends each write as one batch, then fsyncs them all at once. A failure cuts the log back to
     * its last acknowledged write before it is thrown (see {@link RecordLog}).
     */
    void append(List<List<OffsetChange>> writes) throws IOException {
        log.append(writes);
        for (List<OffsetChange> write : writes) {
            changesSinceSnapshot += write.size();
        }
    }

    /** True once more changes were written since the last snapshot than the setting allows. */
    boolean snapshotDue() {
        return changesSinceSnapshot >= snapshotAfterChanges;
    }

    /**
     * Writes {@code image} (the whole table, as {@link OffsetTable#image()} gives it, with every write
     * so far applied) as a snapshot and deletes the log before it; see the class comment.
     */
    Snapshot snapshot(List<OffsetChange> image) throws IOException {
        long started = System.nanoTime();
        log.roll();
        long start = log.acknowledgedEndOffset();
        steps.reached(SnapshotStep.ROLLED);
        List<List<OffsetChange>> batches = new ArrayList<>();
        for (int from = 0; from < image.size(); from += SNAPSHOT_BATCH_RECORDS) {
            batches.add(image.subList(from, Math.min(image.size(), from + SNAPSHOT_BATCH_RECORDS)));
        }
        log.appendWithoutFsync(batches, OffsetRecords::snapshotBatchOf);
        steps.reached(SnapshotStep.APPENDED);
        long end = log.flush();
        steps.reached(SnapshotStep.FLUSHED);
        changesSinceSnapshot = 0;
        int deleted = log.deleteSegmentsBefore(start);
        steps.reached(SnapshotStep.DELETED);
        Snapshot snapshot = new Snapshot(start, end, deleted);
        logger.info("Snapshot of the committed offsets written to {} at offsets [{}, {}) in {} ms; {} older segments"
                + " deleted", log.dir(), start, snapshot.endOffset(), (System.nanoTime() - started) / 1_000_000,
                deleted);
        return snapshot;
    }

    /** Lets a test stop a snapshot after any of its steps. */
    void onSnapshotSteps(SnapshotSteps steps) {
        this.steps = steps;
    }

    long logStartOffset() {
        return log.logStartOffset();
    }

    @Override
    public void close() throws IOException {
        log.close();
    }
}
