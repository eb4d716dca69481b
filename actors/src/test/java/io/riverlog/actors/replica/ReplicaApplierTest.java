package io.riverlog.actors.replica;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogRecord;
import io.riverlog.wal.Storage;
import io.riverlog.wal.ValidBatches;

/**
 * Two replicas of one partition, each applying the same entries in the same order,
 * end with the same log — offsets, records, and the idempotence decisions (a retried batch is not
 * appended twice on either) — and an entry that comes before its partition's actor waits for it.
 */
class ReplicaApplierTest {
    private static final ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());
    private static final PartitionSettings SETTINGS = PartitionSettings.fromConfig(ConfigFactory.load());
    private static final PartitionId ID = new PartitionId("orders", 0);
    private static final UUID TOPIC_ID = UUID.randomUUID();
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long LEADER_TIME = 1_700_000_000_000L;

    @TempDir
    Path dir;

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    @Test
    void replicasApplyingTheSameEntriesEndWithTheSameLog() throws Exception {
        List<byte[]> entries = List.of(
                entry(idempotent(7, 0, "a", "b")),
                entry(idempotent(7, 2, "c")),
                entry(idempotent(7, 2, "c")), // the producer's retry: answered with the first offsets, not appended
                entry(idempotent(8, 0, "d")));
        // The terms the entries were committed in: they become the stored batches' leader epochs.
        long[] terms = {1, 1, 3, 3};
        List<List<String>> answers = new ArrayList<>();
        List<List<String>> logs = new ArrayList<>();
        for (String replica : List.of("one", "two")) {
            ReplicaApplier applier = new ReplicaApplier(kit.scheduler(), WAIT, Storage.LOCAL);
            List<CompletableFuture<PartitionActor.AppendReply>> replies = new ArrayList<>();
            // The first entry comes before the actor: it waits for it.
            replies.add(applier.apply(0, terms[0], ReplicaEntry.decode(entries.get(0))).toCompletableFuture());
            Path partitionDir = dir.resolve(replica).resolve(ID.directoryName());
            ActorRef<PartitionActor.Command> actor = kit.spawn(PartitionActor.create(ID, partitionDir, SETTINGS,
                    Storage.LOCAL, PartitionMetrics.NONE));
            applier.register(ID, TOPIC_ID, actor, partitionDir, ReplicaProgress.Applied.NONE);
            for (int i = 1; i < entries.size(); i++) {
                replies.add(applier.apply(i, terms[i], ReplicaEntry.decode(entries.get(i))).toCompletableFuture());
            }
            List<String> answered = new ArrayList<>();
            for (CompletableFuture<PartitionActor.AppendReply> reply : replies) {
                PartitionActor.Appended appended = (PartitionActor.Appended) reply.get();
                answered.add(appended.baseOffset() + "-" + appended.lastOffset());
            }
            answers.add(answered);
            logs.add(values(actor));
            assertThat(epochs(actor)).as("leader epochs of the batches of replica %s", replica)
                    .containsExactly(1, 1, 3);
        }
        assertThat(answers.get(0)).containsExactly("0-1", "2-2", "2-2", "3-3");
        assertThat(answers.get(1)).isEqualTo(answers.get(0));
        assertThat(logs.get(0)).containsExactly("a", "b", "c", "d");
        assertThat(logs.get(1)).isEqualTo(logs.get(0));
    }

    /**
     * A replica whose own storage refuses an entry that the others carry out must not give the next
     * entry the offset the refused one should have had: it stops applying, records nothing more, and
     * is left to catch up from the group's log at the node's next start. As its storage failed, what
     * it wrote since its last snapshot is not trusted either: it goes back to the snapshot's pair.
     */
    @Test
    void aReplicaThatFailsAnEntryStopsApplyingRatherThanShiftTheOffsetsOfTheNext() throws Exception {
        ReplicaApplier applier = new ReplicaApplier(kit.scheduler(), WAIT, Storage.LOCAL);
        TestProbe<PartitionActor.Command> actor = kit.createTestProbe();
        Path partitionDir = dir.resolve(ID.directoryName());
        java.nio.file.Files.createDirectories(partitionDir);
        applier.register(ID, TOPIC_ID, actor.getRef(), partitionDir, ReplicaProgress.Applied.NONE);

        CompletableFuture<PartitionActor.AppendReply> first = applier.apply(1, entry(idempotent(7, 0, "a")))
                .toCompletableFuture();
        actor.expectMessageClass(PartitionActor.Append.class, WAIT).replyTo()
                .tell(new PartitionActor.Appended(0, 0, 0, -1));
        assertThat(first.get()).isInstanceOf(PartitionActor.Appended.class);
        // A snapshot after the first entry: the partition is asked to fsync its log, then the pair is durable.
        CompletableFuture<Boolean> snapshot = CompletableFuture.supplyAsync(() -> {
            try {
                return applier.makeDurable(List.of(new ReplicaApplier.Touched(ID, TOPIC_ID, 1)));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        actor.expectMessageClass(PartitionActor.Flush.class, WAIT).replyTo().tell(new PartitionActor.Flushed(1));
        assertThat(snapshot.get()).isTrue();
        applier.apply(2, entry(idempotent(7, 1, "b")));
        actor.expectMessageClass(PartitionActor.Append.class, WAIT).replyTo()
                .tell(new PartitionActor.Appended(1, 1, 0, -1));
        CompletableFuture<PartitionActor.AppendReply> third = applier.apply(3, entry(idempotent(7, 2, "c")))
                .toCompletableFuture();
        actor.expectMessageClass(PartitionActor.Append.class, WAIT).replyTo().tell(new PartitionActor.AppendFailed(
                PartitionActor.AppendError.STORAGE_ERROR, "the disk is full"));
        assertThat(((PartitionActor.AppendFailed) third.get()).error())
                .isEqualTo(PartitionActor.AppendError.STORAGE_ERROR);

        PartitionActor.AppendReply fourth = applier.apply(4, entry(idempotent(7, 3, "d"))).toCompletableFuture().get();

        assertThat(fourth).isInstanceOfSatisfying(PartitionActor.AppendFailed.class,
                failed -> assertThat(failed.message()).contains("stopped applying at entry 3"));
        actor.expectNoMessage(Duration.ofMillis(200));
        assertThat(ReplicaProgress.read(partitionDir, Storage.LOCAL)).as("back to the snapshot's pair")
                .isEqualTo(new ReplicaProgress.Applied(1, 1));
    }

    /**
     * A partition still opening its log (a restart recovers it) holds back only its own entries: those of
     * the group's other partitions are carried out meanwhile, and its own follow, in order, once it is open.
     * (The applying thread used to wait for it, holding back every group of the node.)
     */
    @Test
    void aPartitionOpeningItsLogHoldsBackOnlyItsOwnEntries() throws Exception {
        ReplicaApplier applier = new ReplicaApplier(kit.scheduler(), WAIT, Storage.LOCAL);
        PartitionId other = new PartitionId("orders", 1);
        TestProbe<PartitionActor.Command> opening = kit.createTestProbe();
        TestProbe<PartitionActor.Command> open = kit.createTestProbe();
        // What the opening one applied is read from its directory once it is open: nothing yet.
        applier.register(ID, TOPIC_ID, opening.getRef(), Files.createDirectories(dir.resolve(ID.directoryName())));
        applier.register(other, TOPIC_ID, open.getRef(), Files.createDirectories(dir.resolve(other.directoryName())),
                ReplicaProgress.Applied.NONE);

        CompletableFuture<PartitionActor.AppendReply> first = applier.apply(1, entry(idempotent(7, 0, "a")))
                .toCompletableFuture();
        CompletableFuture<PartitionActor.AppendReply> second = applier.apply(2, entry(idempotent(7, 1, "b")))
                .toCompletableFuture();
        opening.expectMessageClass(PartitionActor.GetState.class, WAIT).replyTo()
                .tell(state(PartitionActor.Availability.OPENING));
        CompletableFuture<PartitionActor.AppendReply> elsewhere = applier.apply(3, ReplicaEntry.encode(other,
                TOPIC_ID, LEADER_TIME, idempotent(8, 0, "c"))).toCompletableFuture();
        open.expectMessageClass(PartitionActor.Append.class, WAIT).replyTo()
                .tell(new PartitionActor.Appended(0, 0, 0, -1));

        assertThat(elsewhere.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
                .isInstanceOf(PartitionActor.Appended.class);
        assertThat(first).as("waiting for its partition to open").isNotDone();
        assertThat(second).isNotDone();
        opening.expectMessageClass(PartitionActor.GetState.class, WAIT).replyTo()
                .tell(state(PartitionActor.Availability.ONLINE));
        PartitionActor.Append a = opening.expectMessageClass(PartitionActor.Append.class, WAIT);
        PartitionActor.Append b = opening.expectMessageClass(PartitionActor.Append.class, WAIT);
        assertThat(BatchFormat.decode(b.batches().buffer(), 0)).extracting(record -> new String(record.value()))
                .as("in log order").containsExactly("b");
        a.replyTo().tell(new PartitionActor.Appended(0, 0, 0, -1));
        b.replyTo().tell(new PartitionActor.Appended(1, 1, 0, -1));
        assertThat(((PartitionActor.Appended) first.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
                .baseOffset()).isEqualTo(0);
        assertThat(((PartitionActor.Appended) second.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
                .baseOffset()).isEqualTo(1);
    }

    /**
     * Entries of a topic deleted since (left in the group's log, applied again after a restart) wait
     * for a partition that never comes; once the topic is known deleted they are answered, so that
     * they do not hold back the group's snapshots. A halted replica refuses a snapshot.
     */
    @Test
    void entriesOfADeletedTopicAreAnsweredAndAHaltedReplicaRefusesASnapshot() throws Exception {
        ReplicaApplier applier = new ReplicaApplier(kit.scheduler(), WAIT, Storage.LOCAL);
        CompletableFuture<PartitionActor.AppendReply> waiting = applier.apply(1, entry(idempotent(7, 0, "a")))
                .toCompletableFuture();
        assertThat(waiting).isNotDone();

        applier.topicDeleted(TOPIC_ID);

        assertThat(waiting.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
                .isSameAs(ReplicaApplier.OTHER_TOPIC);
        assertThat(applier.apply(2, entry(idempotent(7, 1, "b"))).toCompletableFuture().get())
                .isSameAs(ReplicaApplier.OTHER_TOPIC);

        PartitionId other = new PartitionId("payments", 0);
        TestProbe<PartitionActor.Command> actor = kit.createTestProbe();
        Path partitionDir = java.nio.file.Files.createDirectories(dir.resolve(other.directoryName()));
        UUID otherId = UUID.randomUUID();
        applier.register(other, otherId, actor.getRef(), partitionDir, ReplicaProgress.Applied.NONE);
        CompletableFuture<PartitionActor.AppendReply> failed = applier.apply(3, ReplicaEntry.encode(other, otherId,
                LEADER_TIME, idempotent(8, 0, "c"))).toCompletableFuture();
        actor.expectMessageClass(PartitionActor.Append.class, WAIT).replyTo().tell(new PartitionActor.AppendFailed(
                PartitionActor.AppendError.STORAGE_ERROR, "the disk is full"));
        failed.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertThat(applier.makeDurable(List.of(new ReplicaApplier.Touched(other, otherId, 3))))
                .as("a snapshot over a halted replica").isFalse();
        assertThat(applier.makeDurable(List.of(new ReplicaApplier.Touched(ID, TOPIC_ID, 2))))
                .as("a snapshot over a deleted topic's partition").isTrue();
        applier.unregister(other);
        assertThat(applier.makeDurable(List.of(new ReplicaApplier.Touched(other, otherId, 3))))
                .as("a snapshot over a partition that stopped (its entries are applied again at the next start)")
                .isFalse();
    }

    /**
     * The appends of one produce request to partitions of one group travel as one entry: each is applied
     * to its own partition, answered in order, and recorded as applied at that entry, so that after a
     * restart the entry is skipped for each of them.
     */
    @Test
    void anEntryOfSeveralAppendsIsAppliedToEachOfItsPartitions() throws Exception {
        PartitionId other = new PartitionId("orders", 1);
        ReplicaApplier applier = new ReplicaApplier(kit.scheduler(), WAIT, Storage.LOCAL);
        ReplicaStateMachine machine = new ReplicaStateMachine(applier,
                entry -> CompletableFuture.failedFuture(new UnsupportedOperationException("no offsets here")));
        // Made here: two partitions' writers creating their common parent at once may race, and one fail.
        Files.createDirectories(dir.resolve("several"));
        for (PartitionId id : List.of(ID, other)) {
            Path partitionDir = dir.resolve("several").resolve(id.directoryName());
            applier.register(id, TOPIC_ID, kit.spawn(PartitionActor.create(id, partitionDir, SETTINGS, Storage.LOCAL,
                    PartitionMetrics.NONE)), partitionDir, ReplicaProgress.Applied.NONE);
        }
        byte[] first = ReplicaEntry.encodeAll(List.of(new ReplicaEntry.Part(ID, TOPIC_ID, idempotent(7, 0, "a", "b")),
                new ReplicaEntry.Part(other, TOPIC_ID, idempotent(8, 0, "c"))), LEADER_TIME);
        assertThat(ReplicaEntry.holdsSeveral(first)).isTrue();
        assertThat(ReplicaEntry.decodeAll(first)).extracting(ReplicaEntry::partition).containsExactly(ID, other);
        List<PartitionActor.AppendReply> replies = ReplicaStateMachine.decodeAll(
                machine.applyAsync(1, 1, first).toCompletableFuture().get());
        assertThat(replies).extracting(reply -> ((PartitionActor.Appended) reply).baseOffset() + "-"
                + ((PartitionActor.Appended) reply).lastOffset()).containsExactly("0-1", "0-0");

        byte[] second = ReplicaEntry.encodeAll(List.of(new ReplicaEntry.Part(other, TOPIC_ID, idempotent(8, 1, "d")),
                new ReplicaEntry.Part(ID, TOPIC_ID, idempotent(7, 2, "e"))), LEADER_TIME);
        assertThat(ReplicaStateMachine.decodeAll(machine.applyAsync(2, 1, second).toCompletableFuture().get()))
                .extracting(reply -> ((PartitionActor.Appended) reply).baseOffset()).containsExactly(1L, 2L);
        assertThat(ReplicaStateMachine.decodeAll(machine.applyAsync(1, 1, first).toCompletableFuture().get()))
                .as("applied again (a restart replays it): skipped by both partitions")
                .containsExactly(ReplicaApplier.ALREADY_APPLIED, ReplicaApplier.ALREADY_APPLIED);
    }

    private static PartitionActor.PartitionState state(PartitionActor.Availability availability) {
        return new PartitionActor.PartitionState(ID, 0, 0, 0, 0, 0, availability, List.of());
    }

    private static byte[] entry(ValidBatches batches) {
        return ReplicaEntry.encode(ID, TOPIC_ID, LEADER_TIME, batches);
    }

    /** Records stamped at the leader's time: judged by it, they are within the topic's timestamp bounds. */
    private static ValidBatches idempotent(long producerId, int baseSequence, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(LEADER_TIME, values[i].getBytes());
        }
        return BatchFormat.validate(MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, (short) 0,
                baseSequence, records).buffer());
    }

    private static List<Integer> epochs(ActorRef<PartitionActor.Command> actor) {
        TestProbe<PartitionActor.ReadReply> probe = kit.createTestProbe();
        actor.tell(new PartitionActor.Read(0, Integer.MAX_VALUE, Duration.ZERO, probe.getRef()));
        PartitionActor.Records records = probe.expectMessageClass(PartitionActor.Records.class, WAIT);
        List<Integer> epochs = new ArrayList<>();
        MemoryRecords.readableRecords(records.batches().duplicate()).batches()
                .forEach(batch -> epochs.add(batch.partitionLeaderEpoch()));
        return epochs;
    }

    private static List<String> values(ActorRef<PartitionActor.Command> actor) {
        TestProbe<PartitionActor.ReadReply> probe = kit.createTestProbe();
        List<String> values = new ArrayList<>();
        actor.tell(new PartitionActor.Read(0, Integer.MAX_VALUE, Duration.ZERO, probe.getRef()));
        PartitionActor.Records records = probe.expectMessageClass(PartitionActor.Records.class, WAIT);
        for (LogRecord record : BatchFormat.decode(records.batches(), 0)) {
            values.add(new String(record.value()));
        }
        return values;
    }
}
