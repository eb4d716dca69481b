package io.riverlog.testkit.durability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

import io.riverlog.testkit.KafkaClients;

/**
 * What was sent to one topic and what of it was acknowledged, at which offset: the reference a
 * read of the topic is checked against. Records are {@link SequencedRecords} numbered from 0 in the
 * order they were sent; each send belongs to a run (one producer's life, ended by a restart or a
 * crash of the broker). Only sequence numbers and offsets are kept, so millions of records fit.
 *
 * <p>What a read of a partition must show (see {@link PartitionCheck}): offsets contiguous from 0;
 * every record byte for byte one that was sent there, in the order sent, none twice; every
 * acknowledged record at its acknowledged offset; and a record missing only if it was not
 * acknowledged and every later record of its run in that partition is missing too (a crash can cut
 * only the unacknowledged tail of what a producer sent).
 *
 * <p>Sends come from one thread at a time; acknowledgements from the producer's I/O thread.
 */
final class RecordLedger {
    private static final long NOT_ACKNOWLEDGED = -1;

    private final String topic;
    private final PartitionEntries[] partitions;
    private final List<String> wrongAcknowledgements = new ArrayList<>();
    private long nextSequence;
    private long acknowledged;

    RecordLedger(String topic, int partitions) {
        this.topic = topic;
        this.partitions = new PartitionEntries[partitions];
        for (int p = 0; p < partitions; p++) {
            this.partitions[p] = new PartitionEntries();
        }
    }

    String topic() {
        return topic;
    }

    int partitionCount() {
        return partitions.length;
    }

    /**
     * Sends the next record to {@code partition} in run {@code run} and notes it; its
     * acknowledgement is noted when it comes, then {@code onAcknowledged} runs.
     */
    void send(Producer<byte[], byte[]> producer, int partition, int run, Runnable onAcknowledged) {
        long sequence;
        int index;
        synchronized (this) {
            sequence = nextSequence++;
            index = partitions[partition].add(sequence, run);
        }
        producer.send(SequencedRecords.record(topic, partition, sequence), (metadata, error) -> {
            if (error == null) {
                acknowledge(partition, index, metadata);
                onAcknowledged.run();
            }
        });
    }

    synchronized long sent() {
        return nextSequence;
    }

    synchronized long acknowledged() {
        return acknowledged;
    }

    private synchronized void acknowledge(int partition, int index, RecordMetadata metadata) {
        if (metadata.partition() != partition || metadata.offset() < 0) {
            wrongAcknowledgements.add("record sent to partition " + partition + " acknowledged as " + metadata);
            return;
        }
        partitions[partition].offsets[index] = metadata.offset();
        acknowledged++;
    }

    /** A check of one partition's records, fed in offset order. Take it once every send has completed or failed. */
    synchronized PartitionCheck check(int partition) {
        PartitionEntries entries = partitions[partition];
        return new PartitionCheck(topic + "-" + partition, Arrays.copyOf(entries.sequences, entries.size),
                Arrays.copyOf(entries.runs, entries.size), Arrays.copyOf(entries.offsets, entries.size));
    }

    /**
     * Reads every partition of the topic from offset 0 to its end offset with a consumer and checks
     * it against what was sent; returns how many records were read. Call it once every send has
     * completed or failed.
     */
    long checkLog(String bootstrap) {
        return checkLogs(bootstrap, List.of(this)).get(0);
    }

    /** {@link #checkLog} of several topics with one consumer; returns the records read of each. */
    static List<Long> checkLogs(String bootstrap, List<RecordLedger> ledgers) {
        Map<TopicPartition, PartitionCheck> checks = new LinkedHashMap<>();
        for (RecordLedger ledger : ledgers) {
            ledger.failOnWrongAcknowledgements();
            for (TopicPartition tp : KafkaClients.partitions(ledger.topic, ledger.partitions.length)) {
                checks.put(tp, ledger.check(tp.partition()));
            }
        }
        Map<TopicPartition, Long> end = KafkaClients.readToEnd(bootstrap, List.copyOf(checks.keySet()),
                record -> checks.get(new TopicPartition(record.topic(), record.partition())).accept(record));
        checks.forEach((tp, check) -> check.finish(end.get(tp)));
        return ledgers.stream().map(ledger -> checks.entrySet().stream()
                .filter(e -> e.getKey().topic().equals(ledger.topic))
                .mapToLong(e -> e.getValue().read()).sum()).toList();
    }

