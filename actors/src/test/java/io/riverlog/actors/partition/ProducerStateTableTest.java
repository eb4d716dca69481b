package io.riverlog.actors.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.riverlog.actors.partition.ProducerStateTable.Accept;
import io.riverlog.actors.partition.ProducerStateTable.Duplicate;
import io.riverlog.actors.partition.ProducerStateTable.Fenced;
import io.riverlog.actors.partition.ProducerStateTable.OutOfOrder;
import io.riverlog.wal.BatchSummary;

class ProducerStateTableTest {
    /** The timestamp of the batches these tests record, where it does not matter. */
    private static final long AT = 1_700_000_000_000L;

    private final ProducerStateTable table = new ProducerStateTable(5);

    @Test
    void aRetryOfOneOfTheLastFiveBatchesIsADuplicateWithTheFirstOffsets() {
        for (int i = 0; i < 7; i++) {
            assertThat(table.check(9, (short) 0, i * 10, i * 10 + 9)).isInstanceOf(Accept.class);
            table.record(9, (short) 0, i * 10, i * 10 + 9, 100 + i * 10, 109 + i * 10, AT);
        }
        assertThat(table.check(9, (short) 0, 60, 69)).isEqualTo(new Duplicate(160, 169));
        assertThat(table.check(9, (short) 0, 20, 29)).isEqualTo(new Duplicate(120, 129));
        assertThat(table.check(9, (short) 0, 10, 19)).as("older than the last five").isInstanceOf(OutOfOrder.class);
    }

    @Test
    void aGapInSequencesIsOutOfOrder() {
        table.record(1, (short) 0, 0, 4, 0, 4, AT);
        assertThat(table.check(1, (short) 0, 5, 9)).isInstanceOf(Accept.class);
        assertThat(table.check(1, (short) 0, 6, 9)).isInstanceOf(OutOfOrder.class);
    }

    @Test
    void anOlderEpochIsFencedAndANewEpochMustStartAtZero() {
        table.record(1, (short) 3, 0, 4, 0, 4, AT);
        assertThat(table.check(1, (short) 2, 5, 9)).isInstanceOf(Fenced.class);
        assertThat(table.check(1, (short) 4, 5, 9)).isInstanceOf(OutOfOrder.class);
        assertThat(table.check(1, (short) 4, 0, 9)).isInstanceOf(Accept.class);
    }

    @Test
    void anUnknownProducerStartsAtSequenceZeroAndNonIdempotentBatchesAreAccepted() {
        assertThat(table.check(42, (short) 0, 0, 3)).isInstanceOf(Accept.class);
        assertThat(table.check(42, (short) 3, 0, 3)).isInstanceOf(Accept.class);
        assertThat(table.check(-1, (short) -1, -1, -1)).isInstanceOf(Accept.class);
    }

    /**
     * A producer's first batches to a partition, pipelined: the first refused (its leader was not ready
     * yet), the next arriving once it is. The next must wait for the first, or the first can never follow.
     */
    @Test
    void anUnknownProducerMidStreamIsOutOfOrderUntilItsFirstBatchArrives() {
        assertThat(table.check(42, (short) 0, 17, 20)).isInstanceOfSatisfying(OutOfOrder.class,
                o -> assertThat(o.message()).contains("not known", "17"));
        table.record(42, (short) 0, 0, 16, 100, 116, 0);
        assertThat(table.check(42, (short) 0, 17, 20)).isInstanceOf(Accept.class);
    }

    @Test
    void aTableRestoredFromItsSnapshotAnswersEveryCheckAsTheOriginalDoes() {
        fillWithThreeProducers(table);

        ProducerStateTable restored = new ProducerStateCodec(5).restore(table.snapshot());

        assertThat(restored.producerCount()).isEqualTo(3);
        for (long producer : new long[] {1, 2, 3, 4}) {
            for (short epoch = 0; epoch < 4; epoch++) {
                for (int first = 0; first < 40; first += 5) {
                    assertThat(restored.check(producer, epoch, first, first + 4))
                            .as("producer %d, epoch %d, sequence %d", producer, epoch, first)
                            .isEqualTo(table.check(producer, epoch, first, first + 4));
                }
            }
        }
        assertThat(restored.check(2, (short) 1, 25, 29)).isEqualTo(new Duplicate(1025, 1029));
    }

