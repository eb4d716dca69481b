package io.riverlog.testkit.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.actors.replica.ReplicaApplier;
import io.riverlog.actors.replica.ReplicaEntry;
import io.riverlog.actors.replica.ReplicaProgress;
import io.riverlog.actors.replica.ReplicaStateMachine;
import io.riverlog.testkit.disk.InMemoryTempDir;
import io.riverlog.testkit.disk.SimulatedDisk;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogConfig;
import io.riverlog.wal.LogRecord;

/**
 * One replica of a partition loses power while it applies its group's entries (the
 * group's log itself is on the other replicas: here, a list that survives). After the cut the replica
 * recovers (its writer opens the log with {@link ReplicaProgress#OPENER}) and is handed every entry
 * again from the first: it ends with exactly the log of a replica that never lost power — nothing
 * lost, nothing twice.
 */
class ReplicaPowerCutTest {
    private static final String SEED = "riverlog.power-cuts.replica.seed";
    private static final Duration ANSWER = Duration.ofSeconds(20);
    private static final PartitionId ID = new PartitionId("replicated", 0);
    private static final UUID TOPIC_ID = UUID.randomUUID();
    private static final ActorTestKit KIT = ActorTestKit.create(ConfigFactory.load());
    /**
     * A replica's settings: its log is written without fsyncing, and fsynced when its group takes a
     * snapshot; small segments, so that some runs roll (which fsyncs the segment that fills).
     */
    private static final PartitionSettings SETTINGS = replicaSettings(16 * 1024);
    /** Segments that never fill here: only the snapshot's fsync makes the log durable. */
    private static final PartitionSettings NO_ROLLS = replicaSettings(1024 * 1024);
    private static final long LEADER_TIME = System.currentTimeMillis();

    @TempDir(factory = InMemoryTempDir.class)
    Path tmp;

    private static PartitionSettings replicaSettings(int segmentBytes) {
        return ReplicaProgress.settingsOf(PartitionSettings.fromConfig(ConfigFactory.load())
                .withLog(new LogConfig(segmentBytes, 512, -1, -1, 0, 4096))
                .withStorageRetryInterval(Duration.ofMillis(50)));
    }

    @AfterAll
    static void stopKit() {
        KIT.shutdownTestKit();
    }

    /** Runs whose log, after the cut, no longer reached what the replica had recorded as applied. */
    private final java.util.concurrent.atomic.AtomicInteger wentBack = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * The replica's log is written without fsyncing: a cut often takes the log back behind what its
     * progress file names, and then the replica goes back to its last snapshot (here: none).
     */
    @Test
    void aReplicaThatLostPowerEndsWithTheLogOfOneThatDidNot() throws Exception {
        PowerCutRuns.repeat(SEED, 60, (random, run) -> cutOnce(random, run, false, SETTINGS));
        assertThat(wentBack.get()).as("runs whose recovery went back behind the recorded progress").isPositive();
    }

    /**
     * The group takes a snapshot part way ({@link ReplicaStateMachine#snapshot}) and purges its log up
     * to it: after the cut the replica is handed only the entries after the snapshot, and still ends
     * with the log of one that never lost power. (Without the snapshot's fsync of the partition's log
     * and of what was applied, the cut takes the replica back before the snapshot and entries that no
     * log holds any more are missing.)
     */
    @Test
    void aReplicaThatLostPowerAfterASnapshotNeedsOnlyTheEntriesAfterIt() throws Exception {
        long afterSnapshot = PowerCutRuns.repeat(SEED, 60, (random, run) -> cutOnce(random, run, true, NO_ROLLS));
        assertThat(afterSnapshot).as("runs whose power was cut after a snapshot").isPositive();
    }

    /** One run; with {@code snapshot}, returns 1 if the cut came after a snapshot (0 otherwise). */
    private int cutOnce(Random random, int run, boolean snapshot, PartitionSettings settings) throws Exception {
        List<byte[]> entries = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            SimpleRecord[] records = new SimpleRecord[1 + random.nextInt(4)];
            for (int r = 0; r < records.length; r++) {
                records[r] = new SimpleRecord(LEADER_TIME, ("e" + i + "-" + r + "-" + "v".repeat(random.nextInt(200)))
                        .getBytes(StandardCharsets.UTF_8));
            }
            entries.add(ReplicaEntry.encode(ID, TOPIC_ID, LEADER_TIME,
                    BatchFormat.validate(MemoryRecords.withRecords(Compression.NONE, records).buffer())));
        }
        Path root = Files.createDirectory(tmp.resolve("run-" + run));
        Path steady = Files.createDirectories(root.resolve("steady"));
        List<String> expected = applyAll(new SimulatedDisk(steady), steady, entries, 0, settings);

