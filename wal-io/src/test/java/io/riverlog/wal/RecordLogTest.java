package io.riverlog.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A record log of text events: replayed oldest first across restarts, and cut back after a failed
 * write or fsync, so that what was refused is never there after a restart while what was
 * acknowledged always is.
 */
class RecordLogTest {
    private static final Clock CLOCK = Clock.systemUTC();
    /** Room for a few short values; the builder grows it if needed. */
    private static final int BATCH_BUFFER_BYTES = 256;
    /** A value the codec refuses to read back. */
    private static final String UNREADABLE = "unreadable";

    /** Each event is a record whose value is its text. */
    static final RecordLog.Codec<String> TEXT = new RecordLog.Codec<>() {
        @Override
        public ValidBatches batchOf(List<String> events, long timestampMs) {
            MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(BATCH_BUFFER_BYTES),
                    Compression.NONE, TimestampType.CREATE_TIME, 0L);
            for (String event : events) {
                builder.append(timestampMs, null, event.getBytes(StandardCharsets.UTF_8));
            }
            return BatchFormat.validate(builder.build().buffer());
        }

        @Override
        public String decode(LogRecord record) {
            String text = new String(record.value(), StandardCharsets.UTF_8);
            if (text.equals(UNREADABLE)) {
                throw new IllegalArgumentException("a value this codec does not know");
            }
            return text;
        }
    };

    @TempDir
    Path dir;

    private RecordLog<String> open(Storage storage) throws IOException {
        return RecordLog.open(dir, PartitionLogTest.SMALL, CLOCK, storage, TEXT);
    }

    private List<String> replayedAfterARestart() throws IOException {
        List<String> events = new ArrayList<>();
        try (RecordLog<String> log = open(Storage.LOCAL)) {
            log.replay(events::add);
        }
        return events;
    }

    @Test
    void everyEventIsReplayedOldestFirstAfterARestart() throws IOException {
        List<String> written = new ArrayList<>();
        try (RecordLog<String> log = open(Storage.LOCAL)) {
            for (int i = 0; i < 200; i++) {
                written.add("event-" + i);
                written.add("same-batch-" + i);
                log.append(List.of(List.of("event-" + i, "same-batch-" + i)));
            }
            assertThat(log.acknowledgedEndOffset()).isEqualTo(written.size());
        }
        try (RecordLog<String> log = open(Storage.LOCAL)) {
            List<String> replayed = new ArrayList<>();
            assertThat(log.replay(replayed::add)).isEqualTo(written.size());
            assertThat(replayed).isEqualTo(written);
            assertThat(log.append("after-restart")).isEqualTo(written.size() + 1);
        }
    }

    @Test
    void anEventRefusedAfterAFailedFsyncIsGoneAfterARestartAndTheNextOneIsThere() throws IOException {
        FaultInjectingChannels channels = new FaultInjectingChannels(dir);
        try (RecordLog<String> log = open(channels)) {
            log.append("acknowledged");
            channels.failNextFsyncs(1);

            assertThatThrownBy(() -> log.append(List.of(List.of("refused-1"), List.of("refused-2"))))
                    .isInstanceOf(NotWrittenException.class)
                    .hasMessageContaining(dir.toString())
                    .hasMessageContaining("acknowledged end offset 1");
            assertThat(log.acknowledgedEndOffset()).isEqualTo(1);
            assertThat(log.append("after")).as("the cut-back log ends where it was acknowledged").isEqualTo(2);
        }
        assertThat(replayedAfterARestart()).containsExactly("acknowledged", "after");
    }

    @Test
    void anEventTornByAFullDiskIsGoneAfterARestart() throws IOException {
        FaultInjectingChannels channels = new FaultInjectingChannels(dir);
        try (RecordLog<String> log = open(channels)) {
            log.append("acknowledged");
            channels.fillAfter(20);

            assertThatThrownBy(() -> log.append("refused")).isInstanceOf(NotWrittenException.class);
            channels.heal();
            log.append("after");
        }
        assertThat(replayedAfterARestart()).containsExactly("acknowledged", "after");
    }

    @Test
    void whileTheCutBackFailsTheOutcomeIsUnknownThenChangesAreRefusedUnwrittenUntilItSucceeds() throws IOException {
        FaultInjectingChannels channels = new FaultInjectingChannels(dir);
        try (RecordLog<String> log = open(channels)) {
            log.append("acknowledged");
            channels.failFsyncs();

            assertThatThrownBy(() -> log.append("unknown")).isInstanceOf(WriteOutcomeUnknownException.class)
                    .hasMessageContaining(dir.toString());
            long bytes = segmentBytes();
            assertThatThrownBy(() -> log.append("refused")).isInstanceOf(NotWrittenException.class)
                    .hasMessageContaining("still cannot be cut back");
            assertThat(segmentBytes()).as("nothing written while the cut-back fails").isEqualTo(bytes);

            channels.heal();
            assertThat(log.append("after")).isEqualTo(2);
        }
        assertThat(replayedAfterARestart()).containsExactly("acknowledged", "after");
    }

    @Test
    void aRecordTheCodecCannotReadStopsTheReplayWithItsOffset() throws IOException {
        try (RecordLog<String> log = open(Storage.LOCAL)) {
            log.append(List.of(List.of("fine"), List.of(UNREADABLE)));
        }
        try (RecordLog<String> log = open(Storage.LOCAL)) {
            assertThatThrownBy(() -> log.replay(event -> { })).isInstanceOf(UnreadableLogException.class)
                    .hasMessageContaining("at offset 1")
                    .hasMessageContaining(dir.toString());
        }
    }

    private long segmentBytes() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            long total = 0;
            for (Path file : files.filter(f -> f.toString().endsWith(LogFiles.LOG_SUFFIX)).toList()) {
                total += Files.size(file);
            }
            return total;
        }
    }
}
