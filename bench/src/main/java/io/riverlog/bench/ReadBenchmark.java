package io.riverlog.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import com.typesafe.config.ConfigFactory;

import io.riverlog.wal.LogConfig;
import io.riverlog.wal.LogSlice;
import io.riverlog.wal.PartitionLog;

/**
 * Fetch-path throughput from the page cache: a consumer reading a {@value #LOG_BYTES}-byte log
 * from start to end, again and again. Each operation is one {@code read(offset, 1 MiB, no upper
 * bound)} copied into a reused direct buffer, continuing at the slice's next offset and wrapping
 * at the end. The primary score is reads/s; {@code megabytes} is MB/s read (see {@link ByteCounter}).
 */
@State(Scope.Benchmark)
public class ReadBenchmark extends ThroughputBenchmark {
    static final long LOG_BYTES = 256L << 20;
    static final int MAX_BYTES = 1 << 20;

    @Param({"1024", "65536"})
    public int batchBytes;

    private Path dir;
    private PartitionLog log;
    private ByteBuffer target;
    private long nextOffset;

    @Setup(Level.Trial)
    public void writeLog() throws IOException {
        dir = BenchDirectories.create("read");
        log = PartitionLog.open(dir, LogConfig.fromConfig(ConfigFactory.load()), Clock.systemUTC());
        LogFilling.append(log, LOG_BYTES, batchBytes, false);
        // Whole batches up to 1 MiB: a slice never exceeds MAX_BYTES while batches are smaller than it.
        target = ByteBuffer.allocateDirect(MAX_BYTES);
        nextOffset = log.logStartOffset();
    }

    @TearDown(Level.Trial)
    public void deleteLog() throws IOException {
        BenchDirectories.closeAndDelete(log, dir);
    }

    @Benchmark
    public long readNextMebibyte(ByteCounter counter) throws IOException {
        LogSlice slice = log.read(nextOffset, MAX_BYTES, Long.MAX_VALUE);
        if (slice.isEmpty()) {
            nextOffset = log.logStartOffset();
            slice = log.read(nextOffset, MAX_BYTES, Long.MAX_VALUE);
        }
        target.clear();
        slice.readInto(target);
        counter.bytes += slice.sizeInBytes();
        nextOffset = slice.nextOffset();
        return nextOffset;
    }
}
