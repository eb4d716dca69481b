package io.riverlog.api.kafka.codec;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.network.TransferableChannel;

/**
 * The channel a response is encoded into: it keeps what is written as the parts of a
 * {@link ResponseFrame}. Buffers are kept as views of the written bytes rather than copied, and
 * file regions (what {@link LogRegionRecords} transfers) as references to send from the file. The
 * writers must not change a buffer's bytes after writing it, which holds for encoded responses:
 * their buffers are built for one answer, and record batches are never written to once stored.
 */
final class ResponseChannel implements TransferableChannel {
    private final List<ResponseFrame.Part> parts = new ArrayList<>();
    private final List<ByteBuffer> buffers = new ArrayList<>();

    ResponseFrame frame() {
        flushBuffers();
        return new ResponseFrame(parts);
    }

    private void flushBuffers() {
        if (!buffers.isEmpty()) {
            parts.add(new ResponseFrame.Buffers(buffers.toArray(ByteBuffer[]::new)));
            buffers.clear();
        }
    }

    @Override
    public int write(ByteBuffer src) {
        int length = src.remaining();
        if (length > 0) {
            buffers.add(src.slice());
            src.position(src.limit());
        }
        return length;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
        long written = 0;
        for (int i = offset; i < offset + length; i++) {
            written += write(srcs[i]);
        }
        return written;
    }

    @Override
    public long write(ByteBuffer[] srcs) {
        return write(srcs, 0, srcs.length);
    }

    /** Keeps the region as a reference; the connection sends it from the file. */
    @Override
    public long transferFrom(FileChannel fileChannel, long position, long count) {
        flushBuffers();
        parts.add(new ResponseFrame.FileRegion(fileChannel, position, Math.toIntExact(count)));
        return count;
    }

    @Override
    public boolean hasPendingWrites() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {
    }
}
