package io.riverlog.api.kafka.network;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Reads Kafka's size-prefixed frames from a non-blocking socket, one at a time, across as many
 * reads as they take. The buffer for a frame grows as its bytes arrive instead of being allocated
 * at the size the prefix claims, so a client that announces a large frame and sends little costs
 * little memory.
 */
final class FrameReader {
    /** Frames up to this size (every ordinary request) get their whole buffer at once. */
    private static final int FIRST_CAPACITY = 1 << 20;

    /** A size prefix outside 0..max-frame-bytes. */
    static final class FrameTooLargeException extends IOException {
        FrameTooLargeException(String message) {
            super(message);
        }
    }

    private final int maxFrameBytes;
    private final ByteBuffer sizePrefix = ByteBuffer.allocate(Integer.BYTES);
    private ByteBuffer body;
    private int expected;
    private boolean ended;

    FrameReader(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    /**
     * The next whole frame without its size prefix (position 0, limit its size; a writable heap
     * buffer), or null when the socket has nothing more for now or has ended ({@link #ended()}).
     */
    ByteBuffer read(SocketChannel socket) throws IOException {
        if (body == null) {
            if (socket.read(sizePrefix) < 0) {
                ended = true;
                return null;
            }
            if (sizePrefix.hasRemaining()) {
                return null;
            }
            int size = sizePrefix.getInt(0);
            if (size < 0 || size > maxFrameBytes) {
                throw new FrameTooLargeException("a frame of " + Integer.toUnsignedString(size)
                        + " bytes, above max-frame-bytes (" + maxFrameBytes + ")");
            }
            expected = size;
            body = ByteBuffer.allocate(Math.min(size, FIRST_CAPACITY));
        }
        while (body.position() < expected) {
            if (!body.hasRemaining()) {
                body = grown(body);
            }
            int read = socket.read(body);
            if (read < 0) {
                ended = true;
                return null;
            }
            if (read == 0) {
                return null;
            }
        }
        ByteBuffer frame = body.flip();
        body = null;
        sizePrefix.clear();
        return frame;
    }

    /** True once the peer closed its side. */
    boolean ended() {
        return ended;
    }

    private ByteBuffer grown(ByteBuffer full) {
        ByteBuffer larger = ByteBuffer.allocate((int) Math.min(expected, 2L * full.capacity()));
        return larger.put(full.flip());
    }
}
