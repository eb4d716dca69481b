package io.riverlog.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import io.riverlog.testkit.KafkaClients;

/**
 * One read of the topic, checked record by record: in each partition the offsets 0, 1, 2...
 * without a gap or a repeat, each record the one acknowledged at its offset.
 */
final class Read {
    private final Ledger ledger;
    private final Map<Integer, Long> nextOffsets = new HashMap<>();
    /** Per partition, each (offset, epoch) where the records' leader epoch changes, the first record's included. */
    private final Map<Integer, List<long[]>> epochChanges = new HashMap<>();
    private final int valueBytes;
    private int count;

    Read(Ledger ledger) {
        this(ledger, 0);
    }

    /** A read of records whose values were padded to {@code valueBytes} ({@link Ledger#value}). */
    Read(Ledger ledger, int valueBytes) {
        this.ledger = ledger;
        this.valueBytes = valueBytes;
    }

    /**
     * Reads {@code topic}'s partitions 0 to {@code partitions - 1} through {@code bootstrap} from their
     * first offset to their end, and checks that they hold exactly what {@code ledger} acknowledged, each
     * record at its offset ({@link #finish}).
     */
    static Read everyAcknowledgedRecord(String bootstrap, String topic, int partitions, Ledger ledger) {
        return everyAcknowledgedRecord(bootstrap, topic, partitions, ledger, 0);
    }

    /** As above, of records whose values were padded to {@code valueBytes}. */
    static Read everyAcknowledgedRecord(String bootstrap, String topic, int partitions, Ledger ledger,
                                        int valueBytes) {
        Read read = new Read(ledger, valueBytes);
        read.finish(topic, KafkaClients.readToEnd(bootstrap, KafkaClients.partitions(topic, partitions),
                read::accept));
        return read;
    }

    void accept(ConsumerRecord<byte[], byte[]> record) {
        long due = nextOffsets.getOrDefault(record.partition(), 0L);
        String where = record.topic() + "-" + record.partition() + "@" + record.offset();
        if (record.offset() != due) {
            throw new AssertionError(where + " read where offset " + due + " was due (a gap or a repeat)");
        }
        Integer number = ledger.at(record.partition(), record.offset());
        if (number == null) {
            throw new AssertionError(where + " was read but no record was acknowledged there");
        }
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).as("key at %s", where)
                .isEqualTo(new String(Ledger.key(number), StandardCharsets.UTF_8));
        assertThat(record.value()).as("value at %s", where).isEqualTo(Ledger.value(number, valueBytes));
        int epoch = record.leaderEpoch().orElse(-1);
        List<long[]> changes = epochChanges.computeIfAbsent(record.partition(), p -> new ArrayList<>());
        long last = changes.isEmpty() ? Long.MIN_VALUE : changes.get(changes.size() - 1)[1];
        assertThat((long) epoch).as("leader epoch at %s (epochs never decrease)", where)
                .isGreaterThanOrEqualTo(last);
        if (epoch != last) {
            changes.add(new long[] {record.offset(), epoch});
        }
        nextOffsets.put(record.partition(), due + 1);
        count++;
    }

    List<long[]> epochChanges(int partition) {
        return epochChanges.getOrDefault(partition, List.of());
    }

    int count() {
        return count;
    }

    /** Every partition was read up to its end offset, which is just past its last acknowledged record. */
    void finish(String topic, Map<TopicPartition, Long> endOffsets) {
        Map<Integer, Long> ends = new TreeMap<>();
        endOffsets.forEach((partition, end) -> ends.put(partition.partition(), end));
        Map<Integer, Long> acknowledged = new TreeMap<>();
        ledger.recordsByPartition().forEach((partition, records) -> acknowledged.put(partition, (long) records));
        Map<Integer, Long> read = new TreeMap<>(nextOffsets);
        assertThat(ends).as("end offsets of %s", topic).isEqualTo(acknowledged);
        assertThat(read).as("offsets read up to in %s", topic).isEqualTo(acknowledged);
        assertThat(count).as("records read of %s", topic).isEqualTo(ledger.acknowledged());
    }
}
