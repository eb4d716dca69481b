package io.riverlog.testkit.durability;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The ledger's check finds every kind of damage the durability tests look for, and accepts what a crash may leave. */
class RecordLedgerTest {
    private static final String TOPIC = "ledger";

    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final RecordLedger ledger = new RecordLedger(TOPIC, 1);

    @Test
    void everyAcknowledgedRecordInOrderPasses() {
        sendAndAcknowledge(0, 4);
        RecordLedger.PartitionCheck check = checkAfterReading(0, 1, 2, 3);
        assertThatCode(() -> check.finish(4)).doesNotThrowAnyException();
    }

    @Test
    void aGapInOffsetsIsFound() {
        sendAndAcknowledge(0, 3);
        RecordLedger.PartitionCheck check = checkAfterReading(0);
        assertThatThrownBy(() -> check.accept(read(2, 2))).hasMessageContaining("gap");
    }

    @Test
    void aDuplicateIsFound() {
        sendAndAcknowledge(0, 3);
        RecordLedger.PartitionCheck check = checkAfterReading(0, 1);
        assertThatThrownBy(() -> check.accept(read(2, 1))).hasMessageContaining("duplicate");
    }

    @Test
    void aChangedByteIsFound() {
        sendAndAcknowledge(0, 1);
        ConsumerRecord<byte[], byte[]> record = read(0, 0);
        record.value()[SequencedRecords.VALUE_BYTES - 1] ^= 1;
        assertThatThrownBy(() -> ledger.check(0).accept(record)).hasMessageContaining("bytes");
    }

    @Test
    void aMissingAcknowledgedRecordIsFound() {
        sendAndAcknowledge(0, 3);
        RecordLedger.PartitionCheck check = checkAfterReading(0, 1);
        assertThatThrownBy(() -> check.finish(2)).hasMessageContaining("record 2 was acknowledged");
    }

    @Test
    void anUnacknowledgedTailOfARunMayBeMissingOrPresent() {
        sendAndAcknowledge(0, 2);
        sendAndFail(0, 3);
        sendAndFail(1, 2);
        RecordLedger.PartitionCheck check = checkAfterReading(0, 1, 2, 5);
        assertThatCode(() -> check.finish(4)).doesNotThrowAnyException();
    }

    @Test
    void aRecordMissingBeforeALaterOneOfItsRunIsFound() {
        sendAndFail(0, 3);
        RecordLedger.PartitionCheck check = checkAfterReading(0);
        assertThatThrownBy(() -> check.accept(read(1, 2))).hasMessageContaining("same producer");
    }

    /** A check of partition 0 that has read the records {@code sequences} at offsets 0, 1, 2... */
    private RecordLedger.PartitionCheck checkAfterReading(long... sequences) {
        RecordLedger.PartitionCheck check = ledger.check(0);
        for (int offset = 0; offset < sequences.length; offset++) {
            check.accept(read(offset, sequences[offset]));
        }
        return check;
    }

    private void sendAndAcknowledge(int run, int count) {
        for (int i = 0; i < count; i++) {
            ledger.send(producer, 0, run, () -> { });
            producer.completeNext();
        }
    }

    private void sendAndFail(int run, int count) {
        for (int i = 0; i < count; i++) {
            ledger.send(producer, 0, run, () -> { });
            producer.errorNext(new NetworkException("the broker is gone"));
        }
    }

    private static ConsumerRecord<byte[], byte[]> read(long offset, long sequence) {
        ProducerRecord<byte[], byte[]> sent = SequencedRecords.record(TOPIC, 0, sequence);
        return new ConsumerRecord<>(TOPIC, 0, offset, 0L, TimestampType.CREATE_TIME, sent.key().length,
                sent.value().length, sent.key(), sent.value(), sent.headers(), Optional.empty());
    }
}
