package io.riverlog.streams;

import static io.riverlog.streams.Awaiting.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import org.apache.kafka.common.compress.Compression;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.wal.Damage;
import io.riverlog.wal.LogRecord;

/** How a stream ends when its partition cannot serve it: always with an error that says why, never a hang or a loop. */
class PartitionSourceFailureTest {
    private static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.load());
    private static final ActorSystem<Void> system = testKit.system();
    private static final SourceOptions OPTIONS = SourceOptions.fromConfig(ConfigFactory.load());
    private static final long SMALL_BUFFER_BYTES = 16 * 1024;
    /** A wait far longer than any test may take: a test that finishes did not wait for it. */
    private static final Duration LONG_WAIT = Duration.ofSeconds(60);
    private static final Duration PROMPTLY = Duration.ofSeconds(5);
    /** Records one read answers before a read fails: more than any stage between the reads and a sink buffers. */
    private static final int RECORDS_BEFORE_DAMAGE = 2_000;

    @TempDir
    Path dir;

    @AfterAll
    static void shutDown() {
        testKit.shutdownTestKit();
    }

    private TestPartition partition(String name, PartitionSettings settings) {
        return TestPartition.start(testKit, name, dir, settings);
    }

    private static List<LogRecord> readAll(ActorRef<PartitionActor.Command> partition, StartOffset from) {
        return Awaiting.resultOf(PartitionSource.records(partition, from, OPTIONS.withFollow(false), system)
                .runWith(Sink.seq(), system));
    }

    @Test
    void anOffsetPastTheHighWatermarkFailsWithTheOffsetAndTheValidRange() {
        TestPartition partition = partition("past", TestPartition.DEFAULT_SETTINGS);
        partition.append(100, Compression.NONE);

        Throwable failure = failureOf(PartitionSource.records(partition.ref, StartOffset.at(101), OPTIONS, system)
                .runWith(Sink.seq(), system), PROMPTLY);

        assertThat(failure).isInstanceOfSatisfying(ReadOffsetOutOfRangeException.class, outOfRange -> {
            assertThat(outOfRange.offset()).isEqualTo(101);
            assertThat(outOfRange.logStartOffset()).isZero();
            assertThat(outOfRange.highWatermark()).isEqualTo(100);
        }).hasMessageContainingAll("offset 101", "from 0", "to 100");
    }

    @Test
    void aStreamThatFallsBehindRetentionFailsWithOutOfRangeAndEarliestMovesOn() throws InterruptedException {
        PartitionSettings d = TestPartition.DEFAULT_SETTINGS;
        int segmentBytes = 4 * 1024;
        long retentionBytes = 2L * segmentBytes;
        PartitionSettings retaining = new PartitionSettings(d.fsyncPolicy(), d.fsyncInterval(), SMALL_BUFFER_BYTES,
                Duration.ofMillis(50), d.pendingWhileOpening(), d.producerBatchesRemembered(),
                d.storageRetryInterval(), d.log().withSegmentBytes(segmentBytes).withRetention(retentionBytes, -1),
                d.bufferMemory());
        TestPartition partition = partition("retained", retaining);
        partition.append(5, Compression.NONE);
        OneAtATimeSink<FetchedBatches> consumer = new OneAtATimeSink<>();
        CompletionStage<Done> done = PartitionSource.batches(partition.ref, StartOffset.at(0),
                OPTIONS.withFollow(true).withMaxBytesPerRead(1), system).runWith(consumer.sink(), system);
        long held = consumer.take(TestPartition.TIMEOUT).nextOffset();

        for (int i = 0; i < 100; i++) {
            partition.append(5, Compression.NONE);
        }
        // Retention is done once less than one more segment is left above its limit.
        testKit.createTestProbe().awaitAssert(TestPartition.TIMEOUT, () ->
                assertThat(partition.state().sizeInBytes()).isLessThanOrEqualTo(retentionBytes + segmentBytes));
        assertThat(partition.state().logStartOffset()).isGreaterThan(held);
        consumer.release();

        assertThat(failureOf(done, PROMPTLY)).isInstanceOfSatisfying(ReadOffsetOutOfRangeException.class,
                outOfRange -> assertThat(outOfRange.offset()).isEqualTo(held));
        List<LogRecord> fromEarliest = readAll(partition.ref, StartOffset.earliest());
        long logStart = fromEarliest.get(0).offset();
        assertThat(logStart).isEqualTo(partition.state().logStartOffset()).isGreaterThan(held);
        ProducedRecords.assertExactly(fromEarliest, logStart, partition.appendedRecords());
    }

    @Test
    void aFollowingStreamFailsAtOnceWhenItsPartitionStops() {
        TestPartition partition = partition("stopping", TestPartition.DEFAULT_SETTINGS);
        partition.append(10, Compression.NONE);
        TestProbe<LogRecord> received = testKit.createTestProbe();
        CompletionStage<Done> done = PartitionSource.records(partition.ref, StartOffset.at(0),
                        OPTIONS.withFollow(true).withMaxWaitAtTail(LONG_WAIT).withAskTimeout(LONG_WAIT), system)
                .runWith(Sink.foreach(received.ref()::tell), system);
        assertThat(received.receiveSeveralMessages(10)).hasSize(10);

        partition.stop();

        // Whichever comes first, the stop itself or a read the stopped partition cannot answer.
        assertThat(failureOf(done, PROMPTLY)).isExactlyInstanceOf(PartitionReadException.class)
                .hasMessageContaining("partition " + partition.ref.path().name());
    }

    @Test
    void aFailedReadFailsTheStreamWithThePartitionsMessage() {
        String message = "read of orders-0 at offset 0 failed: java.io.IOException: Input/output error";
        ActorRef<PartitionActor.Command> failing = fakePartition(read -> new PartitionActor.ReadFailed(message));

        Throwable failure = failureOf(PartitionSource.records(failing, StartOffset.at(0), OPTIONS, system)
                .runWith(Sink.seq(), system), PROMPTLY);

        assertThat(failure).isExactlyInstanceOf(PartitionReadException.class).hasMessage(message);
    }

    @Test
    void aReadThatDoesNotMoveOnFailsTheStreamInsteadOfLooping() {
        ActorRef<PartitionActor.Command> stuck = fakePartition(read -> new PartitionActor.Records(
                ByteBuffer.wrap(new byte[] {1, 2, 3}), read.offset(), read.offset() + 10, 0));
        assertThat(failureOf(PartitionSource.batches(stuck, StartOffset.at(1_485), OPTIONS, system)
                .runWith(Sink.seq(), system), PROMPTLY))
                .isExactlyInstanceOf(PartitionReadException.class).hasMessageContaining("at offset 1485");

        ActorRef<PartitionActor.Command> emptyBelowTheEnd = fakePartition(read -> new PartitionActor.Records(
                ByteBuffer.allocate(0), read.offset(), read.offset() + 10, 0));
        assertThat(failureOf(PartitionSource.batches(emptyBelowTheEnd, StartOffset.at(1_485), OPTIONS, system)
                .runWith(Sink.seq(), system), PROMPTLY))
                .isExactlyInstanceOf(PartitionReadException.class).hasMessageContaining("high watermark is 1495");
    }

    @Test
    void anUnansweredReadFailsTheStreamWithATimeout() {
        ActorRef<PartitionActor.Command> silent = fakePartition(read -> null);
        SourceOptions impatient = OPTIONS.withFollow(false).withAskTimeout(Duration.ofMillis(200));

        assertThat(failureOf(PartitionSource.batches(silent, StartOffset.at(0), impatient, system)
                .runWith(Sink.seq(), system), PROMPTLY))
                .isExactlyInstanceOf(PartitionReadException.class).hasMessageContaining("a read at offset 0")
                .hasCauseInstanceOf(TimeoutException.class);
    }

    @ParameterizedTest(name = "handed over once started: {0}")
    @ValueSource(booleans = {false, true})
    void aStreamThatReachesDamagedDataGetsEveryRecordBeforeItThenFailsNamingTheFileAndPositions(boolean onceStarted)
            throws InterruptedException {
        TestPartition partition = partition("damaged-" + onceStarted, TestPartition.DEFAULT_SETTINGS);
        partition.append(RECORDS_BEFORE_DAMAGE, Compression.NONE);
        Damage damage = new Damage(dir.resolve("damaged-0/00000000000000000000.log"), 400, 480, RECORDS_BEFORE_DAMAGE,
                RECORDS_BEFORE_DAMAGE + 3, "CRC32C mismatch");
        ActorRef<PartitionActor.Command> damagedAfterThem = testKit.spawn(
                Behaviors.receive(PartitionActor.Command.class)
                        .onMessage(PartitionActor.Read.class, read -> {
                            if (read.offset() >= damage.baseOffset()) {
                                read.replyTo().tell(new PartitionActor.DamagedData(damage, damage.nextOffset(), 0));
                            } else {
                                partition.ref.tell(read);
                            }
                            return Behaviors.same();
                        })
                        .build());
        OneAtATimeSink<LogRecord> consumer = new OneAtATimeSink<>();
        List<LogRecord> received = new ArrayList<>();

        // One read answers every record before the damage, the read after it fails at once; the
        // consumer takes them slowly, one at a time.
        SourceOptions options = OPTIONS.withFollow(true);
        CompletionStage<Done> done = (onceStarted
                ? Awaiting.resultOf(
                        PartitionSource.recordsOnceStarted(damagedAfterThem, StartOffset.at(0), options, system))
                : PartitionSource.records(damagedAfterThem, StartOffset.at(0), options, system))
                .runWith(consumer.sink(), system);
        for (int i = 0; i < RECORDS_BEFORE_DAMAGE; i++) {
            received.add(consumer.take(PROMPTLY));
            consumer.release();
        }

        assertThat(failureOf(done, PROMPTLY)).isInstanceOfSatisfying(DamagedDataReadException.class, damaged -> {
            assertThat(damaged.damage()).isEqualTo(damage);
            assertThat(damaged.offset()).isEqualTo(RECORDS_BEFORE_DAMAGE);
        }).hasMessage("partition " + damagedAfterThem.path().name() + " cannot serve offset " + RECORDS_BEFORE_DAMAGE
                + ": damaged data in " + damage.file() + " at positions [400, 480) holding offsets ["
                + RECORDS_BEFORE_DAMAGE + ", " + (RECORDS_BEFORE_DAMAGE + 3) + "): CRC32C mismatch");
        assertThat(received).as("the records before the damage, none lost to the failure after them")
                .hasSize(RECORDS_BEFORE_DAMAGE);
        ProducedRecords.assertExactly(received, 0, RECORDS_BEFORE_DAMAGE);
    }

    @Test
    void aStreamHandedOverOnceStartedFailsItsStageInsteadWhenItsFirstReadMeetsDamage() {
        Damage damage = new Damage(dir.resolve("t-0/00000000000000000000.log"), 0, 80, 0, 3, "CRC32C mismatch");
        ActorRef<PartitionActor.Command> damaged = fakePartition(read -> new PartitionActor.DamagedData(damage, 10, 0));

        assertThat(failureOf(PartitionSource.recordsOnceStarted(damaged, StartOffset.at(1), OPTIONS, system), PROMPTLY))
                .isInstanceOf(DamagedDataReadException.class).hasMessageContaining(damage.describe());
    }

    @Test
    void aStreamHandedOverOnceStartedIsHandedOverAtOnceAtTheTailAndGivesEveryRecord() {
        TestPartition partition = partition("started", TestPartition.DEFAULT_SETTINGS);
        SourceOptions patientAtTheTail = OPTIONS.withFollow(true).withMaxWaitAtTail(LONG_WAIT)
                .withAskTimeout(LONG_WAIT);

        var records = Awaiting.resultOf(PartitionSource.recordsOnceStarted(partition.ref, StartOffset.at(0),
                patientAtTheTail, system), PROMPTLY);
        TestProbe<LogRecord> received = testKit.createTestProbe();
        records.runWith(Sink.foreach(received.ref()::tell), system);
        partition.append(3, Compression.NONE);

        assertThat(received.receiveSeveralMessages(3)).extracting(LogRecord::offset).containsExactly(0L, 1L, 2L);
    }

    /** A partition that answers every read with {@code answer} (nothing when it returns null). */
    private static ActorRef<PartitionActor.Command> fakePartition(
            Function<PartitionActor.Read, PartitionActor.ReadReply> answer) {
        return testKit.spawn(Behaviors.receive(PartitionActor.Command.class)
                .onMessage(PartitionActor.Read.class, read -> {
                    PartitionActor.ReadReply reply = answer.apply(read);
                    if (reply != null) {
                        read.replyTo().tell(reply);
                    }
                    return Behaviors.same();
                })
                .build());
    }
}
