package io.riverlog.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.SplittableRandom;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import com.typesafe.config.ConfigFactory;

import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogConfig;
import io.riverlog.wal.PartitionLog;

/**
 * Produce-path throughput of one partition: each operation validates one record batch of
 * {@code batchBytes} bytes (as the broker must, CRC32C included), appends it, and flushes as the
 * {@code fsync} policy says. One writer thread, as in the broker. The primary score is appends/s;
 * the {@code megabytes} counter is MB/s of batches appended (see {@link ByteCounter}).
 *
 * <p>The log uses the default settings from wal-io's reference.conf (1 GiB segments), except retention:
 * it keeps {@value #RETENTION_BYTES} bytes so that disk use stays bounded however fast appends run.
 */
@State(Scope.Benchmark)
public class AppendFlushBenchmark extends ThroughputBenchmark {
    static final long RETENTION_BYTES = 2L << 30;
    /** The active segment plus what retention keeps; one more means a segment can go. */
    private static final int SEGMENTS_BEFORE_RETENTION = 3;

    @Param({"1024", "65536"})
    public int batchBytes;

    @Param({"batch", "interval", "os"})
    public FlushSchedule fsync;

    private Path dir;
    private PartitionLog log;
    private ByteBuffer template;
    private ByteBuffer request;
    private long lastFlushNanos;

    @Setup(Level.Trial)
    public void openEmptyLog() throws IOException {
        LogConfig defaults = LogConfig.fromConfig(ConfigFactory.load());
        // Deleted segments are closed (their disk space freed) at the next retention pass, not a minute later.
        LogConfig config = new LogConfig(defaults.segmentBytes(), defaults.indexIntervalBytes(), RETENTION_BYTES,
                -1, 0, defaults.recoveryReadBytes());
        dir = BenchDirectories.create("append");
        log = PartitionLog.open(dir, config, Clock.systemUTC());
        template = RecordBatches.ofSize(batchBytes, System.currentTimeMillis(), new SplittableRandom(42));
        request = ByteBuffer.allocate(batchBytes);
        lastFlushNanos = System.nanoTime();
    }

    @TearDown(Level.Trial)
    public void deleteLog() throws IOException {
        BenchDirectories.closeAndDelete(log, dir);
    }

    @Benchmark
    public long appendAndFlushByPolicy(ByteCounter counter) throws IOException {
        // A produce request arrives in a buffer of its own; the log patches offsets into it.
        request.clear();
        request.put(template.duplicate()).flip();
        long next = log.append(BatchFormat.validate(request)).logEndOffset();
        long now = System.nanoTime();
        if (fsync.flushDue(now, lastFlushNanos)) {
            log.flush();
            lastFlushNanos = now;
        }
        if (log.segmentCount() > SEGMENTS_BEFORE_RETENTION) {
            log.enforceRetention();
        }
        counter.bytes += batchBytes;
        return next;
    }
}
