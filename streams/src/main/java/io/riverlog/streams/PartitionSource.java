package io.riverlog.streams;

import java.util.List;

import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.stream.WatchedActorTerminatedException;
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
 * when retention deletes what a slow stream has not read yet), and with {@link PartitionReadException}
 * when the partition cannot read, stops, or does not answer a read in time.
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
        return reads(partition, from, options, system).mapConcat(PartitionSource::unlessEmpty);
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
        return reads(partition, from, options, system).mapConcat(FetchedBatches::records);
    }

    /** One element per read, including reads that waited at the tail and found nothing new. */
    private static Source<FetchedBatches, NotUsed> reads(ActorRef<PartitionActor.Command> partition, StartOffset from,
                                                         SourceOptions options, ActorSystem<?> system) {
        PartitionReader reader = new PartitionReader(partition, options, system.scheduler());
        return Source.unfoldAsync(ReadCursor.startingAt(from), reader::next)
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
