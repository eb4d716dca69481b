package io.riverlog.actors.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogRecord;
import io.riverlog.wal.ValidBatches;

class TopicEventsTest {
    private static final UUID ID = UUID.fromString("6f1c8a2e-1b7d-4c59-9f0e-0d5a3c2b1e4f");
    private static final long TIMESTAMP_MS = 1_764_201_600_000L;

    private static final List<TopicEvent> EVERY_KIND = List.of(
            new TopicEvent.Created("orders", ID, 3, Map.of("retention.ms", "60000", "segment.bytes", "1048576")),
            new TopicEvent.Created("e", ID, 1, Map.of()),
            new TopicEvent.Deleted("orders", ID),
            new TopicEvent.PartitionsAdded("orders", ID, 12),
            new TopicEvent.ConfigsReplaced("orders", ID, Map.of("retention.bytes", "-1")),
            new TopicEvent.ConfigsReplaced("orders", ID, Map.of()),
            new TopicEvent.ProducerIdsReserved(0),
            new TopicEvent.ProducerIdsReserved(Long.MAX_VALUE));

    @Test
    void everyKindOfEventComesBackFromItsRecordBatch() {
        for (TopicEvent event : EVERY_KIND) {
            ValidBatches batch = TopicEvents.batchOf(event, TIMESTAMP_MS);

            List<LogRecord> records = BatchFormat.decode(batch.buffer(), 0);

            assertThat(batch.recordCount()).isEqualTo(1);
            assertThat(records).hasSize(1);
            assertThat(records.get(0).timestampMs()).isEqualTo(TIMESTAMP_MS);
            assertThat(TopicEvents.decode(records.get(0).value())).isEqualTo(event);
        }
    }

    @Test
    void anotherFormatVersionIsRefused() {
        byte[] value = TopicEvents.encode(EVERY_KIND.get(0));
        value[0] = TopicEvents.VERSION + 1;
        assertThatThrownBy(() -> TopicEvents.decode(value)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version 2");
    }

    @Test
    void aValueCutAtAnyByteIsRefused() {
        for (TopicEvent event : EVERY_KIND) {
            byte[] value = TopicEvents.encode(event);
            for (int length = 0; length < value.length; length++) {
                byte[] cut = Arrays.copyOf(value, length);
                assertThatThrownBy(() -> TopicEvents.decode(cut)).as(event + " cut at " + length)
                        .isInstanceOf(IllegalArgumentException.class);
            }
        }
    }

    @Test
    void trailingBytesAreRefused() {
        for (TopicEvent event : EVERY_KIND) {
            byte[] value = TopicEvents.encode(event);
            assertThatThrownBy(() -> TopicEvents.decode(Arrays.copyOf(value, value.length + 1))).as(event.toString())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("after the end");
        }
    }

    @Test
    void aNegativeNextProducerIdIsRefused() {
        byte[] value = TopicEvents.encode(new TopicEvent.ProducerIdsReserved(0));
        value[2] = (byte) 0x80;
        assertThatThrownBy(() -> TopicEvents.decode(value)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("producer id");
    }
}
