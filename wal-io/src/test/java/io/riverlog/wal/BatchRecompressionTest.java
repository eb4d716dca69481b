package io.riverlog.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A topic's compression.type applied to produced batches: one in another codec is rebuilt with the
 * same records and producer fields, and stays a batch the log takes; one in the codec is kept.
 */
class BatchRecompressionTest {
    private static final long PRODUCER_ID = 4711;
    private static final short PRODUCER_EPOCH = 3;
    private static final int BASE_SEQUENCE = 120;
    private static final int RECORDS = 40;
    private static final long FIRST_TIMESTAMP = 1_700_000_000_000L;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} to {1}")
    @CsvSource({"gzip, lz4", "none, zstd", "lz4, none", "zstd, snappy", "snappy, gzip"})
    void aBatchInAnotherCodecIsRebuiltWithTheSameRecordsAndProducerFields(String from, String to) {
        ValidBatches received = BatchFormat.validate(produced(codec(from), false, 0));
        List<String> records = describe(received);
        long headerMaxTimestamp = onlyBatch(received).maxTimestamp();

        ValidBatches stored = BatchRecompression.inCodec(received, codec(to));

        MutableRecordBatch batch = onlyBatch(stored);
        batch.ensureValid();
        assertThat(batch.compressionType()).isEqualTo(codec(to).type());
        assertThat(batch.producerId()).isEqualTo(PRODUCER_ID);
        assertThat(batch.producerEpoch()).isEqualTo(PRODUCER_EPOCH);
        assertThat(batch.baseSequence()).isEqualTo(BASE_SEQUENCE);
        assertThat(batch.isTransactional()).isFalse();
        assertThat(batch.isControlBatch()).isFalse();
        assertThat(batch.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
        assertThat(batch.maxTimestamp()).isEqualTo(headerMaxTimestamp);
        assertThat(describe(stored)).isEqualTo(records);
        assertThat(stored.batches()).containsExactly(received.batches().get(0).movedTo(0, stored.sizeInBytes()));
        assertThat(stored.receivedSizeInBytes()).isEqualTo(received.sizeInBytes());
        // The rebuilt bytes pass every check a produced batch passes, and are described the same way.
        assertThat(BatchFormat.validate(copy(stored.buffer())).batches()).isEqualTo(stored.batches());
    }

    @Test
    void aTransactionalBatchStaysTransactional() {
        ValidBatches stored = BatchRecompression.inCodec(BatchFormat.validate(produced(Compression.NONE, true, 0)),
                Compression.zstd().build());
        assertThat(onlyBatch(stored).isTransactional()).isTrue();
        assertThat(onlyBatch(stored).compressionType()).isEqualTo(Compression.zstd().build().type());
    }

    @Test
    void aBatchAlreadyInTheCodecIsKeptAsItIsWhateverItsLevel() {
        ValidBatches received = BatchFormat.validate(produced(Compression.gzip().level(1).build(), false, 0));
        assertThat(BatchRecompression.inCodec(received, Compression.gzip().level(9).build())).isSameAs(received);
        ValidBatches plain = BatchFormat.validate(produced(Compression.NONE, false, 0));
        assertThat(BatchRecompression.inCodec(plain, Compression.NONE)).isSameAs(plain);
    }

    @Test
    void onlyTheBatchesInAnotherCodecAreRebuiltAndEachKeepsItsPlace() {
        ByteBuffer kept = produced(Compression.zstd().build(), false, 0);
        ByteBuffer rebuilt = produced(Compression.NONE, false, RECORDS);
        ByteBuffer both = ByteBuffer.allocate(kept.remaining() + rebuilt.remaining()).put(kept.duplicate())
                .put(rebuilt.duplicate()).flip();
        ValidBatches received = BatchFormat.validate(both);
        List<String> records = describe(received);

        ValidBatches stored = BatchRecompression.inCodec(received, Compression.zstd().build());

        assertThat(stored.buffer().slice(0, kept.remaining())).isEqualTo(kept);
        BatchInfo second = stored.batches().get(1);
        assertThat(second.position()).isEqualTo(kept.remaining());
        assertThat(second.position() + second.sizeInBytes()).isEqualTo(stored.sizeInBytes());
        assertThat(second.sizeInBytes()).isLessThan(rebuilt.remaining());
        assertThat(second.baseSequence()).isEqualTo(BASE_SEQUENCE + RECORDS);
        assertThat(describe(stored)).isEqualTo(records);
        assertThat(BatchFormat.validate(copy(stored.buffer())).batches()).isEqualTo(stored.batches());
    }

    @Test
    void theTopicsLevelIsTheOneTheBrokerCompressesWith() {
        ValidBatches received = BatchFormat.validate(produced(Compression.NONE, false, 0));
        int fastest = BatchRecompression.inCodec(received, Compression.gzip().level(1).build()).sizeInBytes();
        int smallest = BatchRecompression.inCodec(received, Compression.gzip().level(9).build()).sizeInBytes();
        assertThat(smallest).isLessThan(fastest);
    }

    @Test
    void aRebuiltBatchIsStampedWithItsAppendTimeAndStoredWithItsOffsets() throws IOException {
        long appendTime = FIRST_TIMESTAMP + 60_000;
        ValidBatches stored = BatchRecompression.inCodec(BatchFormat.validate(produced(codec("gzip"), false, 0)),
                Compression.lz4().build());
        ValidBatches stamped = BatchFormat.stampLogAppendTime(stored, appendTime);
        try (PartitionLog log = PartitionLog.open(dir, PartitionLogTest.SMALL, Clock.systemUTC())) {
            log.append(TestBatches.batch("before", 5, 10, 0));
            assertThat(log.append(stamped).firstOffset()).isEqualTo(5);

            ByteBuffer read = log.read(5, 1 << 20, Long.MAX_VALUE).readFully();
            MutableRecordBatch batch = MemoryRecords.readableRecords(read).batches().iterator().next();
            batch.ensureValid();
            assertThat(batch.compressionType()).isEqualTo(Compression.lz4().build().type());
            assertThat(batch.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
            List<Long> offsets = new ArrayList<>();
            for (Record record : batch) {
                assertThat(record.timestamp()).isEqualTo(appendTime);
                offsets.add(record.offset());
            }
            assertThat(offsets).hasSize(RECORDS).first().isEqualTo(5L);
            assertThat(offsets).last().isEqualTo(5L + RECORDS - 1);
        }
    }

    @Test
    void aBatchTheBuilderWillNotWriteIsRefusedAsInvalid() {
        ValidBatches received = BatchFormat.validate(TamperedBatches.withBaseTimestamp(
                produced(Compression.NONE, false, 0), -FIRST_TIMESTAMP));
        assertThatThrownBy(() -> BatchRecompression.inCodec(received, Compression.lz4().build()))
                .isInstanceOf(InvalidBatchException.class)
                .hasMessageContaining("batch 0: cannot be stored in the topic's codec lz4");
        assertThat(BatchRecompression.inCodec(received, Compression.NONE)).isSameAs(received);
    }

    /**
     * One batch as an idempotent producer sends it, records {@code [first, first + RECORDS)}: keys,
     * null keys and values, headers, timestamps out of order.
     */
    private static ByteBuffer produced(Compression codec, boolean transactional, int first) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024), RecordBatch.MAGIC_VALUE_V2,
                codec, TimestampType.CREATE_TIME, 0L, RecordBatch.NO_TIMESTAMP, PRODUCER_ID, PRODUCER_EPOCH,
                BASE_SEQUENCE + first, transactional, RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (int i = first; i < first + RECORDS; i++) {
            byte[] key = i % 3 == 1 ? null : ("key-" + i).getBytes(StandardCharsets.UTF_8);
            byte[] value = i % 5 == 4 ? null : ("value " + i + " of a topic whose records repeat themselves")
                    .repeat(i % 4 + 1).getBytes(StandardCharsets.UTF_8);
            Header[] headers = i % 2 == 0 ? new Header[0] : new Header[] {
                new RecordHeader("trace", ("t-" + i).getBytes(StandardCharsets.UTF_8)),
                new RecordHeader("empty", null)};
            builder.append(FIRST_TIMESTAMP + (i * 7919L) % 1000, key, value, headers);
        }
        return builder.build().buffer();
    }

    /** The codec Kafka names {@code name} ("none", "gzip", ...), at its default level. */
    private static Compression codec(String name) {
        return Compression.of(name).build();
    }

    /** Every record of the batches, offset delta from its batch's base included, as comparable text. */
    private static List<String> describe(ValidBatches batches) {
        List<String> out = new ArrayList<>();
        for (MutableRecordBatch batch : MemoryRecords.readableRecords(batches.buffer().duplicate()).batches()) {
            for (Record record : batch) {
                StringBuilder text = new StringBuilder().append(record.offset() - batch.baseOffset()).append(' ')
                        .append(record.timestamp()).append(' ').append(bytes(record.key())).append(' ')
                        .append(bytes(record.value()));
                for (Header header : record.headers()) {
                    text.append(' ').append(header.key()).append('=').append(Arrays.toString(header.value()));
                }
                out.add(text.toString());
            }
        }
        return out;
    }

    private static String bytes(ByteBuffer buffer) {
        return buffer == null ? "null" : StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
    }

    private static MutableRecordBatch onlyBatch(ValidBatches batches) {
        List<MutableRecordBatch> all = new ArrayList<>();
        MemoryRecords.readableRecords(batches.buffer().duplicate()).batches().forEach(all::add);
        assertThat(all).hasSize(1);
        return all.get(0);
    }

    private static ByteBuffer copy(ByteBuffer buffer) {
        return ByteBuffer.allocate(buffer.remaining()).put(buffer.duplicate()).flip();
    }
}
