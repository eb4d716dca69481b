package io.riverlog.actors.topics;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogConfig;
import io.riverlog.wal.LogRecord;
import io.riverlog.wal.LogSlice;
import io.riverlog.wal.PartitionLog;
import io.riverlog.wal.Storage;

/**
 * The log of topic changes in {@code <data-dir>/meta}: a {@link PartitionLog} whose records are
 * {@link TopicEvents}, one event per batch. An event is fsynced before {@link #append} returns, so
 * a change is answered only once it survives a crash; a torn last event is cut by the log's
 * recovery, exactly like an unacknowledged produce.
 *
 * <p>Every method does file IO: the registry calls them on the blocking-IO dispatcher, one call at
 * a time (the registry writes one change at a time), which is what PartitionLog asks of its writer.
 */
final class MetadataLog implements AutoCloseable {
    private final PartitionLog log;
    private final Clock clock;
    private final int readBytes;

    private MetadataLog(PartitionLog log, Clock clock, int readBytes) {
        this.log = log;
        this.clock = clock;
        this.readBytes = readBytes;
    }

    static MetadataLog open(Path dir, LogConfig config, Storage storage, Clock clock) throws IOException {
        return new MetadataLog(PartitionLog.open(dir, config, clock, storage), clock, config.recoveryReadBytes());
    }

    /** Every event in the log, oldest first. */
    List<TopicEvent> replay() throws IOException {
        List<TopicEvent> events = new ArrayList<>();
        long end = log.logEndOffset();
        long offset = log.logStartOffset();
        while (offset < end) {
            LogSlice slice = log.read(offset, readBytes, end);
            if (slice.isEmpty()) {
                throw new MetadataLoadException("metadata log " + log.dir() + " returned nothing at offset " + offset
                        + ", before its end " + end);
            }
            ByteBuffer batches = slice.readFully();
            for (LogRecord record : BatchFormat.decode(batches, offset)) {
                events.add(decode(record));
            }
            offset = slice.nextOffset();
        }
        return events;
    }

    /** Appends the event and fsyncs it. */
    void append(TopicEvent event) throws IOException {
        log.append(TopicEvents.batchOf(event, clock.millis()));
        log.flush();
    }

    @Override
    public void close() throws IOException {
        log.close();
    }

    private TopicEvent decode(LogRecord record) throws MetadataLoadException {
        try {
            if (record.value() == null) {
                throw new IllegalArgumentException("the record has no value");
            }
            return TopicEvents.decode(record.value());
        } catch (IllegalArgumentException e) {
            throw new MetadataLoadException("metadata log " + log.dir() + " holds an unreadable event at offset "
                    + record.offset() + ": " + e.getMessage());
        }
    }
}
