package io.riverlog.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BatchFormatTest {

    @TempDir
    Path dir;

    @Test
    void validBatchesAreDescribedOneByOne() {
        ByteBuffer two = concat(TestBatches.raw("a", 3, 10, 100, Compression.NONE),
                TestBatches.raw("b", 5, 10, 200, Compression.NONE));
        ValidBatches valid = BatchFormat.validate(two);
        assertThat(valid.batches()).hasSize(2);
        assertThat(valid.batches().get(0).lastOffsetDelta()).isEqualTo(2);
        assertThat(valid.batches().get(1).position()).isEqualTo(valid.batches().get(0).sizeInBytes());
        assertThat(valid.batches().get(1).maxTimestamp()).isEqualTo(204);
        assertThat(valid.recordCount()).isEqualTo(8);
    }

    @Test
    void aFlippedBitInsideTheCrcCoverageIsRejected() {
        for (int position = 21; position < 120; position++) {
            ByteBuffer batch = TestBatches.raw("a", 3, 20, 0, Compression.NONE);
            batch.put(position, (byte) (batch.get(position) ^ 0x10));
            int at = position;
            assertThatThrownBy(() -> BatchFormat.validate(batch)).as("flip at %d", at)
                    .isInstanceOf(InvalidBatchException.class);
        }
    }

    /**
     * A replica checks batches with the summaries of their leader's validation: it describes them as
     * the full validation does, and refuses bytes that fail their CRC or summaries that do not fit.
     */
    @Test
    void summarizedBatchesAreDescribedAsTheFullValidationDoesAndCheckedAgainstTheirCrc() {
        ByteBuffer keyed = TestBatches.raw("a", 3, 10, 100, Compression.NONE);
        ByteBuffer keyless = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(300L, null, "v".getBytes()),
                new SimpleRecord(250L, null, "w".getBytes())).buffer();
        ValidBatches full = BatchFormat.validate(concat(keyed, keyless));
        List<BatchFormat.Summary> summaries = BatchFormat.summaries(full);
        assertThat(summaries.get(1)).isEqualTo(new BatchFormat.Summary(300, 250, true));

        ValidBatches summarized = BatchFormat.validateSummarized(full.buffer().duplicate(), summaries);
        assertThat(summarized.batches()).isEqualTo(full.batches());
        assertThat(summarized.buffer()).isEqualTo(full.buffer());

        for (int position = 21; position < 80; position++) {
            ByteBuffer flipped = TamperedBatches.copy(full.buffer());
            flipped.put(position, (byte) (flipped.get(position) ^ 0x10));
            int at = position;
            assertThatThrownBy(() -> BatchFormat.validateSummarized(flipped, summaries)).as("flip at %d", at)
                    .isInstanceOf(InvalidBatchException.class);
        }
        assertThatThrownBy(() -> BatchFormat.validateSummarized(full.buffer().duplicate(), summaries.subList(0, 1)))
                .isInstanceOf(InvalidBatchException.class);
        assertThatThrownBy(() -> BatchFormat.validateSummarized(keyed.duplicate(), summaries))
                .isInstanceOf(InvalidBatchException.class);
    }

    @Test
    void oldMagicTruncatedAndEmptyInputsAreRejected() {
        ByteBuffer legacy = MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V1, Compression.NONE,
                new SimpleRecord(1L, "k".getBytes(), "v".getBytes())).buffer();
        assertThatThrownBy(() -> BatchFormat.validate(legacy)).hasMessageContaining("magic 1");

        ByteBuffer whole = TestBatches.raw("a", 3, 10, 0, Compression.NONE);
        ByteBuffer truncated = whole.duplicate().limit(whole.limit() - 1).slice();
        assertThatThrownBy(() -> BatchFormat.validate(truncated)).isInstanceOf(InvalidBatchException.class);
        ByteBuffer headerOnly = whole.duplicate().limit(30).slice();
        assertThatThrownBy(() -> BatchFormat.validate(headerOnly)).hasMessageContaining("trailing bytes");
        assertThatThrownBy(() -> BatchFormat.validate(ByteBuffer.allocate(0)))
                .isInstanceOf(InvalidBatchException.class);
    }

    @Test
    void aReadOnlyBufferIsCopiedSoOffsetsCanBeAssigned() throws IOException {
        ByteBuffer readOnly = TestBatches.raw("ro", 2, 10, 0, Compression.NONE).asReadOnlyBuffer();
        try (PartitionLog log = PartitionLog.open(dir, PartitionLogTest.SMALL, Clock.systemUTC())) {
            log.append(BatchFormat.validate(TestBatches.raw("first", 3, 10, 0, Compression.NONE)));
            assertThat(log.append(BatchFormat.validate(readOnly)).firstOffset()).isEqualTo(3);
            assertThat(TestBatches.records(log.read(3, 100, Long.MAX_VALUE))).extracting(r -> r.offset())
                    .containsExactly(3L, 4L);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void compressedBatchesAreStoredAsSentAndStayValidWithTheirNewOffsets(String codec) throws IOException {
        Compression compression = switch (codec) {
            case "gzip" -> Compression.gzip().build();
            case "snappy" -> Compression.snappy().build();
            case "lz4" -> Compression.lz4().build();
            case "zstd" -> Compression.zstd().build();
            default -> Compression.NONE;
        };
        try (PartitionLog log = PartitionLog.open(dir, PartitionLogTest.SMALL, Clock.systemUTC())) {
            log.append(TestBatches.batch("pad", 7, 10, 0));
            ByteBuffer sent = TestBatches.raw(codec, 50, 30, 1000, compression);
            ByteBuffer original = ByteBuffer.allocate(sent.remaining()).put(sent.duplicate()).flip();
            log.append(BatchFormat.validate(sent));
            LogSlice slice = log.read(7, 1 << 20, Long.MAX_VALUE);
            ByteBuffer stored = slice.readFully();
            // Identical to what was sent but for the base offset and the leader epoch (both outside the CRC).
            assertThat(stored.remaining()).isEqualTo(original.remaining());
            assertThat(stored.slice(17, stored.remaining() - 17))
                    .isEqualTo(original.slice(17, original.remaining() - 17));
            List<TestBatches.StoredRecord> records = TestBatches.records(slice);
            assertThat(records).hasSize(50);
            assertThat(records.get(0).offset()).isEqualTo(7);
            assertThat(records.get(49).value()).isEqualTo(TestBatches.valueText(codec, 49, 30));
            assertThat(log.offsetForTimestamp(1020)).contains(new TimestampOffset(1020, 27));
        }
    }

    @Test
    void decodeYieldsKeysValuesAndHeadersFromTheRequestedOffsetOn() {
        ByteBuffer raw = MemoryRecords.withRecords(Compression.lz4().build(),
                new SimpleRecord(10L, "k0".getBytes(), "v0".getBytes()),
                new SimpleRecord(11L, null, "v1".getBytes(),
                        new org.apache.kafka.common.header.Header[] {
                            new org.apache.kafka.common.header.internals.RecordHeader("h", "x".getBytes())}),
                new SimpleRecord(12L, "k2".getBytes(), null)).buffer();
        ValidBatches batches = BatchFormat.validate(raw);
        BatchFormat.assignOffsets(batches, 100);
        List<LogRecord> records = BatchFormat.decode(batches.buffer(), 101);
        assertThat(records).extracting(LogRecord::offset).containsExactly(101L, 102L);
        assertThat(records.get(0).key()).isNull();
        assertThat(records.get(0).value()).isEqualTo("v1".getBytes());
        assertThat(records.get(0).headers()).singleElement().satisfies(h -> {
            assertThat(h.key()).isEqualTo("h");
            assertThat(h.value()).isEqualTo("x".getBytes());
        });
        assertThat(records.get(1).value()).isNull();
        assertThat(records.get(1).timestampMs()).isEqualTo(12L);
    }

    private static ByteBuffer concat(ByteBuffer a, ByteBuffer b) {
        return ByteBuffer.allocate(a.remaining() + b.remaining()).put(a.duplicate()).put(b.duplicate()).flip();
    }

}