    private synchronized void failOnWrongAcknowledgements() {
        if (!wrongAcknowledgements.isEmpty()) {
            throw new AssertionError("acknowledgements that do not fit their records: " + wrongAcknowledgements);
        }
    }

    /** Everything sent to one partition, in the order sent. */
    private static final class PartitionEntries {
        private static final int INITIAL_CAPACITY = 1024;

        long[] sequences = new long[INITIAL_CAPACITY];
        int[] runs = new int[INITIAL_CAPACITY];
        long[] offsets = new long[INITIAL_CAPACITY];
        int size;

        int add(long sequence, int run) {
            if (size == sequences.length) {
                sequences = Arrays.copyOf(sequences, size * 2);
                runs = Arrays.copyOf(runs, size * 2);
                offsets = Arrays.copyOf(offsets, size * 2);
            }
            sequences[size] = sequence;
            runs[size] = run;
            offsets[size] = NOT_ACKNOWLEDGED;
            return size++;
        }
    }

    /** Checks a partition's records one by one as they are read, then its end. */
    static final class PartitionCheck {
        private final String partition;
        private final long[] sequences;
        private final int[] runs;
        private final long[] offsets;
        private long nextOffset;
        private int lastIndex = -1;

        private PartitionCheck(String partition, long[] sequences, int[] runs, long[] offsets) {
            this.partition = partition;
            this.sequences = sequences;
            this.runs = runs;
            this.offsets = offsets;
        }

        void accept(ConsumerRecord<byte[], byte[]> record) {
            if (record.offset() != nextOffset) {
                throw new AssertionError(partition + ": offset " + record.offset() + " read where " + nextOffset
                        + " was due (a gap, or a record read twice)");
            }
            nextOffset++;
            long sequence = SequencedRecords.sequenceOf(record);
            int index = Arrays.binarySearch(sequences, sequence);
            if (index < 0) {
                throw new AssertionError(partition + "@" + record.offset() + ": record " + sequence
                        + " was never sent to this partition");
            }
            if (index <= lastIndex) {
                throw new AssertionError(partition + "@" + record.offset() + ": record " + sequence
                        + " read after record " + sequences[lastIndex] + " (out of order or a duplicate)");
            }
            if (!SequencedRecords.isExactly(record, sequence)) {
                throw new AssertionError(partition + "@" + record.offset() + ": the bytes of record " + sequence
                        + " differ from those sent");
            }
            if (offsets[index] != NOT_ACKNOWLEDGED && offsets[index] != record.offset()) {
                throw new AssertionError(partition + ": record " + sequence + " acknowledged at offset "
                        + offsets[index] + " was read at " + record.offset());
            }
            checkMissing(lastIndex + 1, index);
            if (index > lastIndex + 1 && runs[index - 1] == runs[index]) {
                throw new AssertionError(partition + "@" + record.offset() + ": record " + sequences[index - 1]
                        + " is missing but record " + sequence + ", sent after it by the same producer, is there");
            }
            lastIndex = index;
        }

        /** After the last record: the read reached {@code endOffset}, and nothing acknowledged is missing. */
        void finish(long endOffset) {
            if (nextOffset != endOffset) {
                throw new AssertionError(partition + ": read up to offset " + nextOffset + " but the end offset is "
                        + endOffset);
            }
            checkMissing(lastIndex + 1, sequences.length);
        }

        /** Records read so far. */
        long read() {
            return nextOffset;
        }

        private void checkMissing(int fromIndex, int toIndex) {
            for (int i = fromIndex; i < toIndex; i++) {
                if (offsets[i] != NOT_ACKNOWLEDGED) {
                    throw new AssertionError(partition + ": record " + sequences[i] + " was acknowledged at offset "
                            + offsets[i] + " but is missing (read " + nextOffset + " records)");
                }
            }
        }
    }
}
