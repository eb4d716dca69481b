package io.riverlog.actors.topics;

import java.util.concurrent.Executor;

import org.apache.pekko.actor.typed.javadsl.ActorContext;

import io.riverlog.actors.topics.TopicRegistry.ProducerIdBlock;
import io.riverlog.actors.topics.TopicRegistry.ReserveProducerIds;
import io.riverlog.wal.RecordLog;
import io.riverlog.wal.WriteOutcomeUnknownException;

/**
 * The blocks of producer ids the registry reserves, as Kafka's controller does: each reservation is
 * a {@link TopicEvent.ProducerIdsReserved} written to the metadata log and fsynced (on the
 * blocking-IO dispatcher) before it is answered, so that no id of the block is handed out unless the
 * block is durably reserved. Blocks start at the highest reservation in the log (0 in a new one):
 * after a restart, ids go on after every block ever reserved, whatever the clock says.
 *
 * <p>A reservation whose write failed is refused, and its block is not answered to anyone; the next
 * reservation may write the same block again, which is safe because none of its ids was handed out.
 * At most one reservation is written at a time, and never while a topic change is: the registry holds
 * the others in its stash. Used only on the registry's own thread.
 */
final class ProducerIdReservations {

    /** The reservation is durable: the block ends at {@code nextUnreserved}. */
    record Written(ReserveProducerIds request, long nextUnreserved) implements TopicRegistry.Command {
    }

    /** Writing the reservation failed. */
    record WriteFailed(ReserveProducerIds request, Throwable cause) implements TopicRegistry.Command {
    }

    private final ActorContext<TopicRegistry.Command> context;
    private final Executor blockingIo;
    private final RecordLog<TopicEvent> metadata;
    private final int blockSize;
    /** The first id not durably reserved: where the next block starts. */
    private long nextUnreserved;
    private ReserveProducerIds inFlight;

    ProducerIdReservations(ActorContext<TopicRegistry.Command> context, Executor blockingIo,
                           RecordLog<TopicEvent> metadata, int blockSize, long nextUnreserved) {
        this.context = context;
        this.blockingIo = blockingIo;
        this.metadata = metadata;
        this.blockSize = blockSize;
        this.nextUnreserved = nextUnreserved;
    }

    /** True if no reservation is being written. */
    boolean isEmpty() {
        return inFlight == null;
    }

    /**
     * Writes and fsyncs the reservation of the next block; then the registry hears {@link Written}
     * or {@link WriteFailed}.
     */
    void reserve(ReserveProducerIds request) {
        if (Long.MAX_VALUE - nextUnreserved < blockSize) {
            request.fail(TopicError.NOT_AVAILABLE, "every producer id up to " + nextUnreserved
                    + " was reserved; there are none left");
            return;
        }
        inFlight = request;
        TopicEvent.ProducerIdsReserved event = new TopicEvent.ProducerIdsReserved(nextUnreserved + blockSize);
        RecordLog<TopicEvent> log = metadata;
        context.pipeToSelf(BlockingIo.run(blockingIo, () -> log.append(event)),
                (end, failure) -> failure == null ? new Written(request, event.nextUnreserved())
                        : new WriteFailed(request, BlockingIo.cause(failure)));
    }

    /** The block is durable: it is the asker's, and the next one starts after it. */
    void written(Written written) {
        long firstId = nextUnreserved;
        nextUnreserved = written.nextUnreserved();
        inFlight = null;
        context.getLog().info("Reserved producer ids {} to {}", firstId, nextUnreserved - 1);
        written.request().replyTo().tell(new ProducerIdBlock(firstId, nextUnreserved));
    }

    /** The block is refused; none of its ids is handed out. */
    void failed(WriteFailed failed) {
        inFlight = null;
        boolean unknown = failed.cause() instanceof WriteOutcomeUnknownException;
        context.getLog().error("Reserving producer ids from {} failed{}: {}", nextUnreserved,
                unknown ? ", and cutting the metadata log back failed too" : "", failed.cause().getMessage());
        failed.request().fail(unknown ? TopicError.OUTCOME_UNKNOWN : TopicError.STORAGE_ERROR,
                "reserving producer ids failed; none was handed out: " + failed.cause().getMessage());
    }
}
