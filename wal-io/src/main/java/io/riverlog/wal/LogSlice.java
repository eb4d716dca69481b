package io.riverlog.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;

/**
 * The answer to a read: a region of one segment file holding whole batches, so it can be sent
 * with {@link FileChannel#transferTo} (zero copy) or read into memory. The region stays readable
 * for at least {@code segment-delete-delay} even if retention deletes its segment meanwhile.
 *
 * @param file          the segment file, for messages
 * @param channel       the segment file's channel (null when empty)
 * @param position      first byte of the region in the file
 * @param sizeInBytes   bytes in the region; 0 when there is nothing to read yet
 * @param firstOffset   base offset of the first batch (may be below the offset that was asked for)
 * @param nextOffset    the offset after the last batch: where the next read continues
 */
public record LogSlice(Path file, FileChannel channel, int position, int sizeInBytes, long firstOffset,
                       long nextOffset) {

    static LogSlice empty(long offset) {
        return new LogSlice(null, null, 0, 0, offset, offset);
    }

    public boolean isEmpty() {
        return sizeInBytes == 0;
    }

    /** Copies the region into a new heap buffer (position 0, limit the size). */
    public ByteBuffer readFully() throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(sizeInBytes);
        readInto(buffer);
        return buffer.flip();
    }

    /** Copies the region into {@code target} from its position; it must have room for it all. */
    public void readInto(ByteBuffer target) throws IOException {
        if (target.remaining() < sizeInBytes) {
            throw new IllegalArgumentException(
                    "target has room for " + target.remaining() + " of " + sizeInBytes + " bytes");
        }
        long filePosition = position;
        int end = target.position() + sizeInBytes;
        ByteBuffer window = target.duplicate();
        window.limit(end);
        while (window.hasRemaining()) {
            int read = channel.read(window, filePosition);
            if (read < 0) {
                throw new CorruptLogException(file, filePosition, "file ends inside a region that was read");
            }
            filePosition += read;
        }
        target.position(end);
    }

    /** Sends the whole region to {@code target}, with zero copy where the platform allows it. */
    public long transferTo(WritableByteChannel target) throws IOException {
        long sent = 0;
        while (sent < sizeInBytes) {
            long n = channel.transferTo(position + sent, sizeInBytes - sent, target);
            if (n <= 0) {
                throw new IOException(
                        "transfer from " + file + " stalled after " + sent + " of " + sizeInBytes + " bytes");
            }
            sent += n;
        }
        return sent;
    }
}
