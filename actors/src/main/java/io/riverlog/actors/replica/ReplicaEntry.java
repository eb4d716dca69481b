package io.riverlog.actors.replica;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.ValidBatches;

/**
 * One append of a partition group's entry: the partition it appends to (with its topic's id, so that
 * an entry of a deleted topic never lands in a topic re-created under the same name), the time its
 * leader judged it by, and the batches. Format of an entry of one append: partition number, time,
 * topic id, topic name (length and UTF-8), then the batches' bytes. An entry of several appends (the
 * partitions of one produce request that share the group, each at most once) starts with
 * {@value #SEVERAL} where the partition number would be, then the time and the number of appends,
 * then each as partition number, topic id, topic name, the batches' length and bytes.
 */
public record ReplicaEntry(PartitionId partition, UUID topicId, long appendTimeMs, ByteBuffer batches) {
    /** Marks an entry of several appends (a partition number is never negative; -1 marks offsets). */
    static final int SEVERAL = -2;

    /** One append to put in an entry: the partition, its topic's id, and the batches. */
    public record Part(PartitionId partition, UUID topicId, ValidBatches batches) {
    }

    /** True if the entry holds several appends ({@link #encodeAll}). */
    public static boolean holdsSeveral(byte[] entry) {
        return entry.length >= Integer.BYTES && ByteBuffer.wrap(entry).getInt() == SEVERAL;
    }

    /** An entry of the appends {@code parts} (no partition twice), all judged by {@code appendTimeMs}. */
    public static byte[] encodeAll(List<Part> parts, long appendTimeMs) {
        int size = Integer.BYTES + Long.BYTES + Integer.BYTES;
        List<byte[]> topics = new ArrayList<>(parts.size());
        for (Part part : parts) {
            byte[] topic = part.partition().topic().getBytes(StandardCharsets.UTF_8);
            topics.add(topic);
            size += Integer.BYTES + 2 * Long.BYTES + Short.BYTES + topic.length + Integer.BYTES
                    + part.batches().buffer().remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(size).putInt(SEVERAL).putLong(appendTimeMs).putInt(parts.size());
        for (int i = 0; i < parts.size(); i++) {
            Part part = parts.get(i);
            ByteBuffer data = part.batches().buffer().duplicate();
            out.putInt(part.partition().partition()).putLong(part.topicId().getMostSignificantBits())
                    .putLong(part.topicId().getLeastSignificantBits()).putShort((short) topics.get(i).length)
                    .put(topics.get(i)).putInt(data.remaining()).put(data);
        }
        return out.array();
    }

    /** The appends of an entry of several ({@link #holdsSeveral}), in their order. */
    public static List<ReplicaEntry> decodeAll(byte[] entry) {
        ByteBuffer in = ByteBuffer.wrap(entry);
        in.getInt();
        long time = in.getLong();
        int count = in.getInt();
        List<ReplicaEntry> appends = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int partition = in.getInt();
            UUID topicId = new UUID(in.getLong(), in.getLong());
            PartitionId id = new PartitionId(topicName(in), partition);
            int length = in.getInt();
            ByteBuffer batches = in.slice().limit(length);
            in.position(in.position() + length);
            appends.add(new ReplicaEntry(id, topicId, time, batches));
        }
        return appends;
    }

    public static byte[] encode(PartitionId partition, UUID topicId, long appendTimeMs, ValidBatches batches) {
        byte[] topic = partition.topic().getBytes(StandardCharsets.UTF_8);
        ByteBuffer data = batches.buffer().duplicate();
        ByteBuffer out = ByteBuffer.allocate(Integer.BYTES + 3 * Long.BYTES + Short.BYTES + topic.length
                + data.remaining());
        out.putInt(partition.partition()).putLong(appendTimeMs).putLong(topicId.getMostSignificantBits())
                .putLong(topicId.getLeastSignificantBits()).putShort((short) topic.length).put(topic).put(data);
        return out.array();
    }

    public static ReplicaEntry decode(byte[] entry) {
        ByteBuffer in = ByteBuffer.wrap(entry);
        int partition = in.getInt();
        long time = in.getLong();
        UUID topicId = new UUID(in.getLong(), in.getLong());
        return new ReplicaEntry(new PartitionId(topicName(in), partition), topicId, time, in.slice());
    }

    /** A topic's name as an entry holds it: its length, then UTF-8. */
    private static String topicName(ByteBuffer in) {
        byte[] topic = new byte[Short.toUnsignedInt(in.getShort())];
        in.get(topic);
        return new String(topic, StandardCharsets.UTF_8);
    }
}
