package io.riverlog.actors.groups.offsets;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Changes to committed offsets as one entry of a partition group's Raft log, which in a cluster
 * holds the offsets of the consumer groups it coordinates (as a partition of Kafka's offsets topic
 * does). Format: the marker {@value #MARKER} where a partition entry has its partition number (never
 * negative), the number of changes, then each change as the key and value of its offsets-log record
 * ({@link OffsetRecords}), each preceded by its length (-1: no value).
 */
public final class OffsetsEntry {
    static final int MARKER = -1;
    private static final int NO_VALUE = -1;

    private OffsetsEntry() {
    }

    /** True if the partition group's entry holds offset changes rather than batches. */
    public static boolean isOffsets(byte[] entry) {
        return entry.length >= Integer.BYTES && ByteBuffer.wrap(entry).getInt() == MARKER;
    }

    /**
     * An entry without changes: once the shard's leader has applied it, it has applied every entry
     * before it, so its table holds every offset committed through an earlier leader.
     */
    public static byte[] barrier() {
        return encode(List.of());
    }

    static byte[] encode(List<OffsetChange> changes) {
        List<byte[]> keys = new ArrayList<>(changes.size());
        List<byte[]> values = new ArrayList<>(changes.size());
        int size = 2 * Integer.BYTES;
        for (OffsetChange change : changes) {
            byte[] key = OffsetRecords.key(change);
            byte[] value = OffsetRecords.value(change);
            keys.add(key);
            values.add(value);
            size += 2 * Integer.BYTES + key.length + (value == null ? 0 : value.length);
        }
        ByteBuffer out = ByteBuffer.allocate(size).putInt(MARKER).putInt(changes.size());
        for (int i = 0; i < keys.size(); i++) {
            out.putInt(keys.get(i).length).put(keys.get(i));
            byte[] value = values.get(i);
            if (value == null) {
                out.putInt(NO_VALUE);
            } else {
                out.putInt(value.length).put(value);
            }
        }
        return out.array();
    }

    /**
     * The changes the entry holds.
     *
     * @throws IllegalArgumentException saying what is wrong, if the entry is not of this format
     */
    static List<OffsetChange> decode(byte[] entry) {
        ByteBuffer in = ByteBuffer.wrap(entry);
        try {
            if (in.getInt() != MARKER) {
                throw new IllegalArgumentException("not an offsets entry");
            }
            int count = in.getInt();
            List<OffsetChange> changes = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                byte[] key = new byte[in.getInt()];
                in.get(key);
                int valueLength = in.getInt();
                byte[] value = null;
                if (valueLength != NO_VALUE) {
                    value = new byte[valueLength];
                    in.get(value);
                }
                changes.add(OffsetRecords.decode(key, value));
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the last change");
            }
            return changes;
        } catch (BufferUnderflowException | NegativeArraySizeException e) {
            throw new IllegalArgumentException("the offsets entry of " + entry.length + " bytes ends early");
        }
    }
}
