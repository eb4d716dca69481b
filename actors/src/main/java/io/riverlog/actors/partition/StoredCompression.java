package io.riverlog.actors.partition;

import java.util.Optional;

import org.apache.kafka.common.compress.Compression;

import io.riverlog.wal.BatchRecompression;
import io.riverlog.wal.ValidBatches;

/**
 * The codec a topic stores its batches in: Kafka's {@code compression.type} with the level of
 * {@code compression.gzip.level}, {@code .lz4.level} or {@code .zstd.level}. Empty for
 * {@code producer}, which keeps every batch as its producer compressed it.
 *
 * <p>Rebuilding a batch in another codec decompresses and compresses it, so the listeners
 * {@link #apply} it on their own threads before they append; the partition applies it once more,
 * which costs only a look at each batch's header unless the topic's compression changed in between.
 */
public record StoredCompression(Optional<Compression> codec) {
    /** Kafka's default: batches are kept as the producer compressed them. */
    public static final StoredCompression PRODUCER = new StoredCompression(Optional.empty());

    public static StoredCompression of(Compression codec) {
        return new StoredCompression(Optional.of(codec));
    }

    /** The batches as the topic stores them: the same instance if nothing needs rebuilding. */
    public ValidBatches apply(ValidBatches batches) {
        return codec.map(target -> BatchRecompression.inCodec(batches, target)).orElse(batches);
    }
}
