package io.riverlog.actors.groups.offsets;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import io.riverlog.actors.groups.CommittedOffset;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogRecord;
import io.riverlog.wal.RecordLog;
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
 *          kind 3: membership of the group (nothing more in the key)
 *
 *   value  kind 1, committed: int8 format version 1, int64 offset, int32 leader epoch,
 *                             nullable string metadata, int64 commit timestamp (ms)
 *          kind 1, deleted:   absent (a tombstone)
 *          kind 2:            absent: the group and all its offsets were deleted
 *          kind 3:            int8 format version 1, int8 1 if the group has members else 0,
 *                             int64 since when (ms)
 *
 *   string           int32 length in bytes, then that many bytes of UTF-8
 *   nullable string  int32 length, -1 for null, then the bytes
 * </pre>
 * Records written by a snapshot of the whole table carry one header, {@code snapshot} (empty
 * value): replay counts the changes written since the last one. The batch's CRC32C guards the
 * bytes; a record this class cannot read means a newer format or a bug, never a torn write, and is
 * refused rather than skipped.
 */
final class OffsetRecords {
    static final byte VERSION = 1;
    private static final byte PARTITION_KEY = 1;
    private static final byte GROUP_KEY = 2;
    private static final byte MEMBERSHIP_KEY = 3;
    private static final int NULL_LENGTH = -1;
    private static final String SNAPSHOT_HEADER = "snapshot";
    private static final List<LogRecord.Header> NO_HEADERS = List.of();
    private static final List<LogRecord.Header> SNAPSHOT_HEADERS =
            List.of(new LogRecord.Header(SNAPSHOT_HEADER, new byte[0]));

    /** The offsets log's codec: the changes of one write in one batch, each change a record. */
    static final RecordLog.Codec<OffsetChange> CODEC = new RecordLog.Codec<>() {
        @Override
        public ValidBatches batchOf(List<OffsetChange> changes, long timestampMs) {
            return OffsetRecords.batchOf(changes, timestampMs);
        }

        @Override
        public OffsetChange decode(LogRecord record) {
            return OffsetRecords.decode(record.key(), record.value());
        }
    };

    private OffsetRecords() {
    }

    /** One record batch holding the changes, validated and ready to append. */
    static ValidBatches batchOf(List<OffsetChange> changes, long timestampMs) {
        return batchOf(changes, timestampMs, NO_HEADERS);
    }

    /** As {@link #batchOf}, each record marked as part of a snapshot of the whole table. */
    static ValidBatches snapshotBatchOf(List<OffsetChange> changes, long timestampMs) {
        return batchOf(changes, timestampMs, SNAPSHOT_HEADERS);
    }

    /** True if the record was written as part of a snapshot. */
    static boolean isSnapshot(LogRecord record) {
        return record.headers().stream().anyMatch(header -> header.key().equals(SNAPSHOT_HEADER));
    }

    private static ValidBatches batchOf(List<OffsetChange> changes, long timestampMs, List<LogRecord.Header> headers) {
        if (changes.isEmpty()) {
            throw new IllegalArgumentException("a write holds at least one change");
        }
        List<BatchFormat.NewRecord> records = new ArrayList<>(changes.size());
        for (OffsetChange change : changes) {
            records.add(new BatchFormat.NewRecord(timestampMs, key(change), value(change), headers));
        }
        return BatchFormat.batchOf(records);
    }

    static byte[] key(OffsetChange change) {
        return write(out -> {
            out.writeByte(VERSION);
            if (change instanceof OffsetChange.GroupDeleted) {
                out.writeByte(GROUP_KEY);
                writeString(out, change.groupId());
            } else if (change instanceof OffsetChange.Membership) {
                out.writeByte(MEMBERSHIP_KEY);
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
        if (change instanceof OffsetChange.Membership membership) {
            return write(out -> {
                out.writeByte(VERSION);
                out.writeByte(membership.hasMembers() ? 1 : 0);
                out.writeLong(membership.sinceMs());
            });
        }
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
            } else if (kind == MEMBERSHIP_KEY) {
                change = membership(groupId, value);
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
        return readValue(value, in -> {
            long offset = in.getLong();
            int leaderEpoch = in.getInt();
            int metadataLength = in.getInt();
            Optional<String> metadata = metadataLength == NULL_LENGTH ? Optional.empty()
                    : Optional.of(string(in, metadataLength));
            return new CommittedOffset(offset, leaderEpoch, metadata, in.getLong());
        });
    }

    private static OffsetChange.Membership membership(String groupId, byte[] value) {
        if (value == null) {
            throw new IllegalArgumentException("a membership record without a value");
        }
        return readValue(value, in -> {
            byte hasMembers = in.get();
            if (hasMembers != 0 && hasMembers != 1) {
                throw new IllegalArgumentException("membership flag " + hasMembers);
            }
            return new OffsetChange.Membership(groupId, hasMembers == 1, in.getLong());
        });
    }

    /** Reads a value: its format version, then the fields {@code reader} reads, and nothing after them. */
    private static <T> T readValue(byte[] value, Function<ByteBuffer, T> reader) {
        ByteBuffer in = ByteBuffer.wrap(value);
        try {
            checkVersion(in.get());
            T read = reader.apply(in);
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the end of the value");
            }
            return read;
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
