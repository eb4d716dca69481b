package io.riverlog.streams;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.japi.function.Function;

import io.riverlog.actors.partition.PartitionActor;

/**
 * One step of a {@link PartitionSource}: turns its cursor into one read of the partition and the
 * reply into batches, or into a failure. Earliest and latest are resolved first from the
 * partition's state. The partition alone decides whether a read comes from its log, from its tail
 * buffer or waits at the tail; this class only continues at the offset the partition names.
 */
final class PartitionReader {
    private final ActorRef<PartitionActor.Command> partition;
    private final SourceOptions options;
    private final Scheduler scheduler;

    PartitionReader(ActorRef<PartitionActor.Command> partition, SourceOptions options, Scheduler scheduler) {
        this.partition = partition;
        this.options = options;
        this.scheduler = scheduler;
    }

    /**
     * The next read and the cursor after it; empty when the stream is finished. A failed read is an
     * outcome too (see {@link ReadOutcome}), after which the stream is finished.
     */
    CompletionStage<Optional<Pair<ReadCursor, ReadOutcome>>> next(ReadCursor cursor) {
        if (cursor.finished()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return resolve(cursor.next())
                .thenCompose(offset -> read(offset, cursor.mayWait() ? options.readWait() : Duration.ZERO))
                .thenApply(fetched -> Pair.create(cursor.after(fetched, options.follow()), ReadOutcome.of(fetched)))
                .exceptionally(failure -> Pair.create(cursor.finish(), ReadOutcome.failed(failure)))
                .thenApply(Optional::of);
    }

    private CompletionStage<Long> resolve(StartOffset start) {
        if (start instanceof StartOffset.At at) {
            return CompletableFuture.completedFuture(at.offset());
        }
        return this.<PartitionActor.PartitionState>ask(PartitionActor.GetState::new, options.askTimeout(),
                        "a request for its state")
                .thenApply(state -> {
                    if (!state.offsetsKnown()) {
                        throw new PartitionReadException("partition " + partitionName() + " cannot be read: its log is "
                                + (state.availability() == PartitionActor.Availability.OPENING ? "still opening"
                                : "not open"));
                    }
                    return start == StartOffset.Boundary.EARLIEST ? state.logStartOffset() : state.highWatermark();
                });
    }

    private CompletionStage<FetchedBatches> read(long offset, Duration wait) {
        return this.<PartitionActor.ReadReply>ask(
                        replyTo -> new PartitionActor.Read(offset, options.maxBytesPerRead(), wait, replyTo),
                        options.readTimeout(), "a read at offset " + offset)
                .thenCompose(reply -> fetched(offset, reply));
    }

    /**
     * Asks the partition; no answer in time (a stuck partition, or one that stopped) fails with a
     * {@link PartitionReadException} naming the partition and the request.
     */
    private <R> CompletionStage<R> ask(Function<ActorRef<R>, PartitionActor.Command> request, Duration timeout,
                                       String what) {
        return AskPattern.<PartitionActor.Command, R>ask(partition, request, timeout, scheduler)
                .exceptionallyCompose(failure -> CompletableFuture.failedFuture(new PartitionReadException(
                        "no answer from partition " + partitionName() + " to " + what + ": " + failure.getMessage(),
                        failure)));
    }

    private CompletionStage<FetchedBatches> fetched(long offset, PartitionActor.ReadReply reply) {
        if (reply instanceof PartitionActor.Records records) {
            String stuck = notAdvancing(offset, records);
            if (stuck != null) {
                return CompletableFuture.failedFuture(new PartitionReadException(stuck));
            }
            return CompletableFuture.completedFuture(new FetchedBatches(records.batches().asReadOnlyBuffer(), offset,
                    records.nextOffset(), records.highWatermark()));
        }
        if (reply instanceof PartitionActor.OutOfRange outOfRange) {
            return CompletableFuture.failedFuture(new ReadOffsetOutOfRangeException(partitionName(),
                    outOfRange.offset(), outOfRange.logStartOffset(), outOfRange.highWatermark()));
        }
        if (reply instanceof PartitionActor.DamagedData damaged) {
            return CompletableFuture.failedFuture(new DamagedDataReadException(partitionName(), offset,
                    damaged.damage()));
        }
        PartitionActor.ReadFailed failed = (PartitionActor.ReadFailed) reply;
        return CompletableFuture.failedFuture(new PartitionReadException(failed.message()));
    }

    /**
     * Why a reply would make the stream read the same place again, or null if it moves on. Batches
     * must end past the offset asked for; an empty reply is only right at the high watermark.
     * Failing here turns a fault of the partition into an error instead of a stream that loops.
     */
    private String notAdvancing(long offset, PartitionActor.Records records) {
        if (!records.isEmpty() && records.nextOffset() <= offset) {
            return "a read of partition " + partitionName() + " at offset " + offset + " returned batches that end at "
                    + records.nextOffset() + ", not past the offset asked for";
        }
        if (records.isEmpty() && offset < records.highWatermark()) {
            return "a read of partition " + partitionName() + " at offset " + offset
                    + " returned nothing although the high watermark is " + records.highWatermark();
        }
        return null;
    }

    private String partitionName() {
        return partition.path().name();
    }
}
