package io.riverlog.actors.groups;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.function.Consumer;

import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.ChannelFactory;
import io.riverlog.wal.LogConfig;
import io.riverlog.wal.LogRecord;
import io.riverlog.wal.LogSlice;
import io.riverlog.wal.PartitionLog;

/**
 * The committed offsets of every group, as a log in {@code <data-dir>/groups}: a
 * {@link PartitionLog} whose records are {@link OffsetRecords}, one batch per write. Writes are
 * fsynced before {@link #append} returns, so a commit is answered only once it survives a crash; a
 * torn last batch is cut by the log's recovery, like an unacknowledged produce.
 *
 * <p>Every method does file IO: the group manager calls them on the blocking-IO dispatcher, one
 * call at a time, which is what PartitionLog asks of its writer.
 */
final class OffsetsLog implements AutoCloseable {
    private final PartitionLog log;
    private final Clock clock;
    private final int readBytes;

    private OffsetsLog(PartitionLog log, Clock clock, int readBytes) {
        this.log = log;
        this.clock = clock;
        this.readBytes = readBytes;
    }

    static OffsetsLog open(Path dir, LogConfig config, ChannelFactory channels, Clock clock) throws IOException {
        return new OffsetsLog(PartitionLog.open(dir, config, clock, channels), clock, config.recoveryReadBytes());
    }

    /** Hands every change in the log to {@code visitor}, oldest first; returns how many there were. */
    long replay(Consumer<OffsetChange> visitor) throws IOException {
        long count = 0;
        long end = log.logEndOffset();
        long offset = log.logStartOffset();
        while (offset < end) {
            LogSlice slice = log.read(offset, readBytes, end);
            if (slice.isEmpty()) {
                throw new OffsetsLoadException("offsets log " + log.dir() + " returned nothing at offset " + offset
                        + ", before its end " + end);
            }
            ByteBuffer batches = slice.readFully();
            for (LogRecord record : BatchFormat.decode(batches, offset)) {
                visitor.accept(decode(record));
                count++;
            }
            offset = slice.nextOffset();
        }
        return count;
    }

    /** Appends each write as one batch, then fsyncs them all at once. */
    void append(List<List<OffsetChange>> writes) throws IOException {
        long now = clock.millis();
        for (List<OffsetChange> write : writes) {
            log.append(OffsetRecords.batchOf(write, now));
        }
        log.flush();
    }

    @Override
    public void close() throws IOException {
        log.close();
    }

    private OffsetChange decode(LogRecord record) throws OffsetsLoadException {
        try {
            return OffsetRecords.decode(record.key(), record.value());
        } catch (IllegalArgumentException e) {
            throw new OffsetsLoadException("offsets log " + log.dir() + " holds an unreadable record at offset "
                    + record.offset() + ": " + e.getMessage());
        }
    }
}
