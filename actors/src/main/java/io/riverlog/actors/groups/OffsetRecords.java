package io.riverlog.actors.groups;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;

import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.ValidBatches;

/**
 * The binary form of an {@link OffsetChange}: one record of the offsets log. One write (all the
 * partitions of one OffsetCommit, say) is one record batch, so after a crash it is either wholly
 * in the log or wholly cut. All integers are big-endian.
 * <pre>
 *   key    int8    format version, 1
 *          int8    kind: 1 offset of a partition, 2 whole group
 *          string  group id
 *          kind 1: string topic, int32 partition
 *
 *   value  kind 1, committed: int8 format version 1, int64 offset, int32 leader epoch,
 *                             nullable string metadata, int64 commit timestamp (ms)
 *          kind 1, deleted:   absent (a tombstone)
 *          kind 2:            absent: the group and all its offsets were deleted
 *
 *   string           int32 length in bytes, then that many bytes of UTF-8
 *   nullable string  int32 length, -1 for null, then the bytes
 * </pre>
 * The batch's CRC32C guards the bytes; a record this class cannot read means a newer format or a
 * bug, never a torn write, and is refused rather than skipped.
 */
final class OffsetRecords {
    static final byte VERSION = 1;
    private static final byte PARTITION_KEY = 1;
    private static final byte GROUP_KEY = 2;
    private static final int NULL_LENGTH = -1;

    private OffsetRecords() {
    }

    /** One record batch holding the changes, validated and ready to append. */
    static ValidBatches batchOf(List<OffsetChange> changes, long timestampMs) {
        if (changes.isEmpty()) {
            throw new IllegalArgumentException("a write holds at least one change");
        }
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(BatchFormat.HEADER_BYTES * 2),
                Compression.NONE, TimestampType.CREATE_TIME, 0L);
        for (OffsetChange change : changes) {
            builder.append(timestampMs, key(change), value(change));
        }
        return BatchFormat.validate(builder.build().buffer());
    }

    static byte[] key(OffsetChange change) {
        return write(out -> {
            out.writeByte(VERSION);
            if (change instanceof OffsetChange.GroupDeleted) {
                out.writeByte(GROUP_KEY);
                writeString(out, change.groupId());
            } else {
                PartitionId partition = change instanceof OffsetChange.Committed c ? c.partition()
                        : ((OffsetChange.Deleted) change).partition();
                out.writeByte(PARTITION_KEY);
                writeString(out, change.groupId());
                writeString(out, partition.topic());
                out.writeInt(partition.partition());
            }
        });
    }

    /** The value of the change's record; null for a deletion. */
    static byte[] value(OffsetChange change) {
        if (!(change instanceof OffsetChange.Committed committed)) {
            return null;
        }
        CommittedOffset offset = committed.offset();
        return write(out -> {
            out.writeByte(VERSION);
            out.writeLong(offset.offset());
            out.writeInt(offset.leaderEpoch());
            if (offset.metadata().isEmpty()) {
                out.writeInt(NULL_LENGTH);
            } else {
                writeString(out, offset.metadata().get());
            }
            out.writeLong(offset.commitTimestampMs());
        });
    }

    /**
     * The change a record holds.
     *
     * @throws IllegalArgumentException saying what is wrong, if the record is not of this format
     */
    static OffsetChange decode(byte[] key, byte[] value) {
        if (key == null) {
            throw new IllegalArgumentException("the record has no key");
        }
        ByteBuffer in = ByteBuffer.wrap(key);
        try {
            checkVersion(in.get());
            byte kind = in.get();
            String groupId = string(in);
            OffsetChange change;
            if (kind == GROUP_KEY) {
                if (value != null) {
                    throw new IllegalArgumentException("a group record with a value");
                }
                change = new OffsetChange.GroupDeleted(groupId);
            } else if (kind == PARTITION_KEY) {
                PartitionId partition = new PartitionId(string(in), in.getInt());
                change = value == null ? new OffsetChange.Deleted(groupId, partition)
                        : new OffsetChange.Committed(groupId, partition, offset(value));
            } else {
                throw new IllegalArgumentException("unknown record kind " + kind);
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the end of the key");
            }
            return change;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("the key ends early, at byte " + key.length);
        }
    }

    private static CommittedOffset offset(byte[] value) {
        ByteBuffer in = ByteBuffer.wrap(value);
        try {
            checkVersion(in.get());
            long offset = in.getLong();
            int leaderEpoch = in.getInt();
            int metadataLength = in.getInt();
            Optional<String> metadata = metadataLength == NULL_LENGTH ? Optional.empty()
                    : Optional.of(string(in, metadataLength));
            long timestampMs = in.getLong();
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the end of the value");
            }
            return new CommittedOffset(offset, leaderEpoch, metadata, timestampMs);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("the value ends early, at byte " + value.length);
        }
    }

    private static void checkVersion(byte version) {
        if (version != VERSION) {
            throw new IllegalArgumentException("format version " + version + ", only " + VERSION + " is known");
        }
    }

    private static String string(ByteBuffer in) {
        return string(in, in.getInt());
    }

    private static String string(ByteBuffer in, int length) {
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("string length " + length + " with " + in.remaining() + " bytes left");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    @FunctionalInterface
    private interface Writing {
        void to(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Writing writing) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            writing.to(new DataOutputStream(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }
}