        Path cutRoot = root.resolve("cut");
        Files.createDirectories(cutRoot);
        SimulatedDisk disk = new SimulatedDisk(cutRoot);
        disk.cutPowerAfter(10 + random.nextInt(300));
        Path dir = cutRoot.resolve(ID.directoryName());
        ReplicaApplier applier = new ReplicaApplier(KIT.scheduler(), ANSWER, disk);
        ActorRef<PartitionActor.Command> actor = KIT.spawn(PartitionActor.create(ID, dir, settings, disk,
                PartitionMetrics.NONE));
        applier.register(ID, TOPIC_ID, actor, dir, ReplicaProgress.Applied.NONE);
        ReplicaStateMachine group = new ReplicaStateMachine(applier,
                entry -> CompletableFuture.failedFuture(new UnsupportedOperationException("no offsets here")));
        int snapshotAt = snapshot ? 5 + random.nextInt(40) : Integer.MAX_VALUE;
        int replayFrom = 0;
        List<CompletableFuture<?>> answers = new ArrayList<>();
        for (int i = 0; i < entries.size() && !disk.powerLost(); i++) {
            answers.add(group.applyAsync(i, 0, entries.get(i)).toCompletableFuture().exceptionally(failed -> null));
            if (i == snapshotAt && answeredInTime(answers) && !disk.powerLost() && snapshotTaken(group, i)) {
                replayFrom = i + 1;
            }
        }
        // The entries are applied until the disk's operations run out (or all of them, and then the cut comes after).
        answeredInTime(answers);
        disk.cutPower();
        stop(actor);
        SimulatedDisk restarted = disk.restartAfterPowerCut(random);
        assertThat(applyAll(restarted, cutRoot, entries, replayFrom, settings))
                .as("the log after a cut and a replay from entry %d", replayFrom).isEqualTo(expected);
        return snapshot ? (replayFrom > 0 ? 1 : 0) : 1;
    }

    /** Waits for every answer; false if one did not come (the partition went offline with the power). */
    private static boolean answeredInTime(List<CompletableFuture<?>> answers) throws Exception {
        boolean all = true;
        for (CompletableFuture<?> answer : answers) {
            try {
                all &= answer.get(ANSWER.toMillis(), TimeUnit.MILLISECONDS) != null;
            } catch (java.util.concurrent.TimeoutException unanswered) {
                all = false;
            }
        }
        return all;
    }

    private static boolean snapshotTaken(ReplicaStateMachine group, int index) {
        try {
            return group.snapshot(index);
        } catch (java.io.IOException powerLost) {
            return false;
        }
    }

    /** Recovers the replica on {@code disk}, applies every entry from {@code from}, returns its log. */
    private List<String> applyAll(SimulatedDisk disk, Path root, List<byte[]> entries, int from,
                                  PartitionSettings settings) throws Exception {
        Path dir = root.resolve(ID.directoryName());
        ReplicaApplier applier = new ReplicaApplier(KIT.scheduler(), ANSWER, disk);
        ReplicaProgress.Applied recorded = ReplicaProgress.read(dir, disk);
        // The partition's opener recovers the same way again, and finds nothing more to do.
        if (ReplicaProgress.recover(dir, settings.log(), disk).index() < recorded.index()) {
            wentBack.incrementAndGet();
        }
        ActorRef<PartitionActor.Command> actor = KIT.spawn(PartitionActor.create(ID, dir, settings, disk,
                PartitionMetrics.NONE, ReplicaProgress.OPENER));
        // What it applied is read once its log is recovered (the applier waits for that).
        applier.register(ID, TOPIC_ID, actor, dir);
        CompletableFuture<PartitionActor.AppendReply> last = null;
        for (int i = from; i < entries.size(); i++) {
            last = applier.apply(i, entries.get(i)).toCompletableFuture();
        }
        if (last != null) {
            last.get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
        }
        List<String> values = read(actor);
        stop(actor);
        return values;
    }

    private static List<String> read(ActorRef<PartitionActor.Command> actor) throws Exception {
        List<String> values = new ArrayList<>();
        long offset = 0;
        while (true) {
            long from = offset;
            PartitionActor.Records records = (PartitionActor.Records) AskPattern
                    .<PartitionActor.Command, PartitionActor.ReadReply>ask(actor,
                            replyTo -> new PartitionActor.Read(from, 64 * 1024, Duration.ZERO, replyTo), ANSWER,
                            KIT.scheduler()).toCompletableFuture().get();
            for (LogRecord record : BatchFormat.decode(records.batches(), from)) {
                assertThat(record.offset()).as("offsets are contiguous").isEqualTo(offset);
                values.add(new String(record.value(), StandardCharsets.UTF_8));
                offset++;
            }
            if (records.isEmpty() || records.nextOffset() >= records.highWatermark()) {
                return values;
            }
        }
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
