package io.riverlog.actors.replica;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.ValidBatches;

class ReplicaEntryTest {
    private static final PartitionId ORDERS = new PartitionId("orders", 3);
    private static final PartitionId PAYMENTS = new PartitionId("payments", 0);
    private static final UUID TOPIC_ID = UUID.randomUUID();

    /** An entry carries its leader's summaries: a replica's check describes the batches as the leader's did. */
    @Test
    void anEntryCarriesWhatTheLeadersValidationFoundInTheRecords() {
        ValidBatches batches = batches(1_000L, "a", "b");
        ReplicaEntry entry = ReplicaEntry.decode(ReplicaEntry.encode(ORDERS, TOPIC_ID, 42L, batches));

        assertThat(entry.partition()).isEqualTo(ORDERS);
        assertThat(entry.topicId()).isEqualTo(TOPIC_ID);
        assertThat(entry.appendTimeMs()).isEqualTo(42L);
        assertThat(entry.summaries()).isEqualTo(BatchFormat.summaries(batches));
        assertThat(entry.validate().batches()).isEqualTo(batches.batches());

        ValidBatches other = batches(2_000L, "c");
        byte[] several = ReplicaEntry.encodeAll(List.of(new ReplicaEntry.Part(ORDERS, TOPIC_ID, batches),
                new ReplicaEntry.Part(PAYMENTS, TOPIC_ID, other)), 43L);
        assertThat(ReplicaEntry.holdsSeveral(several)).isTrue();
        List<ReplicaEntry> parts = ReplicaEntry.decodeAll(several);
        assertThat(parts).extracting(ReplicaEntry::partition).containsExactly(ORDERS, PAYMENTS);
        assertThat(parts.get(1).validate().batches()).isEqualTo(other.batches());
    }

    /**
     * Entries written before the summaries (still in a group's Raft log after an upgrade) are read,
     * and their records checked in full.
     */
    @Test
    void entriesWithoutSummariesAreStillReadAndCheckedInFull() {
        ValidBatches batches = batches(1_000L, "a", "b");
        byte[] topic = ORDERS.topic().getBytes(StandardCharsets.UTF_8);
        ByteBuffer data = batches.buffer().duplicate();
        byte[] old = ByteBuffer.allocate(Integer.BYTES + 3 * Long.BYTES + Short.BYTES + topic.length + data.remaining())
                .putInt(ORDERS.partition()).putLong(42L).putLong(TOPIC_ID.getMostSignificantBits())
                .putLong(TOPIC_ID.getLeastSignificantBits()).putShort((short) topic.length).put(topic).put(data)
                .array();

        ReplicaEntry entry = ReplicaEntry.decode(old);

        assertThat(ReplicaEntry.holdsSeveral(old)).isFalse();
        assertThat(entry.partition()).isEqualTo(ORDERS);
        assertThat(entry.appendTimeMs()).isEqualTo(42L);
        assertThat(entry.summaries()).isNull();
        assertThat(entry.validate().batches()).isEqualTo(batches.batches());
    }

    private static ValidBatches batches(long timestamp, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(timestamp + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    values[i].getBytes(StandardCharsets.UTF_8));
        }
        return BatchFormat.validate(MemoryRecords.withRecords(Compression.NONE, records).buffer());
    }
}
