package io.riverlog.actors.replica;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.ValidBatches;

/**
 * One entry of a partition group: the partition it appends to, the time its leader judged it by, and
 * the batches. Format: partition number, time, topic name (length and UTF-8), then the batches' bytes.
 */
public record ReplicaEntry(PartitionId partition, long appendTimeMs, ByteBuffer batches) {

    public static byte[] encode(PartitionId partition, long appendTimeMs, ValidBatches batches) {
        byte[] topic = partition.topic().getBytes(StandardCharsets.UTF_8);
        ByteBuffer data = batches.buffer().duplicate();
        ByteBuffer out = ByteBuffer.allocate(Integer.BYTES + Long.BYTES + Short.BYTES + topic.length
                + data.remaining());
        out.putInt(partition.partition()).putLong(appendTimeMs).putShort((short) topic.length).put(topic).put(data);
        return out.array();
    }

    public static ReplicaEntry decode(byte[] entry) {
        ByteBuffer in = ByteBuffer.wrap(entry);
        int partition = in.getInt();
        long time = in.getLong();
        byte[] topic = new byte[Short.toUnsignedInt(in.getShort())];
        in.get(topic);
        return new ReplicaEntry(new PartitionId(new String(topic, StandardCharsets.UTF_8), partition), time,
                in.slice());
    }
}
