package io.riverlog.testkit.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.testkit.disk.InMemoryTempDir;
import io.riverlog.testkit.disk.SimulatedDisk;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogConfig;
import io.riverlog.wal.LogRecord;

/**
 * The actor core — a partition actor, its writer and group commit — with several producers appending
 * at once on a disk that loses power, and whose fsyncs (of the data, or of the recovery point that
 * commits a round) sometimes fail before that. After the cut a
 * new partition actor opens the log: every acknowledged record is at its offset, no append answered
 * STORAGE_ERROR is in the log, offsets are contiguous, and the high watermark is past every
 * acknowledged offset.
 */
class PartitionActorPowerCutTest {
    private static final String SEED = "riverlog.power-cuts.partition.seed";
    private static final Duration ANSWER = Duration.ofSeconds(20);
    private static final PartitionId ID = new PartitionId("cut", 0);
    private static final int PRODUCERS = 3;
    private static final ActorTestKit KIT = ActorTestKit.create(ConfigFactory.load());
    /** A short retry (the scheduler's tick): each run's partition goes offline a few times, then reopens. */
    private static final PartitionSettings SETTINGS = PartitionSettings.fromConfig(ConfigFactory.load())
            .withLog(new LogConfig(16 * 1024, 512, -1, -1, 0, 4096))
            .withStorageRetryInterval(Duration.ofMillis(10));

    @TempDir(factory = InMemoryTempDir.class)
    Path tmp;

    @AfterAll
    static void stopKit() {
        KIT.shutdownTestKit();
    }

    private long acknowledgedInAll;
    private long refusedInAll;

    @Test
    void acknowledgedAppendsSurvivePowerCutsAndRefusedOnesAreNeverThere() throws Exception {
        PowerCutRuns.repeat(SEED, 120, this::cutOnce);
        assertThat(acknowledgedInAll).as("records acknowledged in all runs").isPositive();
        assertThat(refusedInAll).as("records refused after a failed fsync in all runs").isPositive();
    }

    @Tag("volume")
    @Test
    void acknowledgedAppendsSurviveManyPowerCuts() throws Exception {
        PowerCutRuns.repeat(SEED, 400, this::cutOnce);
    }

    private int cutOnce(Random random, int index) throws Exception {
        Path root = Files.createDirectory(tmp.resolve("run-" + index));
        Path dir = root.resolve(ID.directoryName());
        SimulatedDisk disk = new SimulatedDisk(root);
        disk.cutPowerAfter(20 + random.nextInt(400));
        ActorRef<PartitionActor.Command> partition = KIT.spawn(PartitionActor.create(ID, dir, SETTINGS, disk,
                PartitionMetrics.NONE));
        Map<String, Long> acknowledged = new ConcurrentHashMap<>();
        Set<String> refused = ConcurrentHashMap.newKeySet();
        List<CompletableFuture<Void>> answers = new ArrayList<>();
        int round = 0;
        while (!disk.powerLost() && round < 2000) {
            if (random.nextInt(40) == 0) {
                disk.failNextForcesOf(path -> path.toString().endsWith(".log"), 1);
            } else if (random.nextInt(40) == 0) {
                // The second fsync of a round: its recovery point.
                disk.failNextForcesOf(path -> path.endsWith("recovery-point"), 1);
            }
            for (int producer = 0; producer < PRODUCERS; producer++) {
                List<String> values = new ArrayList<>();
                int records = 1 + random.nextInt(5);
                for (int r = 0; r < records; r++) {
                    values.add("p" + producer + "-" + round + "-" + r + "-" + "v".repeat(random.nextInt(300)));
                }
                answers.add(append(partition, values).thenAccept(reply -> {
                    if (reply instanceof PartitionActor.Appended appended) {
                        for (int r = 0; r < values.size(); r++) {
                            acknowledged.put(values.get(r), appended.baseOffset() + r);
                        }
                    } else if (((PartitionActor.AppendFailed) reply).error()
                            == PartitionActor.AppendError.STORAGE_ERROR) {
                        refused.addAll(values);
                    }
                }));
            }
            round++;
            if (round % 8 == 0) {
                CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                        .get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        disk.cutPower();
        for (CompletableFuture<Void> answer : answers) {
            try {
                answer.get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException unanswered) {
                // outcome unknown: either way is right
            }
        }
        stop(partition);
        disk = disk.restartAfterPowerCut(random);

        ActorRef<PartitionActor.Command> reopened = KIT.spawn(PartitionActor.create(ID, dir, SETTINGS, disk,
                PartitionMetrics.NONE));
        PartitionActor.PartitionState state = AskPattern.<PartitionActor.Command, PartitionActor.PartitionState>ask(
                reopened, PartitionActor.GetState::new, ANSWER, KIT.scheduler()).toCompletableFuture().get();
        Map<String, Long> found = readAll(reopened, state.highWatermark());
        for (Map.Entry<String, Long> record : acknowledged.entrySet()) {
            assertThat(found.get(record.getKey())).as("acknowledged %s (high watermark after the cut %d, %d records"
                    + " read, %d acknowledged)", record.getKey(), state.highWatermark(), found.size(),
                    acknowledged.size()).isEqualTo(record.getValue());
        }
        for (String value : refused) {
            assertThat(found).as("an append answered STORAGE_ERROR is not in the log").doesNotContainKey(value);
        }
        stop(reopened);
        acknowledgedInAll += acknowledged.size();
        refusedInAll += refused.size();
        return 1;
    }

    private static CompletableFuture<PartitionActor.AppendReply> append(ActorRef<PartitionActor.Command> partition,
                                                                       List<String> values) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(4096), Compression.NONE,
                TimestampType.CREATE_TIME, 0L);
        for (String value : values) {
            builder.append(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8));
        }
        var batches = BatchFormat.validate(builder.build().buffer());
        return AskPattern.<PartitionActor.Command, PartitionActor.AppendReply>ask(partition,
                replyTo -> new PartitionActor.Append(batches, replyTo), ANSWER, KIT.scheduler()).toCompletableFuture();
    }

    /** Every record below the high watermark, by value; offsets must be contiguous from the log start. */
    private static Map<String, Long> readAll(ActorRef<PartitionActor.Command> partition, long highWatermark)
            throws Exception {
        Map<String, Long> found = new HashMap<>();
        long offset = 0;
        while (offset < highWatermark) {
            long from = offset;
            PartitionActor.ReadReply reply = AskPattern.<PartitionActor.Command, PartitionActor.ReadReply>ask(partition,
                    replyTo -> new PartitionActor.Read(from, 64 * 1024, Duration.ZERO, replyTo), ANSWER,
                    KIT.scheduler()).toCompletableFuture().get();
            PartitionActor.Records records = (PartitionActor.Records) reply;
            for (LogRecord record : BatchFormat.decode(records.batches(), from)) {
                assertThat(record.offset()).as("offsets are contiguous").isEqualTo(offset);
                found.put(new String(record.value(), StandardCharsets.UTF_8), record.offset());
                offset++;
            }
            assertThat(records.nextOffset()).isEqualTo(offset);
        }
        return found;
    }

    private static void stop(ActorRef<PartitionActor.Command> partition) {
        try {
            AskPattern.<PartitionActor.Command, Done>ask(partition, PartitionActor.Stop::new, ANSWER, KIT.scheduler())
                    .toCompletableFuture().get();
        } catch (Exception deadOrStuck) {
            KIT.stop(partition, ANSWER);
        }
    }
}
