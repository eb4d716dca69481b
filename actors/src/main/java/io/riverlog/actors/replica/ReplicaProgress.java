package io.riverlog.actors.replica;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.zip.CRC32C;

import io.riverlog.actors.partition.FsyncPolicy;
import io.riverlog.actors.partition.LogOpener;
import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.wal.CorruptLogException;
import io.riverlog.wal.LogConfig;
import io.riverlog.wal.PartitionLog;
import io.riverlog.wal.Storage;

/**
 * How far one replica of a partition has applied its group's log: the index of the last entry carried
 * out and the log's end after it, in the partition directory's {@code replica-applied} file, written
 * after the partition answered the entry. A replica's partition writes without fsyncing
 * ({@link #settingsOf}): the group's Raft log, fsynced on a majority before an entry is applied, is
 * the write-ahead log, and the segments are the state it builds. At a restart the log is cut back to
 * a recorded end ({@link #recover}) and the group's entries after that index are applied again.
 *
 * <p>The file has two slots of 24 bytes (index, end offset, CRC32C of both), each in a sector of its
 * own. The first is rewritten after every entry and not fsynced: it names a pair the log was written
 * up to. The second is written and fsynced when the group takes a snapshot ({@link #writeDurably}),
 * after the partition's log was fsynced and before the group's log is purged up to it: a pair the log
 * is durable up to. After a crash of the process the log still holds what the first slot names; after
 * a power cut it may not, and then the second is used: the entries after it are still in the group's
 * log. {@link #read} takes the furthest of the slots whose CRC holds; {@link #recover} falls back to
 * the durable one when the log no longer reaches the other.
 */
public final class ReplicaProgress {
    static final String FILE = "replica-applied";
    private static final int BYTES = 24;
    /** Where the durable slot starts: a sector apart from the first, so that a torn write of one spares the other. */
    private static final int DURABLE_SLOT = 512;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ReplicaProgress.class);

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

    /** The partition settings of a replica: as a single node's, but written without fsyncing (see above). */
    public static PartitionSettings settingsOf(PartitionSettings settings) {
        return settings.withFsyncPolicy(FsyncPolicy.OS);
    }

    /**
     * Before the partition's actor opens its log: cuts the log back to the recorded end, and returns
     * what was applied (none if nothing was recorded, and then the log is cut back to empty). If the log
     * no longer reaches the end recorded last (a power cut lost what was written after the last
     * snapshot), it is cut back to the durable record instead, and that is what was applied.
     */
    public static Applied recover(Path dir, LogConfig config, Storage storage) throws IOException {
        Slots slots = slots(dir, storage);
        Applied applied = slots.furthest();
        if (!storage.isDirectory(dir)) {
            return applied;
        }
        try {
            PartitionLog.openAfterStorageFailure(dir, config, Clock.systemUTC(), storage, applied.endOffset()).close();
            return applied;
        } catch (CorruptLogException shorter) {
            if (applied.equals(slots.durable())) {
                throw shorter;
            }
            log.warn("Replica {} recorded entry {} as applied with its log ending at offset {}, but the log no longer"
                    + " reaches it ({}); it goes back to its last snapshot (entry {}, offset {}) and applies the"
                    + " entries after it again", dir, applied.index(), applied.endOffset(), shorter.getMessage(),
                    slots.durable().index(), slots.durable().endOffset());
            PartitionLog.openAfterStorageFailure(dir, config, Clock.systemUTC(), storage,
                    slots.durable().endOffset()).close();
            rollBack(dir, storage);
            return slots.durable();
        }
    }

    /**
     * Makes the durable record the only one: what was applied after the last snapshot is forgotten, and
     * the next start cuts the log back to the snapshot and applies the group's entries after it again.
     * For a replica whose storage failed (what it wrote since its last fsync may not be on the disk,
     * whatever the page cache says) and after a recovery that fell back to the durable record.
     */
    static void rollBack(Path dir, Storage storage) throws IOException {
        Applied durable = slots(dir, storage).durable();
        try (FileChannel file = open(dir, storage)) {
            writeSlot(file, 0, durable);
            file.force(false);
        }
    }

    /** What the replica in {@code dir} recorded as applied; {@link Applied#NONE} if nothing. */
    public static Applied read(Path dir, Storage storage) throws IOException {
        return slots(dir, storage).furthest();
    }

    /** The two records of a progress file: the last written, and the one written durably at a snapshot. */
    private record Slots(Applied written, Applied durable) {
        Applied furthest() {
            return written.index() >= durable.index() ? written : durable;
        }
    }

    private static Slots slots(Path dir, Storage storage) throws IOException {
        Path path = dir.resolve(FILE);
        if (!storage.exists(path)) {
            return new Slots(Applied.NONE, Applied.NONE);
        }
        byte[] bytes = storage.readAllBytes(path);
        return new Slots(slot(bytes, 0), slot(bytes, DURABLE_SLOT));
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

    /** Records {@code applied}, a pair the log was written up to, in the progress file {@code file} (not durably). */
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