    @Test
    void aSnapshotOfMoreBatchesPerProducerThanNowRememberedKeepsTheNewest() {
        for (int i = 0; i < 5; i++) {
            table.record(9, (short) 0, i * 10, i * 10 + 9, 100 + i * 10, 109 + i * 10, AT);
        }

        ProducerStateTable fewer = new ProducerStateCodec(2).restore(table.snapshot());

        assertThat(fewer.check(9, (short) 0, 40, 49)).isEqualTo(new Duplicate(140, 149));
        assertThat(fewer.check(9, (short) 0, 30, 39)).isEqualTo(new Duplicate(130, 139));
        assertThat(fewer.check(9, (short) 0, 20, 29)).isInstanceOf(OutOfOrder.class);
        assertThat(fewer.check(9, (short) 0, 50, 59)).isInstanceOf(Accept.class);
    }

    @Test
    void bytesThatAreNotAWholeProducerStateOfThisFormatAreRefused() {
        fillWithThreeProducers(table);
        byte[] whole = bytesOf(table.snapshot());
        ProducerStateCodec codec = new ProducerStateCodec(5);
        for (int length = 0; length < whole.length; length++) {
            ByteBuffer cut = ByteBuffer.wrap(Arrays.copyOf(whole, length));
            assertThatThrownBy(() -> codec.restore(cut)).as("cut at %d", length)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        ByteBuffer longer = ByteBuffer.wrap(Arrays.copyOf(whole, whole.length + 1));
        assertThatThrownBy(() -> codec.restore(longer)).isInstanceOf(IllegalArgumentException.class);
        byte[] newer = whole.clone();
        newer[0] = ProducerStateCodec.VERSION + 1;
        assertThatThrownBy(() -> codec.restore(ByteBuffer.wrap(newer))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version");
    }

    @Test
    void aCopyGoesItsOwnWay() {
        table.record(1, (short) 0, 0, 4, 0, 4, AT);
        ProducerStateTable copy = table.copy();
        copy.record(1, (short) 0, 5, 9, 5, 9, AT);
        copy.record(2, (short) 0, 0, 0, 10, 10, AT);

        assertThat(table.check(1, (short) 0, 5, 9)).isInstanceOf(Accept.class);
        assertThat(copy.check(1, (short) 0, 5, 9)).isEqualTo(new Duplicate(5, 9));
        assertThat(table.producerCount()).isEqualTo(1);
    }

    @Test
    void storedBatchesOfIdempotentProducersAreAppliedAndOthersIgnored() {
        table.apply(new BatchSummary(0, 4, -1, (short) -1, -1, AT));
        table.apply(new BatchSummary(5, 9, 7, (short) 2, 100, AT + 9));

        assertThat(table.producerCount()).isEqualTo(1);
        assertThat(table.check(7, (short) 2, 100, 104)).isEqualTo(new Duplicate(5, 9));
        assertThat(table.activeProducers()).containsExactly(new ActiveProducer(7, (short) 2, 104, AT + 9));
    }

    @Test
    void activeProducersAreEachProducersEpochLastSequenceAndLastTimestampByProducerId() {
        table.record(30, (short) 0, 0, 4, 0, 4, AT);
        table.record(30, (short) 0, 5, 9, 5, 9, AT + 20);
        table.record(10, (short) 1, 0, 0, 10, 10, AT + 5);
        table.record(20, (short) 0, 0, 2, 11, 13, AT + 7);
        table.record(20, (short) 1, 0, 1, 14, 15, AT + 3);

        assertThat(table.activeProducers()).containsExactly(
                new ActiveProducer(10, (short) 1, 0, AT + 5),
                new ActiveProducer(20, (short) 1, 1, AT + 3),
                new ActiveProducer(30, (short) 0, 9, AT + 20));
    }

    @Test
    void theActiveProducersAreASnapshotThatLaterBatchesDoNotChange() {
        table.record(1, (short) 0, 0, 4, 0, 4, AT);
        List<ActiveProducer> before = table.activeProducers();

        table.record(1, (short) 0, 5, 9, 5, 9, AT + 1);
        table.record(2, (short) 0, 0, 0, 10, 10, AT + 2);

        assertThat(before).containsExactly(new ActiveProducer(1, (short) 0, 4, AT));
        assertThatThrownBy(() -> before.add(new ActiveProducer(3, (short) 0, 0, AT)))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(table.activeProducers()).hasSize(2);
    }

    @Test
    void aSnapshotKeepsTheLastTimestampsAndACopyToo() {
        fillWithThreeProducers(table);

        ProducerStateTable restored = new ProducerStateCodec(5).restore(table.snapshot());

        assertThat(restored.activeProducers()).isEqualTo(table.activeProducers());
        assertThat(table.copy().activeProducers()).isEqualTo(table.activeProducers());
        assertThat(table.activeProducers()).extracting(ActiveProducer::lastTimestampMs)
                .containsExactly(AT + 14, AT + 1034, AT + 2002);
    }

    @Test
    void aSnapshotOfTheFormatWithoutTimestampsIsRestoredWithTheTimestampsUnknownUntilTheNextBatch() {
        // Version 1: producer 5 in epoch 2 with one batch, sequences 0-4 at offsets 10-14.
        ByteBuffer versionOne = ByteBuffer.allocate(1 + 4 + 8 + 2 + 2 + 4 + 4 + 8 + 8)
                .put(ProducerStateCodec.VERSION_WITHOUT_TIMESTAMPS).putInt(1)
                .putLong(5).putShort((short) 2).putShort((short) 1)
                .putInt(0).putInt(4).putLong(10).putLong(14).flip();

        ProducerStateTable restored = new ProducerStateCodec(5).restore(versionOne);

        assertThat(restored.activeProducers()).containsExactly(
                new ActiveProducer(5, (short) 2, 4, ActiveProducer.UNKNOWN_TIMESTAMP));
        assertThat(restored.check(5, (short) 2, 0, 4)).isEqualTo(new Duplicate(10, 14));
        restored.record(5, (short) 2, 5, 5, 15, 15, AT);
        assertThat(restored.activeProducers()).containsExactly(new ActiveProducer(5, (short) 2, 5, AT));
    }

    /**
     * Producer 1 in epoch 3 with one batch, 2 in epoch 1 with seven (five remembered), 3 in epoch 0 with
     * two; each batch's timestamp is its last offset after {@link #AT}.
     */
    private static void fillWithThreeProducers(ProducerStateTable table) {
        table.record(1, (short) 2, 0, 4, 0, 4, AT + 4);
        table.record(1, (short) 3, 0, 9, 5, 14, AT + 14);
        for (int i = 0; i < 7; i++) {
            table.record(2, (short) 1, i * 5, i * 5 + 4, 1000 + i * 5, 1004 + i * 5, AT + 1004 + i * 5);
        }
        table.record(3, (short) 0, 0, 0, 2000, 2000, AT + 2000);
        table.record(3, (short) 0, 1, 2, 2001, 2002, AT + 2002);
    }

    private static byte[] bytesOf(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    @Test
    void sequencesWrapAtIntegerMax() {
        table.record(1, (short) 0, Integer.MAX_VALUE - 1, Integer.MAX_VALUE, 0, 1, AT);
        assertThat(table.check(1, (short) 0, 0, 3)).isInstanceOf(Accept.class);
    }
}
