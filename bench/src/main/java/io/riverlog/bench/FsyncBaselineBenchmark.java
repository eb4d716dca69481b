package io.riverlog.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The floor under {@link AppendFlushBenchmark} with {@code fsync=batch}: the same number of bytes
 * written at the end of a plain file and fsynced ({@code FileChannel.force(false)}) after every
 * write, without the log (no validation, no indexes, no recovery point). A new file starts every
 * {@value #FILE_BYTES} bytes, as a segment would, and the previous one is deleted. Whatever this
 * cannot reach on a machine, the log cannot either.
 */
@State(Scope.Benchmark)
public class FsyncBaselineBenchmark extends ThroughputBenchmark {
    static final long FILE_BYTES = 1L << 30;

    @Param({"1024", "65536"})
    public int batchBytes;

    private Path dir;
    private Path file;
    private FileChannel channel;
    private long position;
    private int files;
    private ByteBuffer bytes;

    @Setup(Level.Trial)
    public void createFile() throws IOException {
        dir = BenchDirectories.create("fsync-baseline");
        bytes = RecordBatches.ofSize(batchBytes, System.currentTimeMillis(), new SplittableRandom(42));
        startNewFile();
    }

    @TearDown(Level.Trial)
    public void deleteFiles() throws IOException {
        BenchDirectories.closeAndDelete(channel, dir);
    }

    @Benchmark
    public long writeAndFsync(ByteCounter counter) throws IOException {
        bytes.clear();
        while (bytes.hasRemaining()) {
            position += channel.write(bytes, position);
        }
        channel.force(false);
        if (position >= FILE_BYTES) {
            startNewFile();
        }
        counter.bytes += batchBytes;
        return position;
    }

    private void startNewFile() throws IOException {
        if (channel != null) {
            channel.close();
            Files.delete(file);
        }
        file = dir.resolve("file-" + files++);
        channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        position = 0;
    }
}
