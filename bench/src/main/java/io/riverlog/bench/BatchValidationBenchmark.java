package io.riverlog.bench;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.apache.kafka.common.utils.internals.CloseableIterator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.ValidBatches;

/**
 * What checking one produced batch costs the produce path, without the append: each operation is
 * {@link BatchFormat#validate} of a batch filled the way a producer with {@code batch.size =}
 * {@value #BATCH_BYTES} fills one, with values of {@code valueBytes} random bytes, uncompressed or
 * compressed. The score is batches checked per second. For comparison, {@code recordIterator} walks
 * the same records the way Kafka's broker does when it validates them: the batch's own record
 * iterator, which builds an object per record (keys and values skipped when compressed). And
 * {@code validateSummarized} is the check a partition group's replica makes of a batch its leader
 * validated ({@link BatchFormat#validateSummarized}: framing, CRC32C and header, with the leader's
 * summary of the records).
 */
@State(Scope.Benchmark)
public class BatchValidationBenchmark extends ThroughputBenchmark {
    /** Kafka producers' default batch.size. */
    static final int BATCH_BYTES = 16 * 1024;

    @Param({"100", "1000"})
    public int valueBytes;

    @Param({"none", "lz4"})
    public String compression;

    private ByteBuffer batch;
    private List<BatchFormat.Summary> summaries;
    private final BufferSupplier buffers = BufferSupplier.create();

    @Setup(Level.Trial)
    public void buildBatch() {
        Compression codec = Compression.of(compression).build();
        batch = RecordBatches.filledAsProducer(BATCH_BYTES, valueBytes, System.currentTimeMillis(),
                new SplittableRandom(42), codec);
        summaries = BatchFormat.summaries(BatchFormat.validate(batch));
    }

    @Benchmark
    public ValidBatches validate() {
        return BatchFormat.validate(batch);
    }

    @Benchmark
    public ValidBatches validateSummarized() {
        return BatchFormat.validateSummarized(batch, summaries);
    }

    @Benchmark
    public long recordIterator() {
        MutableRecordBatch records = MemoryRecords.readableRecords(batch.duplicate()).batches().iterator().next();
        records.ensureValid();
        long maxTimestamp = -1;
        try (CloseableIterator<Record> it = records.skipKeyValueIterator(buffers)) {
            while (it.hasNext()) {
                maxTimestamp = Math.max(maxTimestamp, it.next().timestamp());
            }
        }
        return maxTimestamp;
    }
}
