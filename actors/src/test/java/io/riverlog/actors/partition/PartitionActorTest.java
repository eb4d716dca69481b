package io.riverlog.actors.partition;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.partition.PartitionActor.AppendError;
import io.riverlog.actors.partition.PartitionActor.AppendReply;
import io.riverlog.actors.partition.PartitionActor.Appended;
import io.riverlog.actors.partition.PartitionActor.Availability;
import io.riverlog.actors.partition.PartitionActor.OffsetForTimestamp;
import io.riverlog.actors.partition.PartitionActor.OutOfRange;
import io.riverlog.actors.partition.PartitionActor.PartitionState;
import io.riverlog.actors.partition.PartitionActor.ReadReply;
import io.riverlog.actors.partition.PartitionActor.Records;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.FaultInjectingChannels;
import io.riverlog.wal.LogFiles;
import io.riverlog.wal.Storage;
import io.riverlog.wal.TamperedBatches;
import io.riverlog.wal.TimestampOffset;
import io.riverlog.wal.ValidBatches;

class PartitionActorTest {
    private static final PartitionSettings SETTINGS = PartitionSettings.fromConfig(ConfigFactory.load());
    private final ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());
    private final PartitionId id = new PartitionId("t", 0);
    /** Batches of 1 MiB, 72 of them: more than 64 MiB. */
    private static final int FILLER_BYTES = 1 << 20;
    private static final int FILLER_BATCHES = 72;

    @TempDir
    Path dir;

    @AfterEach
    void shutdown() {
        kit.shutdownTestKit();
    }

    @Test
    void aReadAtTheHighWatermarkWaitsForTheNextCommittedAppend() {
        ActorRef<PartitionActor.Command> partition = spawn(SETTINGS, PartitionMetrics.NONE);
        append(partition, batch(3, 1000));
        TestProbe<ReadReply> reader = kit.createTestProbe();
        partition.tell(new PartitionActor.Read(3, 1024, Duration.ofSeconds(30), reader.getRef()));
        reader.expectNoMessage(Duration.ofMillis(100));
        append(partition, batch(2, 2000));
        Records records = (Records) reader.receiveMessage(Duration.ofSeconds(5));
        assertThat(BatchFormat.decode(records.batches(), 3)).extracting(r -> r.offset()).containsExactly(3L, 4L);
        assertThat(records.highWatermark()).isEqualTo(5);
        assertThat(records.nextOffset()).isEqualTo(5);
    }

    @Test
    void aStoppedPartitionGivesItsBufferedBytesBackToTheSharedBound() {
        PartitionSettings own = PartitionSettings.fromConfig(ConfigFactory.load());
        ActorRef<PartitionActor.Command> partition = spawn(own, PartitionMetrics.NONE);
        append(partition, batch(3, 1000));
        assertThat(own.bufferMemory().usedBytes()).isPositive();

        TestProbe<org.apache.pekko.Done> stopped = kit.createTestProbe();
        partition.tell(new PartitionActor.Stop(stopped.getRef()));
        stopped.receiveMessage(Duration.ofSeconds(10));
        stopped.expectTerminated(partition, Duration.ofSeconds(10));

        assertThat(own.bufferMemory().usedBytes()).isZero();
    }

    @Test
    void aReadByReferenceGetsTheBuffersOwnBatchesOrARegionOfTheLogWithTheSameBytes() throws Exception {
        ActorRef<PartitionActor.Command> buffered = spawn(SETTINGS, PartitionMetrics.NONE);
        append(buffered, batch(3, 1000));
        append(buffered, batch(2, 2000));
        ActorRef<PartitionActor.Command> unbuffered = kit.spawn(PartitionActor.create(new PartitionId("t", 1),
                dir.resolve("t-1"), SETTINGS.withBufferMaxBytes(0), io.riverlog.wal.Storage.LOCAL,
                PartitionMetrics.NONE));
        append(unbuffered, batch(3, 1000));
        append(unbuffered, batch(2, 2000));

        Records copied = (Records) read(buffered, false);
        PartitionActor.BufferedBatches shared = (PartitionActor.BufferedBatches) read(buffered, true);
        PartitionActor.LogRegion region = (PartitionActor.LogRegion) read(unbuffered, true);

        assertThat(shared.batches()).hasSize(2);
        assertThat(shared.firstOffset()).isZero();
        assertThat(shared.nextOffset()).isEqualTo(5);
        ByteBuffer joined = ByteBuffer.allocate(shared.sizeInBytes());
        shared.batches().forEach(b -> joined.put(b.duplicate()));
        assertThat(joined.flip()).isEqualTo(copied.batches());
        assertThat(region.slice().nextOffset()).isEqualTo(5);
        assertThat(region.slice().readFully()).isEqualTo(copied.batches());
    }

    private ReadReply read(ActorRef<PartitionActor.Command> partition, boolean byReference) {
        TestProbe<ReadReply> reader = kit.createTestProbe();
        partition.tell(new PartitionActor.Read(0, 1 << 20, Duration.ZERO, byReference, reader.getRef()));
        return reader.receiveMessage(Duration.ofSeconds(5));
    }

    @Test
    void aWaitingReadGetsAnEmptyAnswerWhenItsWaitEnds() {
        ActorRef<PartitionActor.Command> partition = spawn(SETTINGS, PartitionMetrics.NONE);
        TestProbe<ReadReply> reader = kit.createTestProbe();
        partition.tell(new PartitionActor.Read(0, 1024, Duration.ofMillis(200), reader.getRef()));
        Records records = (Records) reader.receiveMessage(Duration.ofSeconds(5));
        assertThat(records.isEmpty()).isTrue();
        assertThat(records.nextOffset()).isZero();
    }

    @Test
    void readsPastTheHighWatermarkAreOutOfRange() {
        ActorRef<PartitionActor.Command> partition = spawn(SETTINGS, PartitionMetrics.NONE);
        append(partition, batch(3, 0));
        TestProbe<ReadReply> reader = kit.createTestProbe();
        partition.tell(new PartitionActor.Read(4, 1024, Duration.ZERO, reader.getRef()));
        assertThat(reader.receiveMessage()).isEqualTo(new OutOfRange(4, 0, 3));
        partition.tell(new PartitionActor.Read(-1, 1024, Duration.ZERO, reader.getRef()));
        assertThat(reader.receiveMessage()).isInstanceOf(OutOfRange.class);
    }

    @Test
    void stopWritesEverythingAcceptedThenClosesTheLogCleanly() {
        ActorRef<PartitionActor.Command> partition = spawn(SETTINGS, PartitionMetrics.NONE);
        TestProbe<AppendReply> producer = kit.createTestProbe();
        for (int i = 0; i < 50; i++) {
            partition.tell(new PartitionActor.Append(batch(2, i), producer.getRef()));
        }
        TestProbe<Done> stopped = kit.createTestProbe();
        partition.tell(new PartitionActor.Stop(stopped.getRef()));
        for (int i = 0; i < 50; i++) {
            assertThat(producer.receiveMessage()).isEqualTo(new Appended(2L * i, 2L * i + 1, 0, -1));
        }
        stopped.receiveMessage(Duration.ofSeconds(10));
        assertThat(dir.resolve(id.directoryName()).resolve(LogFiles.CLEAN_SHUTDOWN)).exists();
    }

    @Test
    void theBatchPolicyFsyncsBeforeAcknowledgingAndTheOsPolicyLeavesItToTheSystem() {
        AtomicInteger fsyncs = new AtomicInteger();
        PartitionMetrics counting = new PartitionMetrics() {
            @Override
            public void fsynced(PartitionId partition, long nanos) {
                fsyncs.incrementAndGet();
            }
        };
        ActorRef<PartitionActor.Command> batchPartition = spawn(SETTINGS, counting);
        append(batchPartition, batch(1, 0));
        assertThat(fsyncs.get()).isEqualTo(1);

        fsyncs.set(0);
        PartitionId other = new PartitionId("os", 0);
        ActorRef<PartitionActor.Command> osPartition = kit.spawn(PartitionActor.create(other,
                dir.resolve(other.directoryName()), SETTINGS.withFsyncPolicy(FsyncPolicy.OS),
                io.riverlog.wal.Storage.LOCAL, counting));
        append(osPartition, batch(1, 0));
        append(osPartition, batch(1, 0));
        assertThat(fsyncs.get()).isZero();
    }

    @Test
    void offsetForTimestampFindsTheFirstCommittedRecordThatNew() {
        ActorRef<PartitionActor.Command> partition = spawn(SETTINGS, PartitionMetrics.NONE);
        append(partition, batch(5, 1000));
        append(partition, batch(5, 2000));
        TestProbe<OffsetForTimestamp> probe = kit.createTestProbe();
        partition.tell(new PartitionActor.FindOffsetForTimestamp(2002, probe.getRef()));
        assertThat(probe.receiveMessage().found()).hasValueSatisfying(found -> assertThat(found.offset()).isEqualTo(7));
        partition.tell(new PartitionActor.FindOffsetForTimestamp(9999, probe.getRef()));
        assertThat(probe.receiveMessage().found()).isEmpty();
    }

    @Test
    void theLargestTimestampIsLookedForAmongCommittedRecordsOnly() throws Exception {
        FaultInjectingChannels disk = new FaultInjectingChannels();
        ActorRef<PartitionActor.Command> partition = kit.spawn(
                PartitionActor.create(id, dir.resolve(id.directoryName()), SETTINGS, disk, PartitionMetrics.NONE));
        append(partition, batchWithTimestamps(1000, 1002, 1002, 1001));
        TestProbe<AppendReply> producer = kit.createTestProbe();
        TestProbe<OffsetForTimestamp> probe = kit.createTestProbe();
        disk.holdFsyncs();
        try {
            // Written to the segment, but its fsync is held: not committed, and newer than every committed record.
            partition.tell(new PartitionActor.Append(batchWithTimestamps(5000, 5001), producer.getRef()));
            assertThat(disk.awaitHeldFsync(Duration.ofSeconds(10))).isTrue();
            partition.tell(new PartitionActor.FindOffsetForTimestamp(PartitionActor.FindOffsetForTimestamp.LARGEST,
                    probe.getRef()));
            assertThat(probe.receiveMessage(Duration.ofSeconds(10)).found()).contains(new TimestampOffset(1002, 1));
        } finally {
            disk.releaseFsyncs();
        }
        assertThat(producer.receiveMessage(Duration.ofSeconds(10))).isEqualTo(new Appended(4, 5, 0, -1));
        partition.tell(new PartitionActor.FindOffsetForTimestamp(PartitionActor.FindOffsetForTimestamp.LARGEST,
                probe.getRef()));
        assertThat(probe.receiveMessage(Duration.ofSeconds(10)).found()).contains(new TimestampOffset(5001, 5));
    }

    @Test
    void aRetriedIdempotentBatchIsAnsweredWithItsFirstOffsetsEvenAfterARestart() {
        ActorRef<PartitionActor.Command> partition = spawn(SETTINGS, PartitionMetrics.NONE);
        append(partition, batch(3, 0));
        Appended first = append(partition, idempotent(55L, (short) 1, 0, 4));
        assertThat(first).isEqualTo(new Appended(3, 6, 0, -1));
        assertThat(append(partition, idempotent(55L, (short) 1, 0, 4))).isEqualTo(first);
        TestProbe<AppendReply> probe = kit.createTestProbe();
        partition.tell(new PartitionActor.Append(idempotent(55L, (short) 1, 9, 2), probe.getRef()));
        assertThat(probe.receiveMessage()).isInstanceOfSatisfying(PartitionActor.AppendFailed.class,
                f -> assertThat(f.error()).isEqualTo(PartitionActor.AppendError.OUT_OF_ORDER_SEQUENCE));

        TestProbe<Done> stopped = kit.createTestProbe();
        partition.tell(new PartitionActor.Stop(stopped.getRef()));
        stopped.receiveMessage(Duration.ofSeconds(10));
        ActorRef<PartitionActor.Command> restarted = spawn(SETTINGS, PartitionMetrics.NONE);
        assertThat(append(restarted, idempotent(55L, (short) 1, 0, 4))).isEqualTo(first);
        assertThat(append(restarted, idempotent(55L, (short) 1, 4, 1))).isEqualTo(new Appended(7, 7, 0, -1));
    }

    /**
     * A producer's second batch arriving before its first (refused elsewhere, to be sent again) is out of
     * order, not taken as the start of a producer this partition does not know: else the first could
     * never follow it.
     */
    @Test
    void aNewProducersBatchPastItsFirstWaitsForItsFirst() {
        ActorRef<PartitionActor.Command> partition = spawn(SETTINGS, PartitionMetrics.NONE);
        TestProbe<AppendReply> probe = kit.createTestProbe();
        partition.tell(new PartitionActor.Append(idempotent(56L, (short) 0, 4, 2), probe.getRef()));
        assertThat(probe.receiveMessage()).isInstanceOfSatisfying(PartitionActor.AppendFailed.class,
                f -> assertThat(f.error()).isEqualTo(PartitionActor.AppendError.OUT_OF_ORDER_SEQUENCE));

        assertThat(append(partition, idempotent(56L, (short) 0, 0, 4))).isEqualTo(new Appended(0, 3, 0, -1));
        assertThat(append(partition, idempotent(56L, (short) 0, 4, 2))).isEqualTo(new Appended(4, 5, 0, -1));
    }

    @Test
    void batchesAreStoredInTheTopicsCodecAndAChangeOfItAppliesFromTheNextAppend() {
        ActorRef<PartitionActor.Command> partition = spawn(SETTINGS.withAppendPolicy(
                withCompression(StoredCompression.of(Compression.zstd().build()))), PartitionMetrics.NONE);
        // Sent as no listener prepared them: the partition rebuilds them itself.
        Appended first = append(partition, idempotent(55L, (short) 1, 0, 4));
        assertThat(append(partition, idempotent(55L, (short) 1, 0, 4))).isEqualTo(first);

        partition.tell(new PartitionActor.Reconfigure(SETTINGS.log(), withCompression(StoredCompression.PRODUCER)));
        assertThat(append(partition, idempotent(55L, (short) 1, 4, 2))).isEqualTo(new Appended(4, 5, 0, -1));

        Records read = (Records) read(partition, false);
        List<CompressionType> codecs = new ArrayList<>();
        MemoryRecords.readableRecords(read.batches().duplicate()).batches()
                .forEach(batch -> codecs.add(batch.compressionType()));
        assertThat(codecs).containsExactly(CompressionType.ZSTD, CompressionType.NONE);
        assertThat(BatchFormat.decode(read.batches(), 0)).extracting(r -> new String(r.value()))
                .containsExactly("s0", "s1", "s2", "s3", "s4", "s5");
    }

    @Test
    void aBatchOverMaxMessageBytesAsReceivedIsRefusedThoughItsStoredFormWouldFit() {
        AppendPolicy zstd = withCompression(StoredCompression.of(Compression.zstd().build()));
        int maxMessageBytes = 2048;
        ActorRef<PartitionActor.Command> partition = spawn(SETTINGS.withAppendPolicy(new AppendPolicy(maxMessageBytes,
                false, zstd.timestampBeforeMaxMs(), zstd.timestampAfterMaxMs(), false, zstd.compression())),
                PartitionMetrics.NONE);
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(8192), Compression.NONE,
                TimestampType.CREATE_TIME, 0L);
        builder.append(1000L, null, new byte[2 * maxMessageBytes]);
        TestProbe<AppendReply> probe = kit.createTestProbe();
        partition.tell(new PartitionActor.Append(BatchFormat.validate(builder.build().buffer()), probe.getRef()));
        assertThat(probe.receiveMessage()).isInstanceOfSatisfying(PartitionActor.AppendFailed.class, f -> {
            assertThat(f.error()).isEqualTo(AppendError.MESSAGE_TOO_LARGE);
            assertThat(f.message()).contains("as stored", "as received");
        });
    }

    @Test
    void aBatchThatCannotBeRebuiltInTheTopicsCodecIsRefusedAndThePartitionGoesOn() {
        ActorRef<PartitionActor.Command> partition = spawn(SETTINGS.withAppendPolicy(
                withCompression(StoredCompression.of(Compression.lz4().build()))), PartitionMetrics.NONE);
        TestProbe<AppendReply> probe = kit.createTestProbe();
        ValidBatches negative = BatchFormat.validate(TamperedBatches.withBaseTimestamp(batch(2, 1000).buffer(), -5000));
        partition.tell(new PartitionActor.Append(negative, probe.getRef()));
        assertThat(probe.receiveMessage()).isInstanceOfSatisfying(PartitionActor.AppendFailed.class, f -> {
            assertThat(f.error()).isEqualTo(AppendError.INVALID_RECORD);
            assertThat(f.message()).contains("cannot be stored in the topic's codec lz4");
        });
        assertThat(append(partition, batch(3, 1000))).isEqualTo(new Appended(0, 2, 0, -1));
    }

    private static AppendPolicy withCompression(StoredCompression compression) {
        AppendPolicy defaults = SETTINGS.appendPolicy();
        return new AppendPolicy(defaults.maxMessageBytes(), defaults.logAppendTime(), defaults.timestampBeforeMaxMs(),
                defaults.timestampAfterMaxMs(), defaults.keysRequired(), compression);
    }

    @Test
    void aRetryOfABatchManySegmentsAndMoreThan64MiBBackIsAnsweredWithItsFirstOffsetsAfterACrash() throws Exception {
        // Fillers larger than the default max.message.bytes: the rules of appends are not what this is about.
        PartitionSettings smallSegments = SETTINGS.withLog(SETTINGS.log().withSegmentBytes(FILLER_BYTES * 2))
                .withAppendPolicy(AppendPolicy.UNRESTRICTED);
        ActorTestKit crashed = ActorTestKit.create(ConfigFactory.load());
        Appended first;
        long end = -1;
        try {
            ActorRef<PartitionActor.Command> partition = crashed.spawn(PartitionActor.create(id,
                    dir.resolve(id.directoryName()), smallSegments, Storage.LOCAL, PartitionMetrics.NONE));
            append(crashed, partition, batch(3, 0));
            first = append(crashed, partition, idempotent(55L, (short) 1, 0, 5));
            // More than the 64 MiB of tail that producer state used to be rebuilt from, over dozens of segments.
            for (int i = 0; i < FILLER_BATCHES; i++) {
                end = append(crashed, partition, filler(FILLER_BYTES)).lastOffset() + 1;
            }
        } finally {
            // A crash: the log is never closed, so the next start restores from the snapshot of the last roll.
            crashed.shutdownTestKit();
        }
        assertThat(segmentFiles()).hasSizeGreaterThan(FILLER_BATCHES / 2);

        ActorRef<PartitionActor.Command> restarted = spawn(smallSegments, PartitionMetrics.NONE);

        assertThat(first).isEqualTo(new Appended(3, 7, 0, -1));
        assertThat(append(restarted, idempotent(55L, (short) 1, 0, 5))).isEqualTo(first);
        assertThat(append(restarted, idempotent(55L, (short) 1, 5, 1))).as("the retry was not appended")
                .isEqualTo(new Appended(end, end, 0, -1));
    }

    @Test
    void aRetryIsStillAnsweredWithItsFirstOffsetsWhenTheNewestSnapshotIsDamaged() throws Exception {
        int fillerBytes = 64 * 1024;
        PartitionSettings smallSegments = SETTINGS.withLog(SETTINGS.log().withSegmentBytes(fillerBytes * 2));
        ActorRef<PartitionActor.Command> partition = spawn(smallSegments, PartitionMetrics.NONE);
        Appended first = append(partition, idempotent(55L, (short) 1, 0, 5));
        for (int i = 0; i < 10; i++) {
            append(partition, filler(fillerBytes));
        }
        TestProbe<Done> stopped = kit.createTestProbe();
        partition.tell(new PartitionActor.Stop(stopped.getRef()));
        stopped.receiveMessage(Duration.ofSeconds(10));
        Path newest;
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir.resolve(id.directoryName()))) {
            newest = files.filter(file -> file.getFileName().toString().endsWith(LogFiles.SNAPSHOT_SUFFIX))
                    .max(Path::compareTo).orElseThrow();
        }
        byte[] damaged = java.nio.file.Files.readAllBytes(newest);
        damaged[damaged.length / 2] ^= 1;
        java.nio.file.Files.write(newest, damaged);

        ActorRef<PartitionActor.Command> restarted = spawn(smallSegments, PartitionMetrics.NONE);

        assertThat(append(restarted, idempotent(55L, (short) 1, 0, 5))).isEqualTo(first);
        long end = first.lastOffset() + 1 + 10;
        assertThat(append(restarted, idempotent(55L, (short) 1, 5, 1))).isEqualTo(new Appended(end, end, 0, -1));
    }

    @Test
    void aPartitionWhoseLogCannotBeOpenedRefusesAppendsWithTheReasonAndStillStops() throws Exception {
        java.nio.file.Files.writeString(dir.resolve(id.directoryName()), "not a directory");
        ActorRef<PartitionActor.Command> partition = spawn(SETTINGS, PartitionMetrics.NONE);
        TestProbe<AppendReply> producer = kit.createTestProbe();
        partition.tell(new PartitionActor.Append(batch(1, 0), producer.getRef()));
        assertThat(producer.receiveMessage(Duration.ofSeconds(10))).isInstanceOfSatisfying(
                PartitionActor.AppendFailed.class, failed -> {
                    assertThat(failed.error()).isEqualTo(PartitionActor.AppendError.STORAGE_ERROR);
                    assertThat(failed.message()).contains("offline");
                });
        TestProbe<ReadReply> reader = kit.createTestProbe();
        partition.tell(new PartitionActor.Read(0, 100, Duration.ZERO, reader.getRef()));
        assertThat(reader.receiveMessage()).isInstanceOf(PartitionActor.ReadFailed.class);
        TestProbe<Done> stopped = kit.createTestProbe();
        partition.tell(new PartitionActor.Stop(stopped.getRef()));
        stopped.receiveMessage(Duration.ofSeconds(10));
    }

    @Test
    void whileItsLogCannotBeOpenedEveryRequestIsAnsweredWithTheReason() {
        Storage diskGone = Storage.local((path, options) -> {
            throw new IOException("disk gone");
        });
        ActorRef<PartitionActor.Command> partition = kit.spawn(PartitionActor.create(id,
                dir.resolve(id.directoryName()), SETTINGS, diskGone, PartitionMetrics.NONE));

        TestProbe<PartitionState> state = kit.createTestProbe();
        partition.tell(new PartitionActor.GetState(state.getRef()));
        PartitionState offline = state.receiveMessage(Duration.ofSeconds(10));
        assertThat(offline.availability()).isEqualTo(Availability.NO_LOG);
        assertThat(offline.offline()).isTrue();
        assertThat(offline.offsetsKnown()).isFalse();

        TestProbe<OffsetForTimestamp> found = kit.createTestProbe();
        partition.tell(new PartitionActor.FindOffsetForTimestamp(0, found.getRef()));
        OffsetForTimestamp answer = found.receiveMessage(Duration.ofSeconds(10));
        assertThat(answer.found()).isEmpty();
        assertThat(answer.refused()).hasValueSatisfying(refusal -> {
            assertThat(refusal.availability()).isEqualTo(Availability.NO_LOG);
            assertThat(refusal.message()).contains("offline").contains("disk gone");
        });
        partition.tell(new PartitionActor.FindOffsetForTimestamp(PartitionActor.FindOffsetForTimestamp.LARGEST,
                found.getRef()));
        assertThat(found.receiveMessage(Duration.ofSeconds(10)).refused()).isPresent();

        TestProbe<AppendReply> producer = kit.createTestProbe();
        partition.tell(new PartitionActor.Append(batch(1, 0), producer.getRef()));
        assertThat(producer.receiveMessage(Duration.ofSeconds(10))).isInstanceOfSatisfying(
                PartitionActor.AppendFailed.class,
                failed -> assertThat(failed.error()).isEqualTo(AppendError.STORAGE_ERROR));
        TestProbe<Done> stopped = kit.createTestProbe();
        partition.tell(new PartitionActor.Stop(stopped.getRef()));
        stopped.receiveMessage(Duration.ofSeconds(10));
    }

    @Test
    void whileItOpensWithAFullStashEveryRequestIsAnsweredThatItIsStillOpening() throws Exception {
        CountDownLatch openMayProceed = new CountDownLatch(1);
        Storage slowDisk = Storage.local((path, options) -> {
            try {
                if (!openMayProceed.await(30, TimeUnit.SECONDS)) {
                    throw new IOException("the test did not let the log open");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while opening " + path, e);
            }
            return FileChannel.open(path, options);
        });
        PartitionSettings noStash = new PartitionSettings(SETTINGS.fsyncPolicy(), SETTINGS.fsyncInterval(),
                SETTINGS.bufferMaxBytes(), SETTINGS.retentionCheckInterval(), 0, SETTINGS.producerBatchesRemembered(),
                SETTINGS.storageRetryInterval(), SETTINGS.log(), SETTINGS.bufferMemory());
        ActorRef<PartitionActor.Command> partition = kit.spawn(PartitionActor.create(id,
                dir.resolve(id.directoryName()), noStash, slowDisk, PartitionMetrics.NONE));

        TestProbe<PartitionState> state = kit.createTestProbe();
        partition.tell(new PartitionActor.GetState(state.getRef()));
        assertThat(state.receiveMessage(Duration.ofSeconds(10)).availability()).isEqualTo(Availability.OPENING);
        TestProbe<OffsetForTimestamp> found = kit.createTestProbe();
        partition.tell(new PartitionActor.FindOffsetForTimestamp(0, found.getRef()));
        assertThat(found.receiveMessage(Duration.ofSeconds(10)).refused()).hasValueSatisfying(
                refusal -> assertThat(refusal.availability()).isEqualTo(Availability.OPENING));
        TestProbe<AppendReply> producer = kit.createTestProbe();
        partition.tell(new PartitionActor.Append(batch(1, 0), producer.getRef()));
        assertThat(producer.receiveMessage(Duration.ofSeconds(10))).isInstanceOfSatisfying(
                PartitionActor.AppendFailed.class,
                failed -> assertThat(failed.error()).isEqualTo(AppendError.NOT_AVAILABLE));
        TestProbe<ReadReply> reader = kit.createTestProbe();
        partition.tell(new PartitionActor.Read(0, 100, Duration.ZERO, reader.getRef()));
        assertThat(reader.receiveMessage(Duration.ofSeconds(10))).isInstanceOf(PartitionActor.ReadFailed.class);
        TestProbe<Done> stopped = kit.createTestProbe();
        partition.tell(new PartitionActor.Stop(stopped.getRef()));
        stopped.expectNoMessage(Duration.ofMillis(100));

        openMayProceed.countDown();
        stopped.receiveMessage(Duration.ofSeconds(10));
        assertThat(dir.resolve(id.directoryName()).resolve(LogFiles.CLEAN_SHUTDOWN)).exists();
    }

    private static ValidBatches idempotent(long producerId, short epoch, int baseSequence, int count) {
        SimpleRecord[] records = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            records[i] = new SimpleRecord(i, null, ("s" + (baseSequence + i)).getBytes());
        }
        return BatchFormat.validate(MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, epoch,
                baseSequence, records).buffer());
    }

    private ActorRef<PartitionActor.Command> spawn(PartitionSettings settings, PartitionMetrics metrics) {
        return kit.spawn(PartitionActor.create(id, dir.resolve(id.directoryName()), settings,
                io.riverlog.wal.Storage.LOCAL, metrics));
    }

    private Appended append(ActorRef<PartitionActor.Command> partition, ValidBatches batches) {
        return append(kit, partition, batches);
    }

    private static Appended append(ActorTestKit in, ActorRef<PartitionActor.Command> partition, ValidBatches batches) {
        TestProbe<AppendReply> probe = in.createTestProbe();
        partition.tell(new PartitionActor.Append(batches, probe.getRef()));
        return (Appended) probe.receiveMessage(Duration.ofSeconds(10));
    }

    private static ValidBatches batchWithTimestamps(long... timestampsMs) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024), Compression.NONE,
                TimestampType.CREATE_TIME, 0L);
        for (long timestamp : timestampsMs) {
            builder.append(timestamp, null, ("at " + timestamp).getBytes());
        }
        return BatchFormat.validate(builder.build().buffer());
    }

    /** One record of about {@code bytes}. */
    private static ValidBatches filler(int bytes) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(bytes + 1024), Compression.NONE,
                TimestampType.CREATE_TIME, 0L);
        builder.append(0L, null, new byte[bytes]);
        return BatchFormat.validate(builder.build().buffer());
    }

    private java.util.List<Path> segmentFiles() throws IOException {
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir.resolve(id.directoryName()))) {
            return files.filter(file -> file.getFileName().toString().endsWith(LogFiles.LOG_SUFFIX)).toList();
        }
    }

    /** {@code count} records whose timestamps are {@code firstTimestampMs}, +1, +2... */
    private static ValidBatches batch(int count, long firstTimestampMs) {
        ByteBuffer buffer = ByteBuffer.allocate(1024);
        MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, Compression.NONE, TimestampType.CREATE_TIME, 0L);
        for (int i = 0; i < count; i++) {
            builder.append(firstTimestampMs + i, null, ("v" + i).getBytes());
        }
        return BatchFormat.validate(builder.build().buffer());
    }
}
