package io.riverlog.streams;

import static io.riverlog.streams.Awaiting.resultOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.common.compress.Compression;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.wal.LogRecord;

class PartitionSourceTest {
    private static final Logger log = LoggerFactory.getLogger(PartitionSourceTest.class);
    private static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.load());
    private static final ActorSystem<Void> system = testKit.system();
    private static final AtomicInteger partitions = new AtomicInteger();

    /** Small reads, so that a partition of a few thousand records takes many of them. */
    private static final SourceOptions OPTIONS = SourceOptions.fromConfig(ConfigFactory.load())
            .withMaxBytesPerRead(8 * 1024);
    /** Holds the last hundred or so records: most reads of a larger partition go to its log. */
    private static final long SMALL_BUFFER_BYTES = 16 * 1024;
    private static final int RECORDS = 5_000;
    private static final int MAX_RECORDS_PER_BATCH = 100;
    /** A wait far longer than any test may take: a test that finishes did not wait for it. */
    private static final Duration LONG_WAIT = Duration.ofSeconds(60);
    private static final Duration PROMPTLY = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    @AfterAll
    static void shutDown() {
        testKit.shutdownTestKit();
    }

    private TestPartition partition(PartitionSettings settings) {
        return TestPartition.start(testKit, "p" + partitions.incrementAndGet(), dir, settings);
    }

    private static PartitionSettings smallBuffer() {
        return TestPartition.DEFAULT_SETTINGS.withBufferMaxBytes(SMALL_BUFFER_BYTES);
    }

    private static List<LogRecord> readAll(ActorRef<PartitionActor.Command> partition, StartOffset from) {
        return resultOf(PartitionSource.records(partition, from, OPTIONS.withFollow(false), system)
                .runWith(Sink.seq(), system));
    }

    // ---------------------------------------------------------------- reading what was written

    @ParameterizedTest(name = "tail buffer of {0} bytes")
    @ValueSource(longs = {SMALL_BUFFER_BYTES, 8 * 1024 * 1024})
    void fromOffsetZeroEveryRecordComesOnceInOrder(long bufferMaxBytes) {
        long seed = new Random().nextLong();
        TestPartition partition = partition(TestPartition.DEFAULT_SETTINGS.withBufferMaxBytes(bufferMaxBytes));
        List<Integer> batches = partition.appendInRandomBatches(RECORDS, MAX_RECORDS_PER_BATCH, new Random(seed),
                Compression.NONE);

        ProducedRecords.assertExactly(readAll(partition.ref, StartOffset.at(0)), 0, RECORDS);

        log.info("seed {}: {} records in {} batches read with {} reads from the log and {} from the buffer", seed,
                RECORDS, batches.size(), partition.reads.fromLog.get(), partition.reads.fromBuffer.get());
        if (bufferMaxBytes == SMALL_BUFFER_BYTES) {
            assertThat(partition.reads.fromLog.get()).as("reads from the log, seed %d", seed)
                    .isGreaterThan(partition.reads.fromBuffer.get());
        }
    }

    @Test
    void fromAnyOffsetEveryLaterRecordComesOnceAndNothingBefore() {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        TestPartition partition = partition(smallBuffer());
        partition.appendInRandomBatches(RECORDS, MAX_RECORDS_PER_BATCH, random, Compression.NONE);
        TreeSet<Long> starts = new TreeSet<>(List.of(0L, 1L, 1_485L, RECORDS - 1L, (long) RECORDS));
        while (starts.size() < 15) {
            starts.add((long) random.nextInt(RECORDS));
        }

        for (long start : starts) {
            log.info("seed {}: reading from {}", seed, start);
            ProducedRecords.assertExactly(readAll(partition.ref, StartOffset.at(start)), start, RECORDS);
        }
    }

    @Test
    void eachReadContinuesExactlyWhereThePreviousEnded() {
        TestPartition partition = partition(smallBuffer());
        partition.appendInRandomBatches(RECORDS, MAX_RECORDS_PER_BATCH, new Random(), Compression.NONE);

        List<FetchedBatches> reads = resultOf(PartitionSource.batches(partition.ref, StartOffset.at(1_485),
                OPTIONS.withFollow(false), system).runWith(Sink.seq(), system));

        assertThat(reads).isNotEmpty();
        assertThat(reads.get(0).fromOffset()).isEqualTo(1_485);
        for (int i = 1; i < reads.size(); i++) {
            assertThat(reads.get(i).fromOffset()).as("start of read %d", i).isEqualTo(reads.get(i - 1).nextOffset());
        }
        assertThat(reads.get(reads.size() - 1).nextOffset()).isEqualTo(RECORDS);
        for (FetchedBatches read : reads) {
            assertThat(read.records()).first().extracting(LogRecord::offset).isEqualTo(read.fromOffset());
            assertThat(read.sizeInBytes()).isPositive();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gzip", "snappy", "lz4", "zstd"})
    void compressedBatchesComeOutAsTheOriginalRecordsFromTheLogAndFromTheBuffer(String codec) {
        for (boolean fromLog : new boolean[] {true, false}) {
            // Without a tail buffer every read goes to the log; with the default one, none does.
            TestPartition partition = partition(fromLog ? TestPartition.DEFAULT_SETTINGS.withBufferMaxBytes(0)
                    : TestPartition.DEFAULT_SETTINGS);
            for (int batch = 0; batch < 8; batch++) {
                partition.append(25, compression(codec));
            }

            ProducedRecords.assertExactly(readAll(partition.ref, StartOffset.at(0)), 0, 200);
            // 37 lies inside the second compressed batch: the records before it are not returned.
            ProducedRecords.assertExactly(readAll(partition.ref, StartOffset.at(37)), 37, 200);

            assertThat(fromLog ? partition.reads.fromBuffer.get() : partition.reads.fromLog.get())
                    .as("reads served from the %s", fromLog ? "buffer" : "log").isZero();
        }
    }

    private static Compression compression(String codec) {
        return switch (codec) {
            case "gzip" -> Compression.gzip().build();
            case "snappy" -> Compression.snappy().build();
            case "lz4" -> Compression.lz4().build();
            case "zstd" -> Compression.zstd().build();
            default -> throw new IllegalArgumentException(codec);
        };
    }

    // ---------------------------------------------------------------- earliest and latest

    @Test
    void earliestStartsAtTheFirstRecordAndLatestAtTheNextOneToBeCommitted() {
        TestPartition partition = partition(TestPartition.DEFAULT_SETTINGS);
        partition.append(100, Compression.NONE);
        ReadCountingProxy proxy = new ReadCountingProxy();
        TestProbe<PartitionActor.Read> observed = testKit.createTestProbe();
        ActorRef<PartitionActor.Command> watched = testKit.spawn(proxy.behavior(partition.ref, observed.ref()));

        ProducedRecords.assertExactly(readAll(partition.ref, StartOffset.earliest()), 0, 100);

        CompletionStage<List<LogRecord>> fromLatest = PartitionSource.records(watched, StartOffset.latest(),
                OPTIONS.withFollow(true), system).take(50).runWith(Sink.seq(), system);
        assertThat(observed.receiveMessage().offset()).isEqualTo(100);
        partition.append(50, Compression.NONE);
        ProducedRecords.assertExactly(resultOf(fromLatest), 100, 150);
    }

    // ---------------------------------------------------------------- following the tail, or not

    @Test
    void aFollowingSourceGoesFromLogToBufferToTheTailAndDeliversRecordsAppendedLater() {
        TestPartition partition = partition(smallBuffer());
        partition.appendInRandomBatches(2_000, MAX_RECORDS_PER_BATCH, new Random(), Compression.NONE);
        ReadCountingProxy proxy = new ReadCountingProxy();
        TestProbe<PartitionActor.Read> observed = testKit.createTestProbe();
        ActorRef<PartitionActor.Command> watched = testKit.spawn(proxy.behavior(partition.ref, observed.ref()));

        CompletionStage<List<LogRecord>> all = PartitionSource.records(watched, StartOffset.at(0),
                OPTIONS.withFollow(true), system).take(3_000).runWith(Sink.seq(), system);
        observed.fishForMessage(TestPartition.TIMEOUT, "a read waiting at the tail", read -> read.offset() == 2_000
                ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
        for (int i = 0; i < 10; i++) {
            partition.append(100, Compression.NONE);
        }

        ProducedRecords.assertExactly(resultOf(all), 0, 3_000);
        assertThat(partition.reads.fromLog.get()).as("reads from the log").isPositive();
        assertThat(partition.reads.fromBuffer.get()).as("reads from the buffer").isPositive();
        assertThat(proxy.maxInFlight.get()).isEqualTo(1);
    }

    @Test
    void cancellingAFollowingSourceWhileItWaitsAtTheTailEndsItAtOnce() {
        TestPartition partition = partition(TestPartition.DEFAULT_SETTINGS);
        partition.append(10, Compression.NONE);
        TestProbe<PartitionActor.Read> observed = testKit.createTestProbe();
        ActorRef<PartitionActor.Command> watched = testKit.spawn(new ReadCountingProxy()
                .behavior(partition.ref, observed.ref()));

        Pair<UniqueKillSwitch, CompletionStage<List<LogRecord>>> running = PartitionSource.records(watched,
                        StartOffset.at(0), OPTIONS.withFollow(true).withMaxWaitAtTail(LONG_WAIT), system)
                .viaMat(KillSwitches.single(), Keep.right())
                .toMat(Sink.seq(), Keep.both())
                .run(system);
        observed.fishForMessage(TestPartition.TIMEOUT, "a read waiting at the tail", read -> read.offset() == 10
                ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
        running.first().shutdown();

        ProducedRecords.assertExactly(resultOf(running.second(), PROMPTLY), 0, 10);
        partition.append(10, Compression.NONE);
        ProducedRecords.assertExactly(readAll(partition.ref, StartOffset.at(0)), 0, 20);
    }

    @Test
    void withoutFollowTheSourceCompletesAtTheHighWatermarkWithoutWaitingAtTheTail() {
        TestPartition partition = partition(TestPartition.DEFAULT_SETTINGS);
        partition.appendInRandomBatches(1_000, MAX_RECORDS_PER_BATCH, new Random(), Compression.NONE);
        SourceOptions noFollow = OPTIONS.withFollow(false).withMaxWaitAtTail(LONG_WAIT);

        ProducedRecords.assertExactly(resultOf(PartitionSource.records(partition.ref, StartOffset.at(0), noFollow,
                system).runWith(Sink.seq(), system), PROMPTLY), 0, 1_000);
        assertThat(resultOf(PartitionSource.records(partition.ref, StartOffset.latest(), noFollow, system)
                .runWith(Sink.seq(), system), PROMPTLY)).isEmpty();

        TestPartition empty = partition(TestPartition.DEFAULT_SETTINGS);
        assertThat(resultOf(PartitionSource.records(empty.ref, StartOffset.earliest(), noFollow, system)
                .runWith(Sink.seq(), system), PROMPTLY)).isEmpty();
    }

    @Test
    void withoutFollowTheEndIsTheHighWatermarkAsItWasWhenTheStreamReachedIt() throws InterruptedException {
        TestPartition partition = partition(TestPartition.DEFAULT_SETTINGS);
        for (int i = 0; i < 3; i++) {
            partition.append(100, Compression.NONE);
        }
        OneAtATimeSink<FetchedBatches> consumer = new OneAtATimeSink<>();
        SourceOptions noFollow = OPTIONS.withFollow(false).withMaxBytesPerRead(1);
        CompletionStage<Done> done = PartitionSource.batches(partition.ref, StartOffset.at(0), noFollow, system)
                .runWith(consumer.sink(), system);

        // Committed before the stream got to the end: part of the stream.
        assertThat(consumer.take(TestPartition.TIMEOUT).nextOffset()).isEqualTo(100);
        partition.append(100, Compression.NONE);
        List<Long> ends = new ArrayList<>();
        FetchedBatches read;
        do {
            consumer.release();
            read = consumer.take(TestPartition.TIMEOUT);
            ends.add(read.nextOffset());
        } while (read.nextOffset() < read.highWatermark());
        assertThat(ends).containsExactly(200L, 300L, 400L);

        // Committed after the stream reached the end: not waited for.
        partition.append(100, Compression.NONE);
        consumer.release();
        assertThat(resultOf(done, PROMPTLY)).isEqualTo(Done.getInstance());
    }
}
