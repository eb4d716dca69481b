package io.riverlog.testkit.partition;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.actors.partition.PartitionActor.Records;
import io.riverlog.testkit.Batches;
import io.riverlog.testkit.PartitionClient;
import io.riverlog.testkit.PartitionFixture;
import io.riverlog.wal.LogRecord;

/**
 * The seed's third finding: a log read always started at file position 0, so a consumer at offset
 * 1485 got the same first batches forever. Here a read finds the batch that contains the offset.
 */
class ReadingFromAnyOffsetTest {
    private static final int RECORDS = 5_000;

    @TempDir
    Path dataDir;

    private PartitionFixture fixture;
    private PartitionClient partition;

    @BeforeEach
    void writeFiveThousandRecordsInBatchesOfRandomSize() {
        // A small buffer: most reads below go to the log.
        fixture = new PartitionFixture(dataDir, PartitionFixture.DEFAULTS.withBufferMaxBytes(64 * 1024));
        partition = fixture.partition("middle", 0);
        Random random = new Random(1485);
        long written = 0;
        while (written < RECORDS) {
            int count = (int) Math.min(RECORDS - written, 1 + random.nextInt(30));
            partition.append(Batches.of("m", written, count, 50));
            written += count;
        }
    }

    @org.junit.jupiter.api.AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void readingFromOffset1485YieldsRecordsFrom1485OnAndReachesTheEnd() {
        List<LogRecord> read = partition.readAll(1485, 4096);
        assertThat(read).hasSize(RECORDS - 1485);
        assertThat(read.get(0).offset()).isEqualTo(1485);
        assertThat(Batches.labels(read).get(0)).isEqualTo("m:1485");
        assertThat(read.get(read.size() - 1).offset()).isEqualTo(RECORDS - 1);
    }

    @Test
    void aReadAtEveryOffsetReturnsTheBatchThatContainsIt() {
        for (long offset = 0; offset < RECORDS; offset++) {
            Records records = (Records) partition.read(offset, 1, Duration.ZERO);
            List<LogRecord> batch = Batches.records(records.batches(), 0);
            assertThat(batch.get(0).offset()).as("first offset read at %d", offset).isLessThanOrEqualTo(offset);
            assertThat(batch.get(batch.size() - 1).offset()).as("last offset read at %d", offset)
                    .isGreaterThanOrEqualTo(offset);
            assertThat(records.nextOffset()).isEqualTo(batch.get(batch.size() - 1).offset() + 1);
        }
    }
}
