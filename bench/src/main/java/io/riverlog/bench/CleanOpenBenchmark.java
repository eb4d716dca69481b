package io.riverlog.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import com.typesafe.config.ConfigFactory;

import io.riverlog.wal.LogConfig;
import io.riverlog.wal.PartitionLog;

/**
 * Time to open a {@value #LOG_BYTES}-byte log that was closed cleanly: the indexes are loaded and
 * trusted, and only the batch headers after the last offset-index entry are walked. The log is
 * written and closed once per trial; each iteration opens it and closes it again (which leaves
 * the clean-shutdown marker for the next one).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(1)
@State(Scope.Benchmark)
public class CleanOpenBenchmark {
    static final long LOG_BYTES = 1L << 30;

    @Param({"1024", "65536"})
    public int batchBytes;

    private final LogConfig config = LogConfig.fromConfig(ConfigFactory.load());
    private Path dir;
    private long expectedEndOffset;
    private PartitionLog opened;

    @Setup(Level.Trial)
    public void writeAndCloseLog() throws IOException {
        dir = BenchDirectories.create("clean-open");
        try (PartitionLog log = PartitionLog.open(dir, config, Clock.systemUTC())) {
            expectedEndOffset = LogFilling.append(log, LOG_BYTES, batchBytes, false);
        }
    }

    @Benchmark
    public PartitionLog openAfterCleanClose() throws IOException {
        opened = PartitionLog.open(dir, config, Clock.systemUTC());
        return opened;
    }

    @TearDown(Level.Iteration)
    public void checkAndClose() throws IOException {
        try {
            if (opened != null && opened.logEndOffset() != expectedEndOffset) {
                throw new IllegalStateException("the log opened with end offset " + opened.logEndOffset()
                        + ", not " + expectedEndOffset);
            }
        } finally {
            if (opened != null) {
                opened.close();
            }
            opened = null;
        }
    }

    @TearDown(Level.Trial)
    public void deleteLog() throws IOException {
        BenchDirectories.delete(dir);
    }
}
