package io.riverlog.testkit.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.streams.PartitionSource;
import io.riverlog.streams.SourceOptions;
import io.riverlog.streams.StartOffset;
import io.riverlog.testkit.Await;
import io.riverlog.testkit.Batches;
import io.riverlog.testkit.PartitionClient;
import io.riverlog.testkit.PartitionFixture;
import io.riverlog.wal.LogRecord;
import io.riverlog.wal.Storage;

/**
 * A slow stream consumer from offset 0 while 200 MB are produced: every record arrives once and in
 * order; the source reads from the log while it is behind, from the buffer as it catches up, and
 * waits at the tail at the end; memory stays bounded (this module's tests run in a 384 MiB heap,
 * smaller than what is produced, so a source that buffered ahead of its consumer would fail).
 */
class SlowStreamConsumerTest {
    private static final int BATCHES = 3_200;
    private static final int RECORDS_PER_BATCH = 64;
    private static final int VALUE_BYTES = 1_000;
    private static final int IN_FLIGHT_APPENDS = 16;

    @TempDir
    Path dataDir;

    @Test
    void aSlowConsumerGetsEveryRecordInOrderWhileTwoHundredMegabytesAreProduced() throws Exception {
        ConcurrentLinkedQueue<Boolean> readsFromLog = new ConcurrentLinkedQueue<>();
        PartitionMetrics metrics = new PartitionMetrics() {
            @Override
            public void read(PartitionId partition, int bytes, boolean fromLog) {
                readsFromLog.add(fromLog);
            }
        };
        try (PartitionFixture fixture = new PartitionFixture(dataDir,
                PartitionFixture.DEFAULTS.withBufferMaxBytes(4L * 1024 * 1024), Storage.LOCAL, metrics)) {
            PartitionClient partition = fixture.partition("firehose", 0);
            long total = (long) BATCHES * RECORDS_PER_BATCH;
            AtomicLong nextExpected = new AtomicLong();
            SourceOptions options = new SourceOptions(256 * 1024, Duration.ofMillis(200), Duration.ofSeconds(20), true);
            CompletionStage<org.apache.pekko.Done> consumed = PartitionSource
                    .records(partition.ref(), StartOffset.at(0), options, fixture.kit.system())
                    .take(total)
                    // Slow: 20,000 records (20 MB) a second, well below the producer, so the consumer falls behind.
                    .throttle(2_000, Duration.ofMillis(100))
                    .runWith(Sink.foreach((LogRecord record) -> {
                        long expected = nextExpected.getAndIncrement();
                        if (record.offset() != expected) {
                            throw new AssertionError("record at offset " + record.offset() + " where " + expected
                                    + " was expected");
                        }
                        String label = Batches.labels(List.of(record)).get(0);
                        if (!label.equals("fire:" + expected)) {
                            throw new AssertionError("record " + expected + " holds " + label);
                        }
                    }), fixture.kit.system());

            produce(partition, total);
            Await.resultOf(consumed, Duration.ofMinutes(3));
            assertThat(nextExpected.get()).isEqualTo(total);

            List<Boolean> sources = List.copyOf(readsFromLog);
            int firstFromLog = sources.indexOf(true);
            int lastFromLog = sources.lastIndexOf(true);
            assertThat(firstFromLog).as("the consumer fell behind the buffer and read from the log")
                    .isGreaterThanOrEqualTo(0);
            assertThat(sources.subList(lastFromLog + 1, sources.size())).as("then caught up through the buffer")
                    .isNotEmpty().containsOnly(false);
            assertThat(partition.state().highWatermark()).isEqualTo(total);
        }
    }

    private static void produce(PartitionClient partition, long total) {
        List<CompletableFuture<?>> inFlight = new java.util.ArrayList<>();
        for (int b = 0; b < BATCHES; b++) {
            inFlight.add(partition.appendAsync(Batches.of("fire", (long) b * RECORDS_PER_BATCH, RECORDS_PER_BATCH,
                    VALUE_BYTES)).toCompletableFuture());
            if (inFlight.size() == IN_FLIGHT_APPENDS) {
                Await.resultOf(inFlight.remove(0), Duration.ofSeconds(60));
            }
        }
        inFlight.forEach(f -> Await.resultOf(f, Duration.ofSeconds(60)));
    }
}
