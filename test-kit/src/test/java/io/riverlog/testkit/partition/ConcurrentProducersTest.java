package io.riverlog.testkit.partition;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.actors.partition.PartitionActor.AppendReply;
import io.riverlog.actors.partition.PartitionActor.Appended;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.testkit.Await;
import io.riverlog.testkit.Batches;
import io.riverlog.testkit.PartitionClient;
import io.riverlog.testkit.PartitionFixture;
import io.riverlog.wal.FaultInjectingChannels;
import io.riverlog.wal.LogRecord;

/**
 * Many producers on one partition at once: offsets are contiguous, each producer's batches get
 * offsets in the order it sent them, the log holds each record at the offset its producer was
 * told, the high watermark only rises, and appends that queue during an fsync share the next one.
 */
class ConcurrentProducersTest {
    private static final int PRODUCERS = 6;
    private static final int APPENDS_PER_PRODUCER = 300;

    @TempDir
    Path dataDir;

    @Test
    void concurrentAppendsGetContiguousOffsetsInSendOrderAndShareFsyncs() throws Exception {
        FaultInjectingChannels channels = new FaultInjectingChannels();
        try (PartitionFixture fixture =
                     new PartitionFixture(dataDir, PartitionFixture.DEFAULTS, channels, PartitionMetrics.NONE)) {
            PartitionClient partition = fixture.partition("busy", 0);
            Map<Long, String> labelAtOffset = new ConcurrentHashMap<>();
            List<Long> watermarks = new CopyOnWriteArrayList<>();
            AtomicBoolean producing = new AtomicBoolean(true);
            ExecutorService threads = Executors.newFixedThreadPool(PRODUCERS + 1);
            threads.submit(() -> {
                while (producing.get()) {
                    watermarks.add(partition.state().highWatermark());
                }
                return null;
            });
            List<CompletableFuture<List<Appended>>> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                String tag = "producer" + p;
                Random random = new Random(p);
                producers.add(
                        CompletableFuture.supplyAsync(() -> produce(partition, tag, random, labelAtOffset), threads));
            }
            long total = 0;
            for (CompletableFuture<List<Appended>> producer : producers) {
                List<Appended> acks = producer.get(60, TimeUnit.SECONDS);
                for (int i = 1; i < acks.size(); i++) {
                    assertThat(acks.get(i).baseOffset()).isGreaterThan(acks.get(i - 1).lastOffset());
                }
                for (Appended ack : acks) {
                    total += ack.lastOffset() - ack.baseOffset() + 1;
                }
            }
            producing.set(false);
            threads.shutdown();
            assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

            assertThat(labelAtOffset).hasSize((int) total);
            assertThat(partition.state().highWatermark()).isEqualTo(total);
            List<LogRecord> read = partition.readAll(0, 256 * 1024);
            assertThat(read).hasSize((int) total);
            List<String> labels = Batches.labels(read);
            for (int offset = 0; offset < total; offset++) {
                assertThat(read.get(offset).offset()).isEqualTo(offset);
                assertThat(labels.get(offset)).isEqualTo(labelAtOffset.get((long) offset));
            }
            for (int i = 1; i < watermarks.size(); i++) {
                assertThat(watermarks.get(i)).isGreaterThanOrEqualTo(watermarks.get(i - 1));
            }
            assertThat(channels.fsyncCount()).as("fsyncs for %d appends", PRODUCERS * APPENDS_PER_PRODUCER)
                    .isLessThan(PRODUCERS * APPENDS_PER_PRODUCER);
        }
    }

    /** Sends appends with a few in flight, in order; returns the acknowledgements in send order. */
    private static List<Appended> produce(PartitionClient partition, String tag, Random random,
                                          Map<Long, String> labelAtOffset) {
        List<CompletableFuture<AppendReply>> inFlight = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        List<Appended> acks = new ArrayList<>();
        long index = 0;
        for (int i = 0; i < APPENDS_PER_PRODUCER; i++) {
            int count = 1 + random.nextInt(5);
            counts.add(count);
            inFlight.add(partition.appendAsync(Batches.of(tag, index, count, 40)).toCompletableFuture());
            index += count;
        }
        long labelIndex = 0;
        for (int i = 0; i < inFlight.size(); i++) {
            AppendReply reply = Await.resultOf(inFlight.get(i), Duration.ofSeconds(30));
            Appended appended = (Appended) reply;
            acks.add(appended);
            for (int r = 0; r < counts.get(i); r++) {
                labelAtOffset.put(appended.baseOffset() + r, tag + ":" + (labelIndex + r));
            }
            labelIndex += counts.get(i);
        }
        return acks;
    }
}
