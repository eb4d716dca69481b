package io.riverlog.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.BatchRecompression;
import io.riverlog.wal.ValidBatches;

/**
 * What a topic's compression.type costs the produce path when a producer's batch is in another
 * codec: each {@code recompress} is {@link BatchFormat#validate} and then
 * {@link BatchRecompression#inCodec} of one batch that a producer with {@code batch.size =}
 * {@value #BATCH_BYTES} filled with text-like values of {@value #VALUE_BYTES} bytes (JSON with
 * random numbers, which compresses as such data does), from codec {@code from} to codec {@code to}
 * at its default level. {@code validate} alone, the check every produced batch gets anyway, is the
 * baseline. The score is batches per second.
 */
@State(Scope.Benchmark)
public class BatchRecompressionBenchmark extends ThroughputBenchmark {
    /** Kafka producers' default batch.size, of uncompressed records. */
    static final int BATCH_BYTES = 16 * 1024;
    static final int VALUE_BYTES = 200;

    @Param({"none", "gzip"})
    public String from;

    @Param({"lz4", "zstd"})
    public String to;

    private ByteBuffer batch;
    private Compression target;

    @Setup(Level.Trial)
    public void buildBatch() {
        SplittableRandom random = new SplittableRandom(42);
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(BATCH_BYTES),
                Compression.of(from).build(), TimestampType.CREATE_TIME, 0L);
        Header[] noHeaders = new Header[0];
        long now = System.currentTimeMillis();
        int records = 0;
        // Records are counted uncompressed, as a producer fills a compressed batch up to its estimate.
        for (int bytes = 0; bytes + VALUE_BYTES < BATCH_BYTES; bytes += VALUE_BYTES) {
            builder.append(now, null, textValue(random), noHeaders);
            records++;
        }
        batch = builder.build().buffer();
        target = Compression.of(to).build();
        if (BatchRecompression.inCodec(validate(), target).recordCount() != records) {
            throw new IllegalStateException("the recompressed batch lost records");
        }
    }

    @Benchmark
    public ValidBatches recompress() {
        return BatchRecompression.inCodec(validate(), target);
    }

    @Benchmark
    public ValidBatches validate() {
        return BatchFormat.validate(batch.duplicate());
    }

    private static byte[] textValue(SplittableRandom random) {
        StringBuilder value = new StringBuilder(VALUE_BYTES);
        while (value.length() < VALUE_BYTES) {
            value.append("{\"user\":").append(random.nextInt(100_000)).append(",\"page\":\"/p/")
                    .append(random.nextInt(1_000)).append("\",\"ms\":").append(random.nextInt(5_000)).append('}');
        }
        return value.substring(0, VALUE_BYTES).getBytes(StandardCharsets.UTF_8);
    }
}
