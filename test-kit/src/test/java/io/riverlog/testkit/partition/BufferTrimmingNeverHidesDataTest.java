package io.riverlog.testkit.partition;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.riverlog.testkit.Batches;
import io.riverlog.testkit.PartitionClient;
import io.riverlog.testkit.PartitionFixture;
import io.riverlog.wal.LogRecord;

/**
 * The seed's second finding: the in-memory buffer was trimmed to 100 batches and reads below it
 * were not served, so 836 of 5,000 records went missing without any restart. Here the buffer is
 * only a cache: reads below it go to the log, through the same read call.
 */
class BufferTrimmingNeverHidesDataTest {
    private static final int VALUE_BYTES = 200;

    @TempDir
    Path dataDir;

    @ParameterizedTest(name = "{0} records")
    @ValueSource(ints = {5_000, 10_000})
    void everyRecordIsReadFromOffsetZeroContiguouslyThoughTheBufferHoldsAboutAHundredBatches(int records) {
        // About a hundred batches of ten 200-byte records.
        long bufferBytes = 100L * 10 * (VALUE_BYTES + 20);
        try (PartitionFixture fixture =
                     new PartitionFixture(dataDir, PartitionFixture.DEFAULTS.withBufferMaxBytes(bufferBytes))) {
            PartitionClient partition = fixture.partition("trim", 0);
            List<String> written = new ArrayList<>();
            Random random = new Random(records);
            while (written.size() < records) {
                int count = Math.min(records - written.size(), 1 + random.nextInt(19));
                partition.append(Batches.of("t", written.size(), count, VALUE_BYTES));
                for (int i = 0; i < count; i++) {
                    written.add("t:" + written.size());
                }
            }
            assertThat(partition.state().bufferMinOffset()).isGreaterThan(records / 2);

            for (int maxBytes : new int[] {1, 16 * 1024, 1024 * 1024}) {
                List<LogRecord> read = partition.readAll(0, maxBytes);
                assertThat(read).hasSize(records);
                for (int i = 0; i < read.size(); i++) {
                    assertThat(read.get(i).offset()).isEqualTo(i);
                }
                assertThat(Batches.labels(read)).isEqualTo(written);
            }
        }
    }
}
