package io.riverlog.api.kafka.codec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;

import org.apache.pekko.util.ByteString;

/**
 * One encoded answer, its 4-byte size prefix included, as the pieces it leaves in: buffers in
 * memory (sharing the bytes of the record batches they carry, not copying them) and regions of
 * segment files, which are sent straight from the file ({@code transferTo}) without passing
 * through the heap.
 */
public record ResponseFrame(List<Part> parts) {

    public ResponseFrame {
        parts = List.copyOf(parts);
    }

    public sealed interface Part {
    }

    /** Bytes in memory; the buffers belong to this frame (their positions move as they are sent). */
    public record Buffers(ByteBuffer[] buffers) implements Part {
    }

    /**
     * {@code count} bytes of a file from {@code position}. A segment's channel stays readable even if
     * retention deletes the file meanwhile (for {@code segment-delete-delay}).
     */
    public record FileRegion(FileChannel channel, long position, int count) implements Part {
        ByteBuffer read() throws IOException {
            ByteBuffer buffer = ByteBuffer.allocate(count);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, position + buffer.position()) < 0) {
                    throw new IOException("the file ends before the region sent from it");
                }
            }
            return buffer.flip();
        }
    }

    /** The whole frame in memory (regions read from their files), without consuming it. */
    ByteString toByteString() {
        ByteString all = ByteString.emptyByteString();
        try {
            for (Part part : parts) {
                if (part instanceof Buffers buffers) {
                    for (ByteBuffer buffer : buffers.buffers()) {
                        all = all.concat(ByteString.fromByteBuffer(buffer.duplicate()));
                    }
                } else {
                    all = all.concat(ByteString.fromByteBuffer(((FileRegion) part).read()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all;
    }
}
