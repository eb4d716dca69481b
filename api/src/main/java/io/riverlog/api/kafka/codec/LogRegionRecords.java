package io.riverlog.api.kafka.codec;

import java.io.IOException;

import org.apache.kafka.common.network.TransferableChannel;
import org.apache.kafka.common.record.internal.DefaultRecordsSend;
import org.apache.kafka.common.record.internal.RecordsSend;

import io.riverlog.wal.LogSlice;

/**
 * The record batches of a fetch answer that lie in a segment file: written by transferring the
 * region from the file's channel, which a {@link ResponseChannel} keeps as a reference.
 */
public final class LogRegionRecords implements FetchedRecords {
    private final LogSlice slice;

    public LogRegionRecords(LogSlice slice) {
        this.slice = slice;
    }

    @Override
    public long recordCount() {
        return slice.nextOffset() - slice.firstOffset();
    }

    @Override
    public int sizeInBytes() {
        return slice.sizeInBytes();
    }

    @Override
    public RecordsSend<LogRegionRecords> toSend() {
        return new DefaultRecordsSend<>(this);
    }

    @Override
    public int writeTo(TransferableChannel channel, int position, int length) throws IOException {
        return Math.toIntExact(channel.transferFrom(slice.channel(), (long) slice.position() + position, length));
    }
}
