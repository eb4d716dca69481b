package io.riverlog.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A produced batch is refused, as Kafka's broker refuses it, when its header and its records
 * disagree or its records cannot be parsed. Each bad batch is a good one with one field changed and
 * its CRC32C recomputed, so only the rule under test is broken.
 */
class ProducedBatchRulesTest {
    /** Five records of small values: every length and delta takes one varint byte. */
    private static final int RECORDS = 5;

    @Test
    void aRecordCountThatIsNotTheLastOffsetDeltaPlusOneIsRefused() {
        assertRefused(TamperedBatches.withRecordCount(good(), RECORDS - 1), "does not match its last offset delta");
        assertRefused(TamperedBatches.withRecordCount(good(), RECORDS + 1), "does not match its last offset delta");
        assertRefused(TamperedBatches.changed(good(), b -> b.putInt(TamperedBatches.LAST_OFFSET_DELTA, RECORDS + 2)),
                "does not match its last offset delta");
    }

    @Test
    void aRecordCountOfZeroOrLessIsRefused() {
        assertRefused(TamperedBatches.withConsistentCount(good(), 0), "record count 0 is not positive");
        assertRefused(TamperedBatches.withConsistentCount(good(), -3), "record count -3 is not positive");
    }

    @Test
    void offsetDeltasThatAreNotZeroOneTwoInOrderAreRefused() {
        ByteBuffer good = good();
        // Zig-zag varints: delta d is the byte 2d.
        ByteBuffer swapped = TamperedBatches.withByte(good, TamperedBatches.offsetDeltaAt(good, 1), (byte) 4);
        swapped = TamperedBatches.withByte(swapped, TamperedBatches.offsetDeltaAt(good, 2), (byte) 2);
        assertRefused(swapped, "record 1 of 5 has offset delta 2");

        ByteBuffer gap = TamperedBatches.withByte(good, TamperedBatches.offsetDeltaAt(good, 4), (byte) 10);
        assertRefused(gap, "record 4 of 5 has offset delta 5");
    }

