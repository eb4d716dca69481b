package io.riverlog.actors.partition;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.riverlog.actors.partition.ProducerStateTable.Accept;
import io.riverlog.actors.partition.ProducerStateTable.Duplicate;
import io.riverlog.actors.partition.ProducerStateTable.Fenced;
import io.riverlog.actors.partition.ProducerStateTable.OutOfOrder;

class ProducerStateTableTest {
    private final ProducerStateTable table = new ProducerStateTable(5);

    @Test
    void aRetryOfOneOfTheLastFiveBatchesIsADuplicateWithTheFirstOffsets() {
        for (int i = 0; i < 7; i++) {
            assertThat(table.check(9, (short) 0, i * 10, i * 10 + 9)).isInstanceOf(Accept.class);
            table.record(9, (short) 0, i * 10, i * 10 + 9, 100 + i * 10, 109 + i * 10);
        }
        assertThat(table.check(9, (short) 0, 60, 69)).isEqualTo(new Duplicate(160, 169));
        assertThat(table.check(9, (short) 0, 20, 29)).isEqualTo(new Duplicate(120, 129));
        assertThat(table.check(9, (short) 0, 10, 19)).as("older than the last five").isInstanceOf(OutOfOrder.class);
    }

    @Test
    void aGapInSequencesIsOutOfOrder() {
        table.record(1, (short) 0, 0, 4, 0, 4);
        assertThat(table.check(1, (short) 0, 5, 9)).isInstanceOf(Accept.class);
        assertThat(table.check(1, (short) 0, 6, 9)).isInstanceOf(OutOfOrder.class);
    }

    @Test
    void anOlderEpochIsFencedAndANewEpochMustStartAtZero() {
        table.record(1, (short) 3, 0, 4, 0, 4);
        assertThat(table.check(1, (short) 2, 5, 9)).isInstanceOf(Fenced.class);
        assertThat(table.check(1, (short) 4, 5, 9)).isInstanceOf(OutOfOrder.class);
        assertThat(table.check(1, (short) 4, 0, 9)).isInstanceOf(Accept.class);
    }

    @Test
    void unknownProducersAndNonIdempotentBatchesAreAccepted() {
        assertThat(table.check(42, (short) 0, 17, 20)).isInstanceOf(Accept.class);
        assertThat(table.check(-1, (short) -1, -1, -1)).isInstanceOf(Accept.class);
    }

    @Test
    void sequencesWrapAtIntegerMax() {
        table.record(1, (short) 0, Integer.MAX_VALUE - 1, Integer.MAX_VALUE, 0, 1);
        assertThat(table.check(1, (short) 0, 0, 3)).isInstanceOf(Accept.class);
    }
}
