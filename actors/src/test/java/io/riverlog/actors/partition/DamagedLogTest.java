package io.riverlog.actors.partition;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.partition.PartitionActor.AppendReply;
import io.riverlog.actors.partition.PartitionActor.Appended;
import io.riverlog.actors.partition.PartitionActor.DamagedData;
import io.riverlog.actors.partition.PartitionActor.PartitionState;
import io.riverlog.actors.partition.PartitionActor.ReadReply;
import io.riverlog.actors.partition.PartitionActor.Records;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.Damage;
import io.riverlog.wal.LogFiles;
import io.riverlog.wal.Storage;
import io.riverlog.wal.ValidBatches;

/**
 * A partition whose log holds a flipped bit in fsynced data, in a sealed segment after a clean stop
 * (where opening the log checks no CRC): the scrub finds it without any read, and a read of its
 * offsets is answered with the damage while the offsets around it are served; either way it is
 * listed in the partition's state and counted once.
 */
class DamagedLogTest {
    private static final PartitionSettings SETTINGS = PartitionSettings.fromConfig(ConfigFactory.load());
    private static final int SEGMENT_BYTES = 1024;
    private static final int BATCHES = 30;
    private static final int RECORDS_PER_BATCH = 3;
    private static final int BASE_OFFSET_BYTES = 8;
    private static final int LENGTH_BYTES = 4;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());
    private final PartitionId id = new PartitionId("t", 0);
    private final CountingMetrics metrics = new CountingMetrics();

    @TempDir
    Path dir;

    @AfterEach
    void shutdown() {
        kit.shutdownTestKit();
    }

    @Test
    void damageInASealedSegmentIsFoundByTheScrubWithoutAnyRead() throws Exception {
        Path segment = writeAndStop();
        flipALastByteOfBatch(segment, 0);

        ActorRef<PartitionActor.Command> partition = spawn();
        assertThat(state(partition).damage()).as("opening after a clean stop checks no CRC").isEmpty();
        assertThat(metrics.damageCalls.get()).as("the count exists from the opening").isPositive();
        assertThat(metrics.damage.get()).isZero();

        ActorRef<Scrubber.Command> scrubber = kit.spawn(Scrubber.create(new ScrubSettings(SEGMENT_BYTES,
                Duration.ofMillis(20))));
        scrubber.tell(new Scrubber.Add(id, partition));

        TestProbe<PartitionState> probe = kit.createTestProbe();
        probe.awaitAssert(TIMEOUT, () -> {
            assertThat(state(partition).damage()).hasSize(1);
            assertThat(metrics.damage.get()).isEqualTo(1);
            return null;
        });
        Damage damage = state(partition).damage().get(0);
        assertThat(damage.file()).isEqualTo(segment);
        assertThat(damage.position()).isZero();
        assertThat(damage.baseOffset()).isZero();
        assertThat(damage.nextOffset()).isEqualTo(RECORDS_PER_BATCH);
        assertThat(damage.problem()).contains("CRC32C");
        assertThat(metrics.scrubbedBytes.get()).isPositive();
        assertThat(metrics.readBytes.get()).as("no reader read anything").isZero();
    }

    @Test
    void aReadOfADamagedOffsetIsAnsweredWithTheDamageAndTheOffsetsAroundItAreServed() throws Exception {
        Path segment = writeAndStop();
        flipALastByteOfBatch(segment, 1);
        ActorRef<PartitionActor.Command> partition = spawn();

        Records before = (Records) read(partition, 0);
        assertThat(before.nextOffset()).as("trimmed before the damage").isEqualTo(RECORDS_PER_BATCH);
        assertThat(BatchFormat.decode(before.batches(), 0)).hasSize(RECORDS_PER_BATCH);
        for (long offset = RECORDS_PER_BATCH; offset < 2 * RECORDS_PER_BATCH; offset++) {
            DamagedData damaged = (DamagedData) read(partition, offset);
            assertThat(damaged.damage().file()).isEqualTo(segment);
            assertThat(damaged.damage().baseOffset()).isEqualTo(RECORDS_PER_BATCH);
            assertThat(damaged.damage().nextOffset()).isEqualTo(2 * RECORDS_PER_BATCH);
            assertThat(damaged.damage().problem()).contains("CRC32C");
        }
        Records after = (Records) read(partition, 2 * RECORDS_PER_BATCH);
        assertThat(BatchFormat.decode(after.batches(), 2 * RECORDS_PER_BATCH).get(0).offset())
                .isEqualTo(2 * RECORDS_PER_BATCH);

        assertThat(state(partition).damage()).extracting(Damage::baseOffset).containsExactly((long) RECORDS_PER_BATCH);
        TestProbe<PartitionState> probe = kit.createTestProbe();
        probe.awaitAssert(TIMEOUT, () -> {
            assertThat(metrics.damage.get()).as("counted once, however often it is read").isEqualTo(1);
            return null;
        });
        // Appends go on: the end of the log is certain from its fsynced recovery point.
        assertThat(append(partition).baseOffset()).isEqualTo((long) BATCHES * RECORDS_PER_BATCH);
    }

    /** Writes the batches in segments of {@link #SEGMENT_BYTES}, stops cleanly; returns the first segment. */
    private Path writeAndStop() throws IOException {
        ActorRef<PartitionActor.Command> partition = spawn();
        for (int i = 0; i < BATCHES; i++) {
            append(partition);
        }
        TestProbe<Done> stopped = kit.createTestProbe();
        partition.tell(new PartitionActor.Stop(stopped.getRef()));
        stopped.receiveMessage(TIMEOUT);
        stopped.expectTerminated(partition, TIMEOUT);
        Path partitionDir = dir.resolve(id.directoryName());
        try (Stream<Path> files = Files.list(partitionDir)) {
            List<Path> segments = files.filter(f -> f.toString().endsWith(LogFiles.LOG_SUFFIX)).sorted().toList();
            assertThat(segments).as("the first segment is sealed").hasSizeGreaterThan(1);
            return segments.get(0);
        }
    }

    /** Flips the lowest bit of the last byte of the segment's batch number {@code index}: inside its CRC. */
    private static void flipALastByteOfBatch(Path segment, int index) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            long position = 0;
            long end = 0;
            for (int batch = 0; batch <= index; batch++) {
                position = end;
                file.seek(position + BASE_OFFSET_BYTES);
                end = position + BASE_OFFSET_BYTES + LENGTH_BYTES + file.readInt();
            }
            file.seek(end - 1);
            int b = file.read();
            file.seek(end - 1);
            file.write(b ^ 1);
        }
    }

    private ActorRef<PartitionActor.Command> spawn() {
        return kit.spawn(PartitionActor.create(id, dir.resolve(id.directoryName()),
                SETTINGS.withLog(SETTINGS.log().withSegmentBytes(SEGMENT_BYTES)).withBufferMaxBytes(0), Storage.LOCAL,
                metrics));
    }

    private PartitionState state(ActorRef<PartitionActor.Command> partition) {
        TestProbe<PartitionState> probe = kit.createTestProbe();
        partition.tell(new PartitionActor.GetState(probe.getRef()));
        return probe.receiveMessage(TIMEOUT);
    }

    private ReadReply read(ActorRef<PartitionActor.Command> partition, long offset) {
        TestProbe<ReadReply> reader = kit.createTestProbe();
        partition.tell(new PartitionActor.Read(offset, 1 << 20, Duration.ZERO, reader.getRef()));
        return reader.receiveMessage(TIMEOUT);
    }

    private Appended append(ActorRef<PartitionActor.Command> partition) {
        ByteBuffer buffer = ByteBuffer.allocate(1024);
        MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, Compression.NONE, TimestampType.CREATE_TIME, 0L);
        for (int i = 0; i < RECORDS_PER_BATCH; i++) {
            builder.append(i, null, ("value-" + i).getBytes());
        }
        ValidBatches batches = BatchFormat.validate(builder.build().buffer());
        TestProbe<AppendReply> probe = kit.createTestProbe();
        partition.tell(new PartitionActor.Append(batches, probe.getRef()));
        return (Appended) probe.receiveMessage(TIMEOUT);
    }

    /** What the partition reports to its metrics. */
    private static final class CountingMetrics implements PartitionMetrics {
        final AtomicInteger damage = new AtomicInteger();
        final AtomicInteger damageCalls = new AtomicInteger();
        final AtomicLong scrubbedBytes = new AtomicLong();
        final AtomicLong readBytes = new AtomicLong();

        @Override
        public void damageFound(PartitionId partition, int ranges) {
            damageCalls.incrementAndGet();
            damage.addAndGet(ranges);
        }

        @Override
        public void scrubbed(PartitionId partition, long bytes) {
            scrubbedBytes.addAndGet(bytes);
        }

        @Override
        public void read(PartitionId partition, int bytes, boolean fromLog) {
            readBytes.addAndGet(bytes);
        }
    }
}
