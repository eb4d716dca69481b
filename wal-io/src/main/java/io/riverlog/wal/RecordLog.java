package io.riverlog.wal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A log of typed events on a {@link PartitionLog}: the broker's own small logs (topic metadata,
 * committed offsets) whose every change is fsynced before it is answered and replayed at start. A
 * {@link Codec} turns a list of events into one record batch and a record back into its event; one
 * batch is one change, so after a crash a change is either wholly in the log or wholly cut.
 *
 * <p>The log keeps its <em>acknowledged end</em>: the end offset after its last successful fsync
 * (at open, the end that recovery left and made durable). A write or fsync that fails leaves bytes
 * that were never acknowledged in the file (after a failed fsync the page cache may even hold them
 * while the disk does not), and a later restart would replay them. So before the failure is
 * reported, the log is cut back: the failed instance is closed and the directory reopened with
 * {@link PartitionLog#openAfterStorageFailure}, which drops everything at or past the acknowledged
 * end durably and logs the directory, the end kept and the bytes dropped. Then:
 * <ul>
 *   <li>{@link NotWrittenException}: the log ends at its acknowledged end again; nothing of the
 *       failed call is in it, now or after any restart;</li>
 *   <li>{@link WriteOutcomeUnknownException}: the cut-back failed too (the disk is still failing);
 *       what the call appended may or may not come back at the next open. The next call that writes
 *       tries the cut-back again first, and while that keeps failing it is refused with a
 *       {@link NotWrittenException} without writing anything.</li>
 * </ul>
 *
 * <p>Not thread-safe: one caller at a time (the owning actor hands each call to the blocking-IO
 * dispatcher and waits for it), which is also what {@link PartitionLog} asks of its writer.
 */
public final class RecordLog<E> implements AutoCloseable {

    /** Builds one record batch, validated and ready to append, from the events of one change. */
    @FunctionalInterface
    public interface BatchEncoder<E> {
        ValidBatches batchOf(List<E> events, long timestampMs);
    }

    /** The binary form of the events: one batch per change, one event per record. */
    public interface Codec<E> extends BatchEncoder<E> {
        /** The event the record holds; an IllegalArgumentException if it cannot be read. */
        E decode(LogRecord record);
    }

    /** Gets every event of a replay with the record it was read from. */
    @FunctionalInterface
    public interface Visitor<E> {
        void visit(E event, LogRecord record);
    }

    private final Path dir;
    private final LogConfig config;
    private final Clock clock;
    private final Storage storage;
    private final Codec<E> codec;
    /** Null while a cut-back is owed: the failed instance is closed and the reopen has not succeeded yet. */
    private PartitionLog log;
    private long acknowledgedEndOffset;

    private RecordLog(Path dir, LogConfig config, Clock clock, Storage storage, Codec<E> codec, PartitionLog log) {
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        this.storage = storage;
        this.codec = codec;
        this.log = log;
        this.acknowledgedEndOffset = log.durableEndOffset();
    }

    /** Opens (creating if needed) the log in {@code dir}, recovering it if it was not closed cleanly. */
    public static <E> RecordLog<E> open(Path dir, LogConfig config, Clock clock, Storage storage, Codec<E> codec)
            throws IOException {
        return new RecordLog<>(dir, config, clock, storage, codec, PartitionLog.open(dir, config, clock, storage));
    }

    public Path dir() {
        return dir;
    }

    // ---------------------------------------------------------------- replay

    /** Hands every event in the log to {@code visitor}, oldest first; returns how many there were. */
    public long replay(Consumer<E> visitor) throws IOException {
        return replayRecords((event, record) -> visitor.accept(event));
    }

    /** As {@link #replay(Consumer)}, with the record each event was read from (for its headers, say). */
    public long replayRecords(Visitor<E> visitor) throws IOException {
        PartitionLog current = opened();
        long count = 0;
        long end = current.logEndOffset();
        long offset = current.logStartOffset();
        while (offset < end) {
            LogSlice slice = current.read(offset, config.recoveryReadBytes(), end);
            if (slice.isEmpty()) {
                throw new UnreadableLogException("log " + dir + " returned nothing at offset " + offset
                        + ", before its end " + end);
            }
            for (LogRecord record : BatchFormat.decode(slice.readFully(), offset)) {
                visitor.visit(decode(record), record);
                count++;
            }
            offset = slice.nextOffset();
        }
        return count;
    }

    private E decode(LogRecord record) throws UnreadableLogException {
        try {
            return codec.decode(record);
        } catch (IllegalArgumentException e) {
            throw new UnreadableLogException("log " + dir + " holds an unreadable record at offset " + record.offset()
                    + ": " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- writes

    /** Appends the event as a batch of its own and fsyncs it; returns the acknowledged end offset. */
    public long append(E event) throws IOException {
        return append(List.of(List.of(event)));
    }

    /**
     * Appends each list of events as one batch, then fsyncs them all at once; returns the
     * acknowledged end offset once they are durable.
     *
     * @throws NotWrittenException         if a write or fsync failed and the log was cut back
     * @throws WriteOutcomeUnknownException if it failed and the cut-back failed too
     */
    public long append(List<List<E>> batches) throws IOException {
        appendWithoutFsync(batches, codec);
        return flush();
    }

    /**
     * Appends each list of events as one batch built by {@code encoder} (a snapshot marks its records
     * so, say); not acknowledged until {@link #flush} returns. A failure cuts back as {@link #append}.
     */
    public void appendWithoutFsync(List<List<E>> batches, BatchEncoder<E> encoder) throws IOException {
        PartitionLog current = writable();
        long now = clock.millis();
        // Every batch is built before the first byte is written: a change that cannot be encoded writes nothing.
        List<ValidBatches> encoded = new ArrayList<>(batches.size());
        for (List<E> batch : batches) {
            encoded.add(encoder.batchOf(batch, now));
        }
        try {
            for (ValidBatches batch : encoded) {
                current.append(batch);
            }
        } catch (IOException e) {
            throw cutBackAfter(e);
        }
    }

    /** Fsyncs what was appended; returns the new acknowledged end offset. A failure cuts back as {@link #append}. */
    public long flush() throws IOException {
        PartitionLog current = writable();
        try {
            acknowledgedEndOffset = current.flush();
        } catch (IOException e) {
            throw cutBackAfter(e);
        }
        return acknowledgedEndOffset;
    }

    /** Starts a new segment at the end (see {@link PartitionLog#roll}). A failure cuts back as {@link #append}. */
    public void roll() throws IOException {
        PartitionLog current = writable();
        try {
            current.roll();
        } catch (IOException e) {
            throw cutBackAfter(e);
        }
    }

    /**
     * Deletes every segment holding only offsets below {@code offset} (see
     * {@link PartitionLog#deleteSegmentsBefore}); returns how many. A failure cuts back as {@link #append}.
     */
    public int deleteSegmentsBefore(long offset) throws IOException {
        PartitionLog current = writable();
        try {
            return current.deleteSegmentsBefore(offset);
        } catch (IOException e) {
            throw cutBackAfter(e);
        }
    }

    // ---------------------------------------------------------------- cut-back

    /** The open log; if a cut-back is owed, it is tried first, and while it fails nothing is written. */
    private PartitionLog writable() throws NotWrittenException {
        if (log == null) {
            try {
                log = PartitionLog.openAfterStorageFailure(dir, config, clock, storage, acknowledgedEndOffset);
            } catch (IOException | RuntimeException e) {
                throw new NotWrittenException("log " + dir + " still cannot be cut back to its acknowledged end offset "
                        + acknowledgedEndOffset + "; nothing was written", e);
            }
        }
        return log;
    }

    /**
     * Cuts the log back to its acknowledged end after {@code failure}: closes the failed instance and
     * reopens the directory at exactly that end. Returns what to throw: not written if that worked,
     * outcome unknown if it did not (the next write tries again).
     */
    private IOException cutBackAfter(IOException failure) {
        PartitionLog failed = log;
        log = null;
        try {
            failed.close();
        } catch (IOException closing) {
            failure.addSuppressed(closing);
        }
        try {
            log = PartitionLog.openAfterStorageFailure(dir, config, clock, storage, acknowledgedEndOffset);
        } catch (IOException | RuntimeException reopening) {
            failure.addSuppressed(reopening);
            return new WriteOutcomeUnknownException("writing log " + dir + " failed, and cutting it back to its"
                    + " acknowledged end offset " + acknowledgedEndOffset + " failed too (" + reopening.getMessage()
                    + "): what was written may or may not be there at the next start", failure);
        }
        return new NotWrittenException("writing log " + dir + " failed (" + failure.getMessage() + "); it was cut"
                + " back to its acknowledged end offset " + acknowledgedEndOffset + ", so nothing of it is in effect",
                failure);
    }

    // ---------------------------------------------------------------- state

    /** The end offset after the last successful fsync: what a cut-back keeps. */
    public long acknowledgedEndOffset() {
        return acknowledgedEndOffset;
    }

    public long logStartOffset() {
        return opened().logStartOffset();
    }

    /** The open log, for what only reads; there is none while a cut-back is owed. */
    private PartitionLog opened() {
        if (log == null) {
            throw new IllegalStateException("log " + dir + " is closed until it is cut back to its acknowledged end"
                    + " offset " + acknowledgedEndOffset);
        }
        return log;
    }

    /** Closes the log cleanly; if a cut-back is still owed there is nothing open, and the next open recovers. */
    @Override
    public void close() throws IOException {
        if (log != null) {
            log.close();
        }
    }
}
