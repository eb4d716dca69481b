package io.riverlog.api.kafka;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.network.TransferableChannel;

import io.riverlog.wal.LogSlice;

/**
 * The channel a response is encoded into: it keeps what is written as the parts of a
 * {@link ResponseFrame}. Buffers are kept as views of the written bytes rather than copied, and
 * regions of segment files ({@link LogRegionRecords}) as references to send from the file. The
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

    /** Keeps {@code count} bytes of the slice's file from {@code position} (a file position). */
    void addRegion(LogSlice slice, long position, int count) {
        flushBuffers();
        parts.add(new ResponseFrame.FileRegion(slice.file(), slice.channel(), position, count));
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

    /** A file region of records other than ours (of unknown path): read into memory. */
    @Override
    public long transferFrom(FileChannel fileChannel, long position, long count) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(count));
        while (buffer.hasRemaining()) {
            if (fileChannel.read(buffer, position + buffer.position()) < 0) {
                throw new IOException("file ended " + buffer.remaining() + " bytes before the region's end");
            }
        }
        return write(buffer.flip());
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