    @Test
    void compressedRecordsWithAGapInTheirOffsetsAreRefused() {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024), Compression.lz4().build(),
                TimestampType.CREATE_TIME, 0L);
        builder.appendWithOffset(0, 100L, null, "a".getBytes());
        builder.appendWithOffset(1, 101L, null, "b".getBytes());
        builder.appendWithOffset(3, 102L, null, "c".getBytes());
        ByteBuffer gap = builder.build().buffer();
        assertRefused(gap, "does not match its last offset delta");
        assertRefused(TamperedBatches.withConsistentCount(gap, 3), "record 2 of 3 has offset delta 3");
    }

    @Test
    void aRecordLengthThatOverrunsTheBatchIsRefused() {
        ByteBuffer good = good();
        int last = TamperedBatches.recordStart(good, RECORDS - 1);
        assertRefused(TamperedBatches.withByte(good, last, (byte) 120), "record 4 of 5 has length 60 but");
    }

    @Test
    void aRecordWhoseFieldsDoNotFillExactlyItsLengthIsRefused() {
        ByteBuffer good = good();
        int first = TamperedBatches.recordStart(good, 0);
        int bodyBytes = good.get(first) / 2;
        ByteBuffer shorter = TamperedBatches.withByte(good, first, (byte) (2 * (bodyBytes - 1)));
        assertRefused(shorter, "record 0 of 5 has fields that run past its length");
        // A longer length swallows the next record's first byte, which is then missing from it.
        ByteBuffer longer = TamperedBatches.withByte(good, first, (byte) (2 * (bodyBytes + 1)));
        assertRefused(longer, "record 0 of 5 has length " + (bodyBytes + 1) + " but its fields end 1 bytes before");
    }

    @Test
    void aVarintOfMoreThanFiveBytesIsRefused() {
        ByteBuffer bad = good();
        int at = TamperedBatches.offsetDeltaAt(bad, 2);
        for (int i = 0; i < 5; i++) {
            bad = TamperedBatches.withByte(bad, at + i, (byte) 0x81);
        }
        assertRefused(bad, "record 2 of 5 cannot be read: Varint is too long");
    }

    @Test
    void aNegativeHeaderCountOrHeaderKeyLengthIsRefused() {
        ByteBuffer noHeaders = good();
        int second = TamperedBatches.recordStart(noHeaders, 1);
        // The header count is the last byte of a record without headers.
        assertRefused(TamperedBatches.withByte(noHeaders, second - 1, (byte) 1), "record 0 of 5 has -1 headers");

        ByteBuffer withHeader = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(1L, null, "v".getBytes(),
                new org.apache.kafka.common.header.Header[] {
                    new org.apache.kafka.common.header.internals.RecordHeader("k", "x".getBytes())})).buffer();
        int end = withHeader.limit();
        // The header's key length sits before its key "k", its value length and its value "x".
        assertRefused(TamperedBatches.withByte(withHeader, end - 4, (byte) 1), "has a header key of length -1");
    }

    @Test
    void bytesAfterTheLastDeclaredRecordAreRefused() {
        assertRefused(TamperedBatches.withConsistentCount(good(), RECORDS - 1), "bytes follow its last record");
    }

    @Test
    void aMissingRecordIsRefused() {
        assertRefused(TamperedBatches.withConsistentCount(good(), RECORDS + 1), "record 5 of 6 is missing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "snappy", "lz4", "zstd"})
    void compressedRecordsThatAreMissingOrTooManyOrUnreadableAreRefused(String codec) {
        ByteBuffer good = TestBatches.raw("c", RECORDS, 10, 1000, Compression.of(codec).build());
        assertThat(BatchFormat.validate(TamperedBatches.copy(good)).recordCount()).isEqualTo(RECORDS);
        assertRefused(TamperedBatches.withConsistentCount(good, RECORDS + 1), "cannot be read after decompression");
        assertRefused(TamperedBatches.withConsistentCount(good, RECORDS - 1), "cannot be read after decompression");
        ByteBuffer garbage = TamperedBatches.copy(good);
        for (int i = DefaultRecordBatch.RECORD_BATCH_OVERHEAD; i < garbage.limit(); i++) {
            garbage.put(i, (byte) (0x5a ^ i));
        }
        assertRefused(TamperedBatches.resealed(garbage), "batch 0: record 0 of 5 cannot be read after decompression");
    }

    @Test
    void anUnknownCompressionCodecIsRefused() {
        short attributes = good().getShort(TamperedBatches.ATTRIBUTES);
        assertRefused(TamperedBatches.changed(good(), b -> b.putShort(TamperedBatches.ATTRIBUTES,
                (short) (attributes | TamperedBatches.COMPRESSION_BITS))), "compression");
    }

    @Test
    void aControlBatchFromAClientIsRefused() {
        short attributes = good().getShort(TamperedBatches.ATTRIBUTES);
        assertRefused(TamperedBatches.changed(good(), b -> b.putShort(TamperedBatches.ATTRIBUTES,
                (short) (attributes | TamperedBatches.CONTROL_FLAG))), "control batches");
    }

    @Test
    void aProducerIdWithoutASequenceNumberIsRefused() {
        assertRefused(TamperedBatches.changed(good(), b -> b.putLong(TamperedBatches.PRODUCER_ID, 77L)),
                "producer id 77 with sequence number -1");
    }

    @Test
    void recordTimestampsOutOfOrderAreAcceptedAndTheHeaderTakesTheirLargest() {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024), Compression.NONE,
                TimestampType.CREATE_TIME, 0L);
        for (long timestamp : new long[] {500, 300, 900, 100}) {
            builder.append(timestamp, null, "v".getBytes());
        }
        ValidBatches valid = BatchFormat.validate(builder.build().buffer());
        assertThat(valid.maxTimestamp()).isEqualTo(900);
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "lz4"})
    void aHeaderMaxTimestampThatDisagreesWithTheRecordsIsSetToTheirs(String codec) {
        ByteBuffer good = TestBatches.raw("t", RECORDS, 10, 1000, Compression.of(codec).build());
        for (long stated : new long[] {9_999_999L, 1000L, -1L}) {
            ValidBatches valid = BatchFormat.validate(
                    TamperedBatches.changed(good, b -> b.putLong(TamperedBatches.MAX_TIMESTAMP, stated)));
            assertThat(valid.maxTimestamp()).isEqualTo(1000 + RECORDS - 1);
            MutableRecordBatch stored = MemoryRecords.readableRecords(valid.buffer()).batches().iterator().next();
            assertThat(stored.maxTimestamp()).isEqualTo(1000 + RECORDS - 1);
            assertThat(stored.isValid()).as("CRC after the header changed").isTrue();
        }
    }

    @Test
    void aWrongCrcIsCorruptAndABrokenRuleIsInvalid() {
        ByteBuffer flipped = good();
        flipped.put(flipped.limit() - 1, (byte) (flipped.get(flipped.limit() - 1) ^ 1));
        assertThatThrownBy(() -> BatchFormat.validate(flipped)).isInstanceOf(CorruptBatchException.class);
        assertThatThrownBy(() -> BatchFormat.validate(TamperedBatches.withRecordCount(good(), 2)))
                .isExactlyInstanceOf(InvalidBatchException.class);
    }

    @Test
    void aLaterBadBatchIsNamedByItsIndex() {
        ByteBuffer first = good();
        ByteBuffer second = TamperedBatches.withRecordCount(good(), 2);
        ByteBuffer both = ByteBuffer.allocate(first.remaining() + second.remaining()).put(first).put(second).flip();
        assertRefused(both, "batch 1: its record count 2");
    }

    @Test
    void uncompressedRecordsAreCheckedWithoutAllocatingPerRecord() {
        ByteBuffer few = TestBatches.raw("a", 10, 10, 0, Compression.NONE);
        ByteBuffer many = TestBatches.raw("a", 2000, 10, 0, Compression.NONE);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] fewBytes = new long[5];
        long[] manyBytes = new long[5];
        for (int round = 0; round < fewBytes.length; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            BatchFormat.validate(few);
            long between = threads.getCurrentThreadAllocatedBytes();
            BatchFormat.validate(many);
            long after = threads.getCurrentThreadAllocatedBytes();
            fewBytes[round] = between - before;
            manyBytes[round] = after - between;
        }
        // The last rounds run warm; 1990 more records may not cost even one object each.
        assertThat(Arrays.stream(manyBytes).skip(2).max().getAsLong())
                .isLessThan(Arrays.stream(fewBytes).skip(2).min().getAsLong() + 1990);
    }

    /** A good uncompressed batch of {@value #RECORDS} small records. */
    private static ByteBuffer good() {
        ByteBuffer batch = TestBatches.raw("r", RECORDS, 10, 1000, Compression.NONE);
        BatchFormat.validate(TamperedBatches.copy(batch));
        return batch;
    }

    private static void assertRefused(ByteBuffer batch, String problem) {
        assertThatThrownBy(() -> BatchFormat.validate(batch)).isInstanceOf(InvalidBatchException.class)
                .hasMessageContaining(problem);
    }
}
