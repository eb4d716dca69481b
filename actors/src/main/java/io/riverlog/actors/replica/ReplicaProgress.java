package io.riverlog.actors.replica;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.zip.CRC32C;

import io.riverlog.actors.partition.LogOpener;
import io.riverlog.wal.LogConfig;
import io.riverlog.wal.PartitionLog;
import io.riverlog.wal.Storage;

/**
 * How far one replica of a partition has applied its group's log: the index of the last entry carried
 * out and the log's end after it, in the partition directory's {@code replica-applied} file, written
 * after the partition answered the entry, which it does once the entry's write round was fsynced. At
 * a restart the log is cut back to that end ({@link #recover}) and the group's entries after that
 * index are applied again.
 *
 * <p>The file has two slots of 24 bytes (index, end offset, CRC32C of both), each in a sector of its
 * own. The first is rewritten after every entry and not fsynced: any pair it held is one the log was
 * durable up to, so after a power cut an older pair only means more entries are applied again, from
 * a shorter log. The second is written and fsynced when the group takes a snapshot
 * ({@link #writeDurably}), before the group's log is purged up to it: whatever a power cut does to the
 * first slot, a pair at least that far survives, and the entries after it are still in the group's
 * log. {@link #read} takes the furthest of the slots whose CRC holds.
 */
public final class ReplicaProgress {
    static final String FILE = "replica-applied";
    private static final int BYTES = 24;
    /** Where the durable slot starts: a sector apart from the first, so that a torn write of one spares the other. */
    private static final int DURABLE_SLOT = 512;

    /** Applied: the index of the last entry carried out, and the log's end after it. */
    public record Applied(long index, long endOffset) {
        public static final Applied NONE = new Applied(-1, 0);
    }

    /**
     * Opens a replica's log for its partition actor: cut back to what it recorded as applied first
     * ({@link #recover}), on the writer's thread, before the actor takes anything.
     */
    public static final LogOpener OPENER = (dir, config, storage) -> {
        recover(dir, config, storage);
        return PartitionLog.open(dir, config, Clock.systemUTC(), storage);
    };

    private ReplicaProgress() {
    }

    /**
     * Before the partition's actor opens its log: cuts the log back to the recorded end, and returns
     * what was applied (none if nothing was recorded, and then the log is cut back to empty).
     */
    public static Applied recover(Path dir, LogConfig config, Storage storage) throws IOException {
        Applied applied = read(dir, storage);
        if (storage.isDirectory(dir)) {
            PartitionLog.openAfterStorageFailure(dir, config, Clock.systemUTC(), storage, applied.endOffset()).close();
        }
        return applied;
    }

    /** What the replica in {@code dir} recorded as applied; {@link Applied#NONE} if nothing. */
    public static Applied read(Path dir, Storage storage) throws IOException {
        Path path = dir.resolve(FILE);
        if (!storage.exists(path)) {
            return Applied.NONE;
        }
        byte[] bytes = storage.readAllBytes(path);
        Applied volatileSlot = slot(bytes, 0);
        Applied durableSlot = slot(bytes, DURABLE_SLOT);
        return volatileSlot.index() >= durableSlot.index() ? volatileSlot : durableSlot;
    }

    private static Applied slot(byte[] bytes, int at) {
        if (bytes.length < at + BYTES) {
            return Applied.NONE;
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, at, BYTES);
        long index = in.getLong();
        long end = in.getLong();
        CRC32C crc = new CRC32C();
        crc.update(bytes, at, 2 * Long.BYTES);
        return (int) in.getLong() == (int) crc.getValue() ? new Applied(index, end) : Applied.NONE;
    }

    /** Opens the replica's progress file in {@code dir} for {@link #write}s, creating it if need be. */
    static FileChannel open(Path dir, Storage storage) throws IOException {
        Path path = dir.resolve(FILE);
        boolean created = !storage.exists(path);
        FileChannel file = storage.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        if (created) {
            try {
                // Once: so that the file's durable slot cannot vanish with its name after a power cut.
                storage.fsyncDirectory(dir);
            } catch (IOException e) {
                file.close();
                throw e;
            }
        }
        return file;
    }

    /** Records {@code applied} in the progress file open as {@code file} (not durably: see the class comment). */
    static void write(FileChannel file, Applied applied) throws IOException {
        writeSlot(file, 0, applied);
    }

    /**
     * Records {@code applied} in the durable slot and fsyncs the file: {@link #read} returns at least
     * this far after any power cut. {@code applied} must be a pair the log is durable up to.
     */
    static void writeDurably(FileChannel file, Applied applied) throws IOException {
        writeSlot(file, DURABLE_SLOT, applied);
        file.force(false);
    }

    private static void writeSlot(FileChannel file, long slot, Applied applied) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(BYTES).putLong(applied.index()).putLong(applied.endOffset());
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, 2 * Long.BYTES);
        out.putLong(crc.getValue()).flip();
        long at = slot;
        while (out.hasRemaining()) {
            at += file.write(out, at);
        }
    }
}
