package io.riverlog.wal;

import static io.riverlog.wal.TestBatches.batch;
import static io.riverlog.wal.TestBatches.records;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log settings a topic's configs change: rolling by age (segment.ms), retention that a
 * compacted-only topic does not apply, settings changed while the log is open, and batches stamped
 * with their append time (LogAppendTime).
 */
class LogSettingsFromTopicConfigsTest {
    private static final Instant START = Instant.parse("2026-12-05T00:00:00Z");

    @TempDir
    Path dir;

    @Test
    void aSegmentRollsOnceItHasTakenAppendsForSegmentMs() throws IOException {
        MovableClock clock = new MovableClock(START);
        LogConfig config = PartitionLogTest.SMALL.withSegmentMs(60_000);
        try (PartitionLog log = PartitionLog.open(dir, config, clock)) {
            log.append(batch("a", 1, 10, START.toEpochMilli()));
            clock.advanceMs(59_999);
            log.append(batch("b", 1, 10, START.toEpochMilli()));
            assertThat(log.segmentCount()).isEqualTo(1);

            clock.advanceMs(1);
            log.append(batch("c", 1, 10, START.toEpochMilli()));
            assertThat(log.segmentCount()).isEqualTo(2);
            clock.advanceMs(59_999);
            log.append(batch("d", 1, 10, START.toEpochMilli()));
            assertThat(log.segmentCount()).as("the new segment's age counts from its first append").isEqualTo(2);
            assertThat(log.logEndOffset()).isEqualTo(4);
            assertThat(records(log.read(2, Integer.MAX_VALUE, Long.MAX_VALUE))).hasSize(2);
        }
    }

    @Test
    void aLogThatRetentionDoesNotDeleteKeepsOldSegmentsUntilReconfigured() throws IOException {
        Clock clock = Clock.fixed(START, ZoneOffset.UTC);
        LogConfig compacted = PartitionLogTest.SMALL.withRetention(-1, 60_000).withDeletesByRetention(false);
        try (PartitionLog log = PartitionLog.open(dir, compacted, clock)) {
            for (int i = 0; i < 100; i++) {
                log.append(batch("old" + i, 5, 40, START.toEpochMilli() - 3_600_000));
            }
            int segments = log.segmentCount();
            assertThat(segments).isGreaterThan(2);
            assertThat(log.enforceRetention()).isZero();
            assertThat(log.logStartOffset()).isZero();

            log.reconfigure(compacted.withDeletesByRetention(true));
            assertThat(log.enforceRetention()).isEqualTo(segments - 1);
            assertThat(log.logStartOffset()).isPositive();
        }
    }

    @Test
    void aLargerSegmentSizeTakesEffectFromTheNextAppend() throws IOException {
        Clock clock = Clock.fixed(START, ZoneOffset.UTC);
        try (PartitionLog log = PartitionLog.open(dir, PartitionLogTest.SMALL, clock)) {
            log.reconfigure(PartitionLogTest.SMALL.withSegmentBytes(1 << 20));
            for (int i = 0; i < 100; i++) {
                log.append(batch("x" + i, 5, 40, START.toEpochMilli()));
            }
            assertThat(log.sizeInBytes()).isGreaterThan(PartitionLogTest.SMALL.segmentBytes());
            assertThat(log.segmentCount()).isEqualTo(1);
            assertThat(log.config().segmentBytes()).isEqualTo(1 << 20);
        }
    }

    @Test
    void logAppendTimeStampsEveryBatchAndKeepsItValid() throws IOException {
        ValidBatches produced = batch("t", 3, 10, 1_000);
        ValidBatches stamped = BatchFormat.stampLogAppendTime(produced, START.toEpochMilli());
        assertThat(stamped.maxTimestamp()).isEqualTo(START.toEpochMilli());

        List<RecordBatch> batches = new ArrayList<>();
        MemoryRecords.readableRecords(stamped.buffer().duplicate()).batches().forEach(batches::add);
        assertThat(batches).hasSize(1);
        assertThat(batches.get(0).timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        assertThat(batches.get(0).maxTimestamp()).isEqualTo(START.toEpochMilli());
        batches.get(0).ensureValid();
        batches.get(0).forEach(record -> assertThat(record.timestamp()).isEqualTo(START.toEpochMilli()));

        try (PartitionLog log = PartitionLog.open(dir, PartitionLogTest.SMALL, Clock.fixed(START, ZoneOffset.UTC))) {
            log.append(stamped);
            log.flush();
        }
        try (PartitionLog log = PartitionLog.open(dir, PartitionLogTest.SMALL, Clock.fixed(START, ZoneOffset.UTC))) {
            assertThat(records(log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE)))
                    .allSatisfy(record -> assertThat(record.timestampMs()).isEqualTo(START.toEpochMilli()));
        }
    }

    @Test
    void validationReportsTheSmallestAndLargestRecordTimestamps() {
        ValidBatches batches = batch("m", 4, 10, 5_000);
        BatchInfo info = batches.batches().get(0);
        assertThat(info.minTimestamp()).isEqualTo(5_000);
        assertThat(info.maxTimestamp()).isGreaterThanOrEqualTo(5_000);
    }
}
