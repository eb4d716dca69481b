package io.riverlog.testkit;

import io.riverlog.wal.FaultInjectingChannels;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.actors.partition.PartitionActor.AppendError;
import io.riverlog.actors.partition.PartitionActor.AppendFailed;
import io.riverlog.actors.partition.PartitionActor.AppendReply;
import io.riverlog.actors.partition.PartitionActor.Records;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.wal.LogRecord;

/**
 * A write or an fsync that fails (injected: a full disk, an I/O error) takes the partition offline:
 * appends fail with a storage error, nothing is acknowledged that is not durable, committed data
 * stays readable, and after a restart on healthy storage every acknowledged record is there.
 */
class FailingStorageTakesThePartitionOfflineTest {

    @TempDir
    Path dataDir;

    @ParameterizedTest(name = "failing {0}")
    @ValueSource(strings = {"fsync", "write"})
    void aStorageFailureTakesThePartitionOfflineWithoutLosingCommittedData(String failing) {
        FaultInjectingChannels channels = new FaultInjectingChannels();
        try (PartitionFixture fixture = new PartitionFixture(dataDir, PartitionFixture.DEFAULTS, channels, PartitionMetrics.NONE)) {
            PartitionClient partition = fixture.partition("faulty", 0);
            for (int i = 0; i < 10; i++) {
                partition.append(Batches.of("ok", i * 10L, 10, 100));
            }
            if (failing.equals("fsync")) {
                channels.failFsyncs();
            } else {
                channels.failWrites();
            }
            AppendReply failed = partition.tryAppend(Batches.of("lost", 0, 10, 100));
            assertThat(failed).isInstanceOfSatisfying(AppendFailed.class,
                    f -> assertThat(f.error()).isEqualTo(AppendError.STORAGE_ERROR));
            AppendReply refused = partition.tryAppend(Batches.of("lost", 10, 10, 100));
            assertThat(refused).isInstanceOfSatisfying(AppendFailed.class,
                    f -> assertThat(f.message()).contains("offline"));

            assertThat(partition.state().offline()).isTrue();
            assertThat(partition.state().highWatermark()).isEqualTo(100);
            List<LogRecord> read = partition.readAll(0, 1024);
            assertThat(read).hasSize(100);
            assertThat(partition.read(100, 1024, Duration.ZERO)).isInstanceOfSatisfying(Records.class,
                    r -> assertThat(r.isEmpty()).isTrue());
            channels.heal();
        }
        try (PartitionFixture restarted = new PartitionFixture(dataDir, PartitionFixture.DEFAULTS)) {
            PartitionClient partition = restarted.partition("faulty", 0);
            List<String> labels = Batches.labels(partition.readAll(0, 1024));
            assertThat(labels).hasSizeGreaterThanOrEqualTo(100);
            for (int i = 0; i < 100; i++) {
                assertThat(labels.get(i)).isEqualTo("ok:" + i);
            }
            assertThat(partition.append(Batches.of("after", 0, 1, 10)).baseOffset()).isEqualTo(labels.size());
        }
    }
}
