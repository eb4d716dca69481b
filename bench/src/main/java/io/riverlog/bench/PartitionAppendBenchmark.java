package io.riverlog.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.partition.FsyncPolicy;
import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionActor.AppendReply;
import io.riverlog.actors.partition.PartitionActor.Appended;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogConfig;
import io.riverlog.wal.Storage;
import io.riverlog.wal.ValidBatches;

/**
 * The produce path of one partition in process, without the network: a producer's record batch is
 * validated (CRC32C included, as the Kafka handler does) and sent to a {@link PartitionActor} with
 * an ask; the answer comes once the batch is committed, that is fsynced under {@code fsync=batch}.
 * One benchmark thread keeps {@code inFlight} appends outstanding: each operation waits for the
 * oldest answer and sends the next append, so the primary score is acknowledged appends/s. The
 * partition's writer has one write round in flight; appends that arrive during its fsync share the
 * next one (group commit), which {@link AppendCounter#fsyncs} makes visible.
 *
 * <p>Batches are filled as a producer with {@code batch.size = batchBytes} fills them with records
 * of {@code recordBytes}-byte values (no key); each append copies a template into a buffer of its
 * own, since the partition patches offsets into it and keeps it in its tail buffer.
 *
 * <p>Settings are the defaults of wal-io and actors (1 GiB segments, 1 MiB tail buffer), except: the fsync
 * policy is the parameter, retention keeps {@value AppendFlushBenchmark#RETENTION_BYTES} bytes with
 * no delay before deleted segments are closed, and it is checked every second, so that disk use
 * stays bounded however fast appends run.
 */
@State(Scope.Benchmark)
public class PartitionAppendBenchmark extends ThroughputBenchmark {
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration RETENTION_CHECK_INTERVAL = Duration.ofSeconds(1);

    @Param({"100", "1024"})
    public int recordBytes;

    @Param({"16384", "65536"})
    public int batchBytes;

    @Param({"1", "8", "64"})
    public int inFlight;

    /**
     * {@code batch}: acknowledged after an fsync (the default); {@code os}: after the write to the
     * operating system.
     */
    @Param({"batch", "os"})
    public String fsync;

    private Path dir;
    private ActorSystem<Void> system;
    private ActorRef<PartitionActor.Command> partition;
    private final FsyncCount fsyncCount = new FsyncCount();
    private ByteBuffer template;
    private int recordsPerBatch;
    private CompletableFuture<AppendReply>[] pending;
    private int oldest;
    private long fsyncsCounted;
    private long appendsThisIteration;
    private long fsyncsAtIterationStart;
    private long fsyncNanosAtIterationStart;
    private long iterationStartNanos;

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void startPartition() throws IOException {
        Config config = ConfigFactory.load();
        PartitionSettings defaults = PartitionSettings.fromConfig(config);
        LogConfig log = defaults.log();
        // Deleted segments are closed (their disk space freed) at the next retention pass, one second later.
        LogConfig bounded = new LogConfig(log.segmentBytes(), log.indexIntervalBytes(),
                AppendFlushBenchmark.RETENTION_BYTES, -1, 0, log.recoveryReadBytes());
        PartitionSettings settings = new PartitionSettings(
                FsyncPolicy.valueOf(fsync.toUpperCase(Locale.ROOT)), defaults.fsyncInterval(),
                defaults.bufferMaxBytes(), RETENTION_CHECK_INTERVAL, defaults.pendingWhileOpening(),
                defaults.producerBatchesRemembered(),
                defaults.storageRetryInterval(), bounded, defaults.bufferMemory());

        template = RecordBatches.filledAsProducer(batchBytes, recordBytes, System.currentTimeMillis(),
                new SplittableRandom(42));
        recordsPerBatch = BatchFormat.validate(template.duplicate()).recordCount();

        dir = BenchDirectories.create("partition");
        PartitionId id = new PartitionId("bench", 0);
        system = ActorSystem.create(Behaviors.empty(), "bench", config);
        partition = system.systemActorOf(PartitionActor.create(id, dir.resolve(id.directoryName()), settings,
                Storage.LOCAL, fsyncCount), "partition-" + id, Props.empty());

        pending = new CompletableFuture[inFlight];
        for (int i = 0; i < inFlight; i++) {
            pending[i] = append();
        }
        oldest = 0;
    }

