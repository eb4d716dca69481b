package io.riverlog.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import io.riverlog.wal.BatchFormat.ScanStep;

/**
 * Walks the batches of one region of a segment file and checks each one whole (length, magic,
 * leader epoch, CRC32C, and the base offset the caller expects), reading the file in chunks through
 * a scratch buffer that grows for a batch larger than it. Used by recovery, by reads that reach
 * bytes not yet verified, and by the scrubber. Not thread-safe; one scanner per walk.
 */
final class BatchScanner {
    /** What the next batch turned out to be. */
    sealed interface Step {
    }

    /** A valid batch of {@code sizeInBytes} ending with {@code lastOffset}. */
    record Valid(int sizeInBytes, long lastOffset, long maxTimestamp) implements Step {
    }

    /**
     * The batch at the position fails a check. {@code declaredBytes} is the size its header claims if
     * that is plausible (the batch fits in the region), else -1.
     */
    record Invalid(String problem, int declaredBytes) implements Step {
    }

    /** The region ends {@code bytes} into a batch (a torn tail at the end of a file). */
    record Incomplete(int bytes, String problem) implements Step {
    }

    /** The region ends exactly here. */
    record End() implements Step {
    }

    private static final End END = new End();

    private final FileChannel channel;
    private final int end;
    private ByteBuffer buffer;
    private int position;
    private int lastValidEnd;

    BatchScanner(FileChannel channel, int from, int end, ByteBuffer scratch) {
        this.channel = channel;
        this.end = end;
        this.position = from;
        this.buffer = scratch;
        buffer.clear().limit(0);
    }

    int position() {
        return position;
    }

    /**
     * The bytes of the batch the last {@link #next} found valid, as a view of the scanner's buffer:
     * good until the next call.
     */
    ByteBuffer lastValidBatch(int sizeInBytes) {
        return buffer.duplicate().limit(lastValidEnd).position(lastValidEnd - sizeInBytes).slice();
    }

    /**
     * Checks the batch at the current position, expected to start at {@code expectedBaseOffset}; a
     * valid one is passed.
     */
    Step next(long expectedBaseOffset) throws IOException {
        if (position >= end) {
            return END;
        }
        int left = end - position;
        if (left < BatchFormat.HEADER_BYTES || !fill(BatchFormat.HEADER_BYTES)) {
            return new Incomplete(left, "the file ends " + left + " bytes into a batch");
        }
        int declared = buffer.getInt(buffer.position() + Long.BYTES) + Long.BYTES + Integer.BYTES;
        if (declared >= BatchFormat.HEADER_BYTES && declared > left) {
            return new Incomplete(left, "a batch declares " + declared + " bytes, the file has " + left + " left");
        }
        if (declared >= BatchFormat.HEADER_BYTES) {
            fill(declared);
        }
        ScanStep step = BatchFormat.scanNext(buffer, expectedBaseOffset, Integer.MAX_VALUE);
        if (step.kind() == ScanStep.Kind.VALID) {
            lastValidEnd = buffer.position();
            position += step.sizeInBytes();
            return new Valid(step.sizeInBytes(), step.lastOffset(), step.maxTimestamp());
        }
        boolean plausible = declared >= BatchFormat.HEADER_BYTES && declared <= left;
        return new Invalid(step.problem(), plausible ? declared : -1);
    }

    /** The base offset the header at the current position claims, or -1 if no header fits before the end. */
    long claimedBaseOffset() throws IOException {
        if (end - position < BatchFormat.HEADER_BYTES || !fill(BatchFormat.HEADER_BYTES)) {
            return -1;
        }
        return buffer.getLong(buffer.position());
    }

    /** Moves past {@code bytes} without checking them (past a damaged batch whose length is plausible). */
    void skip(int bytes) {
        position += bytes;
        int buffered = buffer.remaining();
        if (bytes <= buffered) {
            buffer.position(buffer.position() + bytes);
        } else {
            buffer.clear().limit(0);
        }
    }

    /** Makes sure {@code bytes} from the current position are in the buffer; false if the region is shorter. */
    private boolean fill(int bytes) throws IOException {
        if (buffer.remaining() >= bytes) {
            return true;
        }
        if (bytes > end - position) {
            return false;
        }
        if (bytes > buffer.capacity()) {
            buffer = ByteBuffer.allocate(bytes).put(buffer).flip();
        }
        buffer.compact();
        long readAt = (long) position + buffer.position();
        long stop = Math.min(end, (long) position + buffer.capacity());
        buffer.limit((int) (stop - position));
        while (buffer.hasRemaining() && readAt < stop) {
            int n = channel.read(buffer, readAt);
            if (n < 0) {
                break;
            }
            readAt += n;
        }
        buffer.flip();
        return buffer.remaining() >= bytes;
    }
}
