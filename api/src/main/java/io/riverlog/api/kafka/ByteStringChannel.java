package io.riverlog.api.kafka;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import org.apache.kafka.common.network.TransferableChannel;
import org.apache.pekko.util.ByteString;

/**
 * A channel that keeps what is written to it as a {@link ByteString}, sharing the bytes of heap
 * buffers instead of copying them. The writers must not change a buffer after writing it, which
 * holds for encoded responses: their buffers are built for one answer, and record batches are
 * never written to once stored.
 */
final class ByteStringChannel implements TransferableChannel {
    private ByteString bytes = ByteString.emptyByteString();

    ByteString bytes() {
        return bytes;
    }

    @Override
    public int write(ByteBuffer src) {
        int length = src.remaining();
        if (length == 0) {
            return 0;
        }
        if (src.hasArray()) {
            bytes = bytes.concat(ByteString.fromArrayUnsafe(src.array(), src.arrayOffset() + src.position(), length));
            src.position(src.limit());
        } else {
            bytes = bytes.concat(ByteString.fromByteBuffer(src));
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