    @TearDown(Level.Trial)
    public void stopPartition() throws Exception {
        try {
            if (pending != null) {
                for (CompletableFuture<AppendReply> append : pending) {
                    if (append != null) {
                        append.get(ASK_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    }
                }
            }
            if (partition != null) {
                AskPattern.<PartitionActor.Command, Done>ask(partition, PartitionActor.Stop::new, STOP_TIMEOUT,
                        system.scheduler()).toCompletableFuture().get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        } finally {
            try {
                if (system != null) {
                    system.terminate();
                    system.getWhenTerminated().toCompletableFuture().get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                }
            } finally {
                BenchDirectories.delete(dir);
            }
        }
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        appendsThisIteration = 0;
        fsyncsAtIterationStart = fsyncCount.fsyncs.get();
        fsyncNanosAtIterationStart = fsyncCount.nanos.get();
        iterationStartNanos = System.nanoTime();
    }

    /** One line per iteration: how well group commit shared the fsyncs, and how busy the disk kept the writer. */
    @TearDown(Level.Iteration)
    public void reportIteration() {
        long elapsedNanos = System.nanoTime() - iterationStartNanos;
        long fsyncs = fsyncCount.fsyncs.get() - fsyncsAtIterationStart;
        long fsyncNanos = fsyncCount.nanos.get() - fsyncNanosAtIterationStart;
        System.out.printf(Locale.ROOT, "(%d appends, %d fsyncs: %.3f fsyncs per append, %.2f ms per fsync,"
                        + " writer in fsync %.0f %% of the time) ",
                appendsThisIteration, fsyncs, appendsThisIteration == 0 ? 0.0 : (double) fsyncs / appendsThisIteration,
                fsyncs == 0 ? 0.0 : fsyncNanos / 1e6 / fsyncs, 100.0 * fsyncNanos / elapsedNanos);
    }

    @Benchmark
    public long appendKeepingInFlight(AppendCounter counter) throws Exception {
        int slot = oldest;
        AppendReply reply = pending[slot].get(ASK_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (!(reply instanceof Appended appended)
                || appended.lastOffset() - appended.baseOffset() + 1 != recordsPerBatch) {
            throw new IllegalStateException("append of " + recordsPerBatch + " records answered with " + reply);
        }
        pending[slot] = append();
        oldest = slot + 1 == inFlight ? 0 : slot + 1;

        appendsThisIteration++;
        counter.records += recordsPerBatch;
        counter.bytes += template.remaining();
        long fsyncs = fsyncCount.fsyncs.get();
        counter.fsyncs += fsyncs - fsyncsCounted;
        fsyncsCounted = fsyncs;
        return appended.lastOffset();
    }

    /** Sends one append of a fresh copy of the template, validated as the Kafka handler validates it. */
    private CompletableFuture<AppendReply> append() {
        ByteBuffer request = ByteBuffer.allocate(template.remaining());
        request.put(template.duplicate()).flip();
        ValidBatches batches = BatchFormat.validate(request);
        Scheduler scheduler = system.scheduler();
        return AskPattern.<PartitionActor.Command, AppendReply>ask(partition,
                replyTo -> new PartitionActor.Append(batches, replyTo), ASK_TIMEOUT, scheduler).toCompletableFuture();
    }

    /** Counts the partition's fsyncs and the time they took; called on the writer's thread. */
    private static final class FsyncCount implements PartitionMetrics {
        final AtomicLong fsyncs = new AtomicLong();
        final AtomicLong nanos = new AtomicLong();

        @Override
        public void fsynced(PartitionId partition, long fsyncNanos) {
            fsyncs.incrementAndGet();
            nanos.addAndGet(fsyncNanos);
        }
    }
}
