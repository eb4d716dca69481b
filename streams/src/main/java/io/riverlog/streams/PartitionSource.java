package io.riverlog.streams;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.stream.WatchedActorTerminatedException;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.wal.LogRecord;

/**
 * A backpressured stream of one partition, from any offset: each downstream demand makes exactly
 * one read of the partition, so at most one read is in flight and a stream holds at most one
 * read's bytes, however slow its consumer. The partition serves each read from its log, from its
 * tail buffer, or waits at the tail for new records; the stream continues where each read ended
 * and never notices which it was.
 *
 * <p>The stream fails with {@link ReadOffsetOutOfRangeException} when an offset is not held (also
 * when retention deletes what a slow stream has not read yet), with {@link DamagedDataReadException}
 * when it reaches an offset in damaged data (the partition serves the records before it first), and
 * with {@link PartitionReadException} when the partition cannot read, stops, or does not answer a read
 * in time.
 */
public final class PartitionSource {

    private PartitionSource() {
    }

    /** Whole record batches as stored, each element one read; options from {@code riverlog.streams}. */
    public static Source<FetchedBatches, NotUsed> batches(ActorRef<PartitionActor.Command> partition, StartOffset from,
                                                          ActorSystem<?> system) {
        return batches(partition, from, SourceOptions.fromConfig(system.settings().config()), system);
    }

    /** Whole record batches as stored, each element one read. */
    public static Source<FetchedBatches, NotUsed> batches(ActorRef<PartitionActor.Command> partition, StartOffset from,
                                                          SourceOptions options, ActorSystem<?> system) {
        return reads(partition, from, options, system).mapConcat(read -> unlessEmpty(read.fetchedOrThrow()));
    }

    /** The records from {@code from} on, decoded; options from {@code riverlog.streams}. */
    public static Source<LogRecord, NotUsed> records(ActorRef<PartitionActor.Command> partition, StartOffset from,
                                                     ActorSystem<?> system) {
        return records(partition, from, SourceOptions.fromConfig(system.settings().config()), system);
    }

    /**
     * The records from {@code from} on, decoded (and decompressed) one read at a time: a read that
     * starts with a batch holding earlier offsets yields only the records at or after the offset.
     */
    public static Source<LogRecord, NotUsed> records(ActorRef<PartitionActor.Command> partition, StartOffset from,
                                                     SourceOptions options, ActorSystem<?> system) {
        return reads(partition, from, options, system).mapConcat(ReadOutcome::recordsOrThrow);
    }

    /**
     * As {@link #records(ActorRef, StartOffset, SourceOptions, ActorSystem)}, handed over once its first
     * read was answered (at once, even at the tail: that read does not wait). If that read fails, the
     * stage fails with the stream's exception instead (such as {@link DamagedDataReadException}), so
     * that a caller can refuse before it begins its answer. The source must be run soon: until it is,
     * it holds the first read's batches; left unrun for Pekko's subscription timeout, it is cancelled.
     */
    public static CompletionStage<Source<LogRecord, NotUsed>> recordsOnceStarted(
            ActorRef<PartitionActor.Command> partition, StartOffset from, SourceOptions options,
            ActorSystem<?> system) {
        return reads(partition, ReadCursor.answeredAtOnce(from), options, system)
                .prefixAndTail(1)
                .runWith(Sink.head(), system)
                .thenCompose(firstAndRest -> {
                    List<ReadOutcome> first = firstAndRest.first();
                    if (!first.isEmpty() && first.get(0).isFailure()) {
                        firstAndRest.second().runWith(Sink.cancelled(), system);
                        return CompletableFuture.failedFuture(first.get(0).failure());
                    }
                    return CompletableFuture.completedFuture(Source.from(first).concat(firstAndRest.second())
                            .mapConcat(ReadOutcome::recordsOrThrow));
                });
    }

    /**
     * One element per read, including reads that waited at the tail and found nothing new; a failed
     * read is the last element ({@link ReadOutcome}).
     */
    private static Source<ReadOutcome, NotUsed> reads(ActorRef<PartitionActor.Command> partition, StartOffset from,
                                                      SourceOptions options, ActorSystem<?> system) {
        return reads(partition, ReadCursor.startingAt(from), options, system);
    }

    private static Source<ReadOutcome, NotUsed> reads(ActorRef<PartitionActor.Command> partition, ReadCursor start,
                                                      SourceOptions options, ActorSystem<?> system) {
        PartitionReader reader = new PartitionReader(partition, options, system.scheduler());
        return Source.unfoldAsync(start, reader::next)
                // Without the watch, a stream of a stopped partition would learn it only from a read's timeout.
                .watch(Adapter.toClassic(partition))
                .mapError(WatchedActorTerminatedException.class,
                        stopped -> new PartitionReadException("partition " + partition.path().name() + " stopped"));
    }

    /**
     * An empty read is no element: the same demand reads again. (Not {@code filter}: it pulls one
     * element ahead of demand, which here would be a read nobody asked for.)
     */
    private static List<FetchedBatches> unlessEmpty(FetchedBatches fetched) {
        return fetched.isEmpty() ? List.of() : List.of(fetched);
    }
}
