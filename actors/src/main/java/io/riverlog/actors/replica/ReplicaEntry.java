package io.riverlog.actors.replica;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.ValidBatches;

/**
 * One append of a partition group's entry: the partition it appends to (with its topic's id, so that
 * an entry of a deleted topic never lands in a topic re-created under the same name), the time its
 * leader judged it by, the batches, and what the leader's validation found in their records
 * ({@link BatchFormat.Summary}, one per batch), so that a replica checks the batches' CRCs and headers
 * but does not read every record again.
 *
 * <p>Format of an entry of one append: {@value #SUMMARIZED}, partition number, time, topic id, topic
 * name (length and UTF-8), the summaries (count, then each as max and min timestamp and a keyless
 * byte), then the batches' bytes. An entry of several appends (the partitions of one produce request
 * that share the group, each at most once) starts with {@value #SEVERAL_SUMMARIZED}, then the time and
 * the number of appends, then each as partition number, topic id, topic name, summaries, the batches'
 * length and bytes. Entries written before the summaries (a partition number first, or
 * {@value #SEVERAL} and no summaries) are still read; their records are checked in full.
 */
public record ReplicaEntry(PartitionId partition, UUID topicId, long appendTimeMs, ByteBuffer batches,
                           List<BatchFormat.Summary> summaries) {
    /** Marks an entry of several appends without summaries (a partition number is never negative; -1 marks offsets). */
    static final int SEVERAL = -2;
    /** Marks an entry of one append with its summaries. */
    static final int SUMMARIZED = -3;
    /** Marks an entry of several appends with their summaries. */
    static final int SEVERAL_SUMMARIZED = -4;
    private static final int SUMMARY_BYTES = 2 * Long.BYTES + 1;

    /** One append to put in an entry: the partition, its topic's id, and the batches. */
    public record Part(PartitionId partition, UUID topicId, ValidBatches batches) {
    }

    /** An append of {@code batches} whose records are checked in full when applied (no summaries). */
    public ReplicaEntry(PartitionId partition, UUID topicId, long appendTimeMs, ByteBuffer batches) {
        this(partition, topicId, appendTimeMs, batches, null);
    }

    /** The batches, checked: in full if the entry has no summaries, else framing, CRCs and headers. */
    public ValidBatches validate() {
        return summaries == null ? BatchFormat.validate(batches) : BatchFormat.validateSummarized(batches, summaries);
    }

    /** True if the entry holds several appends ({@link #encodeAll}). */
    public static boolean holdsSeveral(byte[] entry) {
        if (entry.length < Integer.BYTES) {
            return false;
        }
        int marker = ByteBuffer.wrap(entry).getInt();
        return marker == SEVERAL || marker == SEVERAL_SUMMARIZED;
    }

    /** An entry of the appends {@code parts} (no partition twice), all judged by {@code appendTimeMs}. */
    public static byte[] encodeAll(List<Part> parts, long appendTimeMs) {
        int size = Integer.BYTES + Long.BYTES + Integer.BYTES;
        List<byte[]> topics = new ArrayList<>(parts.size());
        for (Part part : parts) {
            byte[] topic = part.partition().topic().getBytes(StandardCharsets.UTF_8);
            topics.add(topic);
            size += Integer.BYTES + 2 * Long.BYTES + Short.BYTES + topic.length + summariesBytes(part.batches())
                    + Integer.BYTES + part.batches().buffer().remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(size).putInt(SEVERAL_SUMMARIZED).putLong(appendTimeMs)
                .putInt(parts.size());
        for (int i = 0; i < parts.size(); i++) {
            Part part = parts.get(i);
            ByteBuffer data = part.batches().buffer().duplicate();
            out.putInt(part.partition().partition()).putLong(part.topicId().getMostSignificantBits())
                    .putLong(part.topicId().getLeastSignificantBits()).putShort((short) topics.get(i).length)
                    .put(topics.get(i));
            putSummaries(out, part.batches());
            out.putInt(data.remaining()).put(data);
        }
        return out.array();
    }

    /** The appends of an entry of several ({@link #holdsSeveral}), in their order. */
    public static List<ReplicaEntry> decodeAll(byte[] entry) {
        ByteBuffer in = ByteBuffer.wrap(entry);
        boolean summarized = in.getInt() == SEVERAL_SUMMARIZED;
        long time = in.getLong();
        int count = in.getInt();
        List<ReplicaEntry> appends = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int partition = in.getInt();
            UUID topicId = new UUID(in.getLong(), in.getLong());
            PartitionId id = new PartitionId(topicName(in), partition);
            List<BatchFormat.Summary> summaries = summarized ? summaries(in) : null;
            int length = in.getInt();
            ByteBuffer batches = in.slice().limit(length);
            in.position(in.position() + length);
            appends.add(new ReplicaEntry(id, topicId, time, batches, summaries));
        }
        return appends;
    }

    public static byte[] encode(PartitionId partition, UUID topicId, long appendTimeMs, ValidBatches batches) {
        byte[] topic = partition.topic().getBytes(StandardCharsets.UTF_8);
        ByteBuffer data = batches.buffer().duplicate();
        ByteBuffer out = ByteBuffer.allocate(2 * Integer.BYTES + 3 * Long.BYTES + Short.BYTES + topic.length
                + summariesBytes(batches) + data.remaining());
        out.putInt(SUMMARIZED).putInt(partition.partition()).putLong(appendTimeMs)
                .putLong(topicId.getMostSignificantBits()).putLong(topicId.getLeastSignificantBits())
                .putShort((short) topic.length).put(topic);
        putSummaries(out, batches);
        return out.put(data).array();
    }

    public static ReplicaEntry decode(byte[] entry) {
        ByteBuffer in = ByteBuffer.wrap(entry);
        int first = in.getInt();
        boolean summarized = first == SUMMARIZED;
        int partition = summarized ? in.getInt() : first;
        long time = in.getLong();
        UUID topicId = new UUID(in.getLong(), in.getLong());
        PartitionId id = new PartitionId(topicName(in), partition);
        List<BatchFormat.Summary> summaries = summarized ? summaries(in) : null;
        return new ReplicaEntry(id, topicId, time, in.slice(), summaries);
    }

    private static int summariesBytes(ValidBatches batches) {
        return Integer.BYTES + batches.batches().size() * SUMMARY_BYTES;
    }

    private static void putSummaries(ByteBuffer out, ValidBatches batches) {
        List<BatchFormat.Summary> summaries = BatchFormat.summaries(batches);
        out.putInt(summaries.size());
        for (BatchFormat.Summary summary : summaries) {
            out.putLong(summary.maxTimestamp()).putLong(summary.minTimestamp()).put((byte) (summary.keyless() ? 1 : 0));
        }
    }

    private static List<BatchFormat.Summary> summaries(ByteBuffer in) {
        int count = in.getInt();
        if (count < 0 || (long) count * SUMMARY_BYTES > in.remaining()) {
            throw new IllegalArgumentException("an entry names " + count + " batch summaries in "
                    + in.remaining() + " bytes");
        }
        List<BatchFormat.Summary> summaries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            summaries.add(new BatchFormat.Summary(in.getLong(), in.getLong(), in.get() != 0));
        }
        return summaries;
    }

    /** A topic's name as an entry holds it: its length, then UTF-8. */
    private static String topicName(ByteBuffer in) {
        byte[] topic = new byte[Short.toUnsignedInt(in.getShort())];
        in.get(topic);
        return new String(topic, StandardCharsets.UTF_8);
    }
}
