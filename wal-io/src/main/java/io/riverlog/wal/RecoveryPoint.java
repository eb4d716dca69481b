package io.riverlog.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * How far the log was known durable: everything before {@code position} in the segment with base
 * offset {@code segmentBaseOffset} (and every earlier segment) was fsynced, and ends at
 * {@code offset}. Recovery after an unclean stop validates only what comes after it.
 *
 * <p>The {@code recovery-point} file is 24 bytes, one sector, rewritten in place and fsynced after
 * every fsync of the log's data, before the flush returns:
 * <pre>
 *   int64 offset  int64 segmentBaseOffset  int32 position  int32 crc32c(of the first 20 bytes)
 * </pre>
 * So the durable recovery point is at or past everything ever acknowledged, and never past what was
 * fsynced: recovery knows that an invalid batch before it is damage and one after it a torn write.
 * (A roll rewrites it without an fsync: the sealed segment is durable whatever the file says.) The
 * second fsync costs about a third of a flush on the disks measured (see bench/README.md). A file
 * that fails its CRC is damage too; recovery then checks the last segment from its start.
 */
record RecoveryPoint(long offset, long segmentBaseOffset, int position) {
    static final int BYTES = 24;
    private static final int CHECKED_BYTES = 20;

    /** The stored recovery point, or null if there is none or it is torn. */
    static RecoveryPoint read(Path dir, Storage storage) throws IOException {
        Path path = dir.resolve(LogFiles.RECOVERY_POINT);
        if (!storage.exists(path)) {
            return null;
        }
        byte[] bytes = storage.readAllBytes(path);
        if (bytes.length < BYTES) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 0, BYTES);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, CHECKED_BYTES);
        RecoveryPoint point = new RecoveryPoint(buffer.getLong(), buffer.getLong(), buffer.getInt());
        if (buffer.getInt() != (int) crc.getValue() || point.position < 0 || point.offset < point.segmentBaseOffset) {
            return null;
        }
        return point;
    }

    /**
     * The {@code recovery-point} file of a log, owned by the log's writer. It is created when the log
     * opens, and opened at its first write after that: a log that is not written to holds no descriptor
     * for it. Then it stays open, so that a flush never needs a new descriptor (a broker whose
     * descriptors ran out goes on acknowledging writes to its partitions that were written before), and
     * a write and its fsync go through the same descriptor (an error of a write is reported only
     * through the descriptors open when it happened).
     */
    static final class Store implements AutoCloseable {
        private final Path path;
        private final Storage storage;
        private final ByteBuffer buffer = ByteBuffer.allocate(BYTES);
        /** Open from the first write on; null before. */
        private FileChannel channel;

        Store(Path dir, Storage storage) throws IOException {
            this.path = dir.resolve(LogFiles.RECOVERY_POINT);
            this.storage = storage;
            storage.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE).close();
        }

        void write(RecoveryPoint point) throws IOException {
            buffer.clear();
            buffer.putLong(point.offset).putLong(point.segmentBaseOffset).putInt(point.position);
            CRC32C crc = new CRC32C();
            crc.update(buffer.array(), 0, CHECKED_BYTES);
            buffer.putInt((int) crc.getValue()).flip();
            if (channel == null) {
                channel = storage.open(path, StandardOpenOption.WRITE);
            }
            long at = 0;
            while (buffer.hasRemaining()) {
                at += channel.write(buffer, at);
            }
        }

        /** Makes the last write durable; nothing to do if nothing was written. */
        void force() throws IOException {
            if (channel != null) {
                channel.force(false);
            }
        }

        @Override
        public void close() throws IOException {
            if (channel != null) {
                FileChannel open = channel;
                channel = null;
                open.close();
            }
        }
    }
}
