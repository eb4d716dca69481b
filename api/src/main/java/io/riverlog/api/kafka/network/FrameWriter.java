package io.riverlog.api.kafka.network;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

import io.riverlog.api.kafka.codec.ResponseFrame;

/**
 * Sends one {@link ResponseFrame} to a non-blocking socket as far as the socket takes it, and goes
 * on from there at the next call: buffers with gathering writes, file regions with
 * {@code transferTo} (sendfile), in order.
 */
final class FrameWriter {
    private final ResponseFrame frame;
    private int part;
    private long sentOfPart;

    FrameWriter(ResponseFrame frame) {
        this.frame = frame;
    }

    /** True once the whole frame is sent; false when the socket is full. */
    boolean writeTo(SocketChannel socket) throws IOException {
        while (part < frame.parts().size()) {
            ResponseFrame.Part next = frame.parts().get(part);
            boolean sent = next instanceof ResponseFrame.Buffers buffers
                    ? send(buffers.buffers(), socket)
                    : send((ResponseFrame.FileRegion) next, socket);
            if (!sent) {
                return false;
            }
            part++;
            sentOfPart = 0;
        }
        return true;
    }

    private static boolean send(ByteBuffer[] buffers, SocketChannel socket) throws IOException {
        ByteBuffer last = buffers[buffers.length - 1];
        while (last.hasRemaining()) {
            if (socket.write(buffers) == 0) {
                return false;
            }
        }
        return true;
    }

    private boolean send(ResponseFrame.FileRegion region, SocketChannel socket) throws IOException {
        while (sentOfPart < region.count()) {
            long sent = region.channel()
                    .transferTo(region.position() + sentOfPart, region.count() - sentOfPart, socket);
            if (sent == 0) {
                if (region.position() + sentOfPart >= region.channel().size()) {
                    throw new IOException("a segment file ends before the region being sent from it");
                }
                return false;
            }
            sentOfPart += sent;
        }
        return true;
    }
}
