package io.riverlog.streams;

import static io.riverlog.streams.Awaiting.resultOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.compress.Compression;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.wal.LogRecord;

class PartitionSourceBackpressureTest {
    private static final Logger log = LoggerFactory.getLogger(PartitionSourceBackpressureTest.class);
    private static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.load());
    private static final ActorSystem<Void> system = testKit.system();
    private static final SourceOptions OPTIONS = SourceOptions.fromConfig(ConfigFactory.load())
            .withMaxBytesPerRead(4 * 1024).withFollow(true);
    /** How long a consumer that asks for nothing is watched for reads it did not ask for. */
    private static final Duration STALL = Duration.ofMillis(500);

    @TempDir
    Path dir;

    @AfterAll
    static void shutDown() {
        testKit.shutdownTestKit();
    }

    @Test
    void aSlowConsumerWhileManyRecordsAreAppendedHasAtMostOneReadInFlightAndGetsEveryRecordInOrder() {
        int before = 500;
        int during = 4_500;
        long seed = new Random().nextLong();
        TestPartition partition = TestPartition.start(testKit, "slow", dir,
                TestPartition.DEFAULT_SETTINGS.withBufferMaxBytes(16 * 1024));
        partition.append(before, Compression.NONE);
        ReadCountingProxy proxy = new ReadCountingProxy();
        TestProbe<PartitionActor.Read> observed = testKit.createTestProbe();
        ActorRef<PartitionActor.Command> watched = testKit.spawn(proxy.behavior(partition.ref, observed.ref()));

        CompletionStage<List<LogRecord>> consumed = PartitionSource.records(watched, StartOffset.at(0), OPTIONS, system)
                .throttle(200, Duration.ofMillis(100))
                .take(before + during)
                .runWith(Sink.seq(), system);
        partition.appendInRandomBatches(during, 50, new Random(seed), Compression.NONE);

        ProducedRecords.assertExactly(resultOf(consumed), 0, before + during);
        log.info("seed {}: {} reads ({} from the log, {} from the buffer), at most {} in flight", seed,
                proxy.reads.get(), partition.reads.fromLog.get(), partition.reads.fromBuffer.get(),
                proxy.maxInFlight.get());
        assertThat(proxy.maxInFlight.get()).as("reads in flight at once, seed %d", seed).isEqualTo(1);
    }

    @Test
    void aConsumerThatAsksForNothingCausesNoReadAndEachDemandCausesExactlyOne() throws InterruptedException {
        TestPartition partition = TestPartition.start(testKit, "stalled", dir, TestPartition.DEFAULT_SETTINGS);
        for (int i = 0; i < 20; i++) {
            partition.append(50, Compression.NONE);
        }
        ReadCountingProxy proxy = new ReadCountingProxy();
        TestProbe<PartitionActor.Read> observed = testKit.createTestProbe();
        ActorRef<PartitionActor.Command> watched = testKit.spawn(proxy.behavior(partition.ref, observed.ref()));
        OneAtATimeSink<FetchedBatches> consumer = new OneAtATimeSink<>();
        PartitionSource.batches(watched, StartOffset.at(0), OPTIONS, system).runWith(consumer.sink(), system);

        long next = 0;
        for (int demand = 0; demand < 5; demand++) {
            FetchedBatches read = consumer.take(TestPartition.TIMEOUT);
            assertThat(observed.receiveMessage().offset()).isEqualTo(next);
            assertThat(read.fromOffset()).isEqualTo(next);
            observed.expectNoMessage(STALL);
            assertThat(proxy.reads.get()).isEqualTo(demand + 1);
            next = read.nextOffset();
            consumer.release();
        }
    }
}
