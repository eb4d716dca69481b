package io.riverlog.bench;

import java.io.IOException;
import java.nio.file.Files;
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
import io.riverlog.wal.LogFiles;
import io.riverlog.wal.PartitionLog;

/**
 * Time to open a {@value #LOG_BYTES}-byte log after an unclean stop, in the worst case: the last
 * fsync was right after the first batch, so recovery validates (length, magic, CRC32C, offsets)
 * every batch of the whole log, rebuilds its indexes and fsyncs it before the log opens.
 *
 * <p>The crashed log is made once per trial: written without a flush and its files copied while it
 * is still open, so the copy has no clean-shutdown marker and a recovery point at the first batch.
 * Every iteration opens a fresh copy of it. The copy's pages are in the page cache, as they would be
 * when a broker process dies and restarts on the same machine; {@code tailPages} says whether they are
 * {@code dirty} (not yet written to disk: recovery's final fsync writes the whole log, as right after
 * the crash) or {@code writtenBack} (already on disk: the figure is validation alone).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(1)
@State(Scope.Benchmark)
public class RecoveryBenchmark {
    static final long LOG_BYTES = 1L << 30;

    @Param({"1024", "65536"})
    public int batchBytes;

    @Param({"dirty", "writtenBack"})
    public String tailPages;

    private final LogConfig config = LogConfig.fromConfig(ConfigFactory.load());
    private Path crashed;
    private long expectedEndOffset;
    private Path dir;
    private PartitionLog opened;

    @Setup(Level.Trial)
    public void writeCrashedLog() throws IOException {
        Path live = BenchDirectories.create("recovery-live");
        try {
            crashed = BenchDirectories.create("recovery-crashed");
            try (PartitionLog log = PartitionLog.open(live, config, Clock.systemUTC())) {
                expectedEndOffset = LogFilling.append(log, LOG_BYTES, batchBytes, true);
                BenchDirectories.copyFiles(live, crashed);
            }
        } finally {
            BenchDirectories.delete(live);
        }
        if (Files.exists(crashed.resolve(LogFiles.CLEAN_SHUTDOWN))) {
            throw new IllegalStateException("the crashed copy has a clean-shutdown marker");
        }
    }

    @Setup(Level.Iteration)
    public void copyCrashedLog() throws IOException {
        dir = BenchDirectories.create("recovery");
        BenchDirectories.copyFiles(crashed, dir);
        if (tailPages.equals("writtenBack")) {
            BenchDirectories.fsyncAll(dir);
        }
    }

    @Benchmark
    public PartitionLog openAfterUncleanStop() throws IOException {
        opened = PartitionLog.open(dir, config, Clock.systemUTC());
        return opened;
    }

    @TearDown(Level.Iteration)
    public void checkAndDeleteCopy() throws IOException {
        try {
            if (opened != null && opened.logEndOffset() != expectedEndOffset) {
                throw new IllegalStateException("recovery ended the log at offset " + opened.logEndOffset()
                        + ", not " + expectedEndOffset);
            }
        } finally {
            PartitionLog closing = opened;
            opened = null;
            BenchDirectories.closeAndDelete(closing, dir);
        }
    }

    @TearDown(Level.Trial)
    public void deleteCrashedLog() throws IOException {
        BenchDirectories.delete(crashed);
    }
}
