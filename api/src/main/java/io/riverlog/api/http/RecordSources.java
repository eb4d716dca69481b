package io.riverlog.api.http;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Source;

import io.riverlog.actors.partition.PartitionId;
import io.riverlog.streams.DamagedDataReadException;
import io.riverlog.streams.PartitionReadException;
import io.riverlog.streams.PartitionSource;
import io.riverlog.streams.ReadOffsetOutOfRangeException;
import io.riverlog.streams.SourceOptions;
import io.riverlog.streams.StartOffset;
import io.riverlog.wal.LogRecord;

/**
 * The records of a partition for an HTTP or WebSocket reader: a {@link PartitionSource} from the
 * checked start, following the tail or not, cut at the limit. It reads one batch at a time as its
 * reader takes records, so a slow reader slows it and the broker holds at most one read per stream.
 * The partition is looked up, the start checked and the first read made before the answer begins,
 * so an unknown partition, a bad offset or damaged data at the start is an HTTP error (404, 400,
 * 503 {@code damaged_data}), not a broken stream.
 */
final class RecordSources {
    private final Partitions partitions;
    private final SourceOptions options;
    private final ActorSystem<?> system;
    private final StreamMetrics metrics;

    RecordSources(Partitions partitions, SourceOptions options, ActorSystem<?> system, StreamMetrics metrics) {
        this.partitions = partitions;
        this.options = options;
        this.system = system;
        this.metrics = metrics;
    }

    CompletionStage<Source<LogRecord, NotUsed>> open(PartitionId id, ReadStart start) {
        return partitions.actor(id).thenCompose(actor -> partitions.onlineState(id).thenCompose(state -> {
            long from = start.resolve(state);
            return PartitionSource.recordsOnceStarted(actor, StartOffset.at(from), options.withFollow(start.follow()),
                    system).exceptionallyCompose(RecordSources::refusal);
        }).thenApply(records -> {
            Source<LogRecord, NotUsed> limited = start.limit().isPresent()
                    ? records.take(start.limit().getAsLong()) : records;
            return limited.map(record -> {
                metrics.streamed(id.topic(), lengthOf(record.key()) + lengthOf(record.value()));
                return record;
            });
        }));
    }

    /** The HTTP error for a stream whose first read failed. */
    private static <T> CompletionStage<T> refusal(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        ApiException refused;
        if (cause instanceof DamagedDataReadException damaged) {
            refused = ApiException.damagedData(damaged.getMessage());
        } else if (cause instanceof ReadOffsetOutOfRangeException outOfRange) {
            refused = ApiException.offsetOutOfRange(outOfRange.getMessage());
        } else if (cause instanceof PartitionReadException unreadable) {
            refused = ApiException.unavailable(unreadable.getMessage());
        } else {
            return CompletableFuture.failedFuture(cause);
        }
        return CompletableFuture.failedFuture(refused);
    }

    private static int lengthOf(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }
}
