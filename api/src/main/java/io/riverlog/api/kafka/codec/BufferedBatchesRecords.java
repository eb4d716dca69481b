package io.riverlog.api.kafka.codec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

import org.apache.kafka.common.network.TransferableChannel;
import org.apache.kafka.common.record.internal.DefaultRecordsSend;
import org.apache.kafka.common.record.internal.RecordsSend;

/**
 * The record batches of a fetch answer that come from a partition's tail buffer: its own buffers,
 * written to the answer one after the other instead of first being joined into one.
 */
public final class BufferedBatchesRecords implements FetchedRecords {
    private final List<ByteBuffer> batches;
    private final int sizeInBytes;
    private final long recordCount;

    public BufferedBatchesRecords(List<ByteBuffer> batches, long firstOffset, long nextOffset) {
        this.batches = batches;
        this.recordCount = nextOffset - firstOffset;
        int size = 0;
        for (ByteBuffer batch : batches) {
            size += batch.remaining();
        }
        this.sizeInBytes = size;
    }

    @Override
    public long recordCount() {
        return recordCount;
    }

    @Override
    public int sizeInBytes() {
        return sizeInBytes;
    }

    @Override
    public RecordsSend<BufferedBatchesRecords> toSend() {
        return new DefaultRecordsSend<>(this);
    }

    /** Writes from byte {@code position} of the batches on, as much as the channel takes. */
    @Override
    public int writeTo(TransferableChannel channel, int position, int length) throws IOException {
        int skip = position;
        int written = 0;
        for (ByteBuffer batch : batches) {
            if (skip >= batch.remaining()) {
                skip -= batch.remaining();
                continue;
            }
            ByteBuffer rest = batch.duplicate();
            rest.position(rest.position() + skip);
            skip = 0;
            int wanted = rest.remaining();
            int sent = channel.write(rest);
            written += sent;
            if (sent < wanted || written >= length) {
                break;
            }
        }
        return written;
    }
}
