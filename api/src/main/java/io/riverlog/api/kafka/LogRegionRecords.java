package io.riverlog.api.kafka;

import java.io.IOException;

import org.apache.kafka.common.network.TransferableChannel;
import org.apache.kafka.common.record.internal.DefaultRecordsSend;
import org.apache.kafka.common.record.internal.RecordsSend;

import io.riverlog.wal.LogSlice;

/**
 * The record batches of a fetch answer that lie in a segment file. Encoded into a
 * {@link ResponseChannel} they stay a reference to the file region; into any other channel they
 * are transferred from the file.
 */
final class LogRegionRecords implements FetchedRecords {
    private final LogSlice slice;

    LogRegionRecords(LogSlice slice) {
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
        long filePosition = (long) slice.position() + position;
        if (channel instanceof ResponseChannel response) {
            response.addRegion(slice, filePosition, length);
            return length;
        }
        return Math.toIntExact(channel.transferFrom(slice.channel(), filePosition, length));
    }
}
