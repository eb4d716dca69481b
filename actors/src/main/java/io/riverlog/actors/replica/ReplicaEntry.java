package io.riverlog.actors.replica;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.ValidBatches;

/**
 * One entry of a partition group: the partition it appends to (with its topic's id, so that an entry
 * of a deleted topic never lands in a topic re-created under the same name), the time its leader
 * judged it by, and the batches. Format: partition number, time, topic id, topic name (length and
 * UTF-8), then the batches' bytes.
 */
public record ReplicaEntry(PartitionId partition, UUID topicId, long appendTimeMs, ByteBuffer batches) {

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
        byte[] topic = new byte[Short.toUnsignedInt(in.getShort())];
        in.get(topic);
        return new ReplicaEntry(new PartitionId(new String(topic, StandardCharsets.UTF_8), partition), topicId, time,
                in.slice());
    }
}
