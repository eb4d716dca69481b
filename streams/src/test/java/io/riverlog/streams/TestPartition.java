package io.riverlog.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.common.compress.Compression;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.wal.Storage;

/**
 * A real {@link PartitionActor} on a temporary directory, filled as a producer would fill it with
 * {@link ProducedRecords}, and counting whether its reads were served from the log or the buffer.
 */
final class TestPartition {
    static final Duration TIMEOUT = Duration.ofSeconds(20);
    static final PartitionSettings DEFAULT_SETTINGS = PartitionSettings.fromConfig(ConfigFactory.load());

    final ActorRef<PartitionActor.Command> ref;
    final ReadSources reads = new ReadSources();
    private final ActorTestKit testKit;
    private long nextOffset;

    private TestPartition(ActorTestKit testKit, String name, Path dir, PartitionSettings settings) {
        this.testKit = testKit;
        PartitionId id = new PartitionId(name, 0);
        this.ref = testKit.spawn(PartitionActor.create(id, dir.resolve(id.directoryName()), settings,
                Storage.LOCAL, reads), id.directoryName());
    }

    static TestPartition start(ActorTestKit testKit, String name, Path dir, PartitionSettings settings) {
        return new TestPartition(testKit, name, dir, settings);
    }

    /** Appends one batch of {@code count} records and waits until it is committed. */
    void append(int count, Compression compression) {
        Awaiting.resultOf(appendAsync(count, compression));
    }

    /**
     * Sends one batch of {@code count} records; the stage completes once it is committed at the
     * offsets its records expect.
     */
    CompletionStage<PartitionActor.Appended> appendAsync(int count, Compression compression) {
        long expectedBase = nextOffset;
        nextOffset += count;
        return AskPattern.<PartitionActor.Command, PartitionActor.AppendReply>ask(ref,
                        replyTo -> new PartitionActor.Append(ProducedRecords.batch(expectedBase, count, compression),
                                replyTo), TIMEOUT, testKit.scheduler())
                .thenApply(reply -> {
                    assertThat(reply).isInstanceOf(PartitionActor.Appended.class);
                    PartitionActor.Appended appended = (PartitionActor.Appended) reply;
                    assertThat(appended.baseOffset()).as("base offset of a batch").isEqualTo(expectedBase);
                    return appended;
                });
    }

    /** Appends {@code total} records in batches of 1 to {@code maxBatch} records; returns the batch sizes. */
    List<Integer> appendInRandomBatches(int total, int maxBatch, Random random, Compression compression) {
        List<Integer> sizes = new ArrayList<>();
        List<CompletableFuture<PartitionActor.Appended>> sent = new ArrayList<>();
        int left = total;
        while (left > 0) {
            int size = Math.min(left, 1 + random.nextInt(maxBatch));
            sent.add(appendAsync(size, compression).toCompletableFuture());
            sizes.add(size);
            left -= size;
        }
        Awaiting.resultOf(CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)));
        return sizes;
    }

    long appendedRecords() {
        return nextOffset;
    }

    PartitionActor.PartitionState state() {
        return Awaiting.resultOf(AskPattern.ask(ref, PartitionActor.GetState::new, TIMEOUT, testKit.scheduler()));
    }

    /** Stops the partition cleanly (its log is closed) and waits until it has. */
    void stop() {
        Awaiting.resultOf(AskPattern.ask(ref, PartitionActor.Stop::new, TIMEOUT, testKit.scheduler()));
    }

    /** Counts the partition's reads by where they were served from. */
    static final class ReadSources implements PartitionMetrics {
        final AtomicInteger fromLog = new AtomicInteger();
        final AtomicInteger fromBuffer = new AtomicInteger();

        @Override
        public void read(PartitionId partition, int bytes, boolean fromLog) {
            (fromLog ? this.fromLog : fromBuffer).incrementAndGet();
        }
    }
}
