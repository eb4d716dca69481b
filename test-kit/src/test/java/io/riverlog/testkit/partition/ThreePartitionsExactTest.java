package io.riverlog.testkit.partition;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.Batches;
import io.riverlog.testkit.PartitionClient;
import io.riverlog.testkit.PartitionFixture;
import io.riverlog.wal.LogRecord;

/** The seed's 4,500 of 5,000 over three partitions: here each of three partitions holds exactly what it was sent. */
class ThreePartitionsExactTest {
    private static final int PER_PARTITION = 5_000;

    @TempDir
    Path dataDir;

    @Test
    void threePartitionsOfFiveThousandRecordsEachReadBackExactly() {
        try (PartitionFixture fixture =
                     new PartitionFixture(dataDir, PartitionFixture.DEFAULTS.withBufferMaxBytes(32 * 1024))) {
            List<PartitionClient> partitions = fixture.partitions("three", 3);
            for (int written = 0; written < PER_PARTITION; written += 25) {
                for (int p = 0; p < 3; p++) {
                    partitions.get(p).append(Batches.of("p" + p, written, 25, 100));
                }
            }
            for (int p = 0; p < 3; p++) {
                List<LogRecord> read = partitions.get(p).readAll(0, 32 * 1024);
                assertThat(read).hasSize(PER_PARTITION);
                List<String> labels = Batches.labels(read);
                for (int i = 0; i < PER_PARTITION; i++) {
                    assertThat(labels.get(i)).isEqualTo("p" + p + ":" + i);
                }
            }
        }
    }
}
