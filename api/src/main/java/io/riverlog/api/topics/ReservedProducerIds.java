package io.riverlog.api.topics;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import io.riverlog.actors.topics.TopicRegistry;

/**
 * The producer ids of this broker, handed out one at a time from the block the topic registry last
 * reserved durably ({@link TopicRegistry.ReserveProducerIds}). When the block is used up, the next
 * caller asks for another, and callers that come meanwhile wait for the same one. An id is handed
 * out only from a block whose reservation was answered, so none is ever handed out twice, across
 * restarts too; the rest of a block unused at a restart is skipped. A reservation that is refused
 * or not answered in time fails its waiting callers with {@link ProducerIdsUnavailable}, and the next
 * call asks again.
 *
 * <p>Thread-safe: handlers call it from any thread.
 */
public final class ReservedProducerIds {

    /** No producer id can be handed out now: the reservation of a block failed. */
    public static final class ProducerIdsUnavailable extends RuntimeException {
        ProducerIdsUnavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Supplier<CompletionStage<TopicRegistry.ProducerIdsReply>> reserve;
    private long next;
    private long end;
    /** The reservation under way, completed once its block is in {@link #next}..{@link #end}; null if none. */
    private CompletableFuture<Void> reserving;

    /** Ids reserved by asking {@code topics}' registry. */
    public ReservedProducerIds(BrokerTopics topics) {
        this(topics::reserveProducerIds);
    }

    /** Ids from the blocks that {@code reserve} answers. */
    public ReservedProducerIds(Supplier<CompletionStage<TopicRegistry.ProducerIdsReply>> reserve) {
        this.reserve = reserve;
    }

    /** The next id, at once if the current block has one, else once the next block is reserved. */
    public CompletionStage<Long> next() {
        CompletableFuture<Void> reservation;
        boolean start = false;
        synchronized (this) {
            if (next < end) {
                return CompletableFuture.completedFuture(next++);
            }
            if (reserving == null) {
                reserving = new CompletableFuture<>();
                start = true;
            }
            reservation = reserving;
        }
        if (start) {
            reserve(reservation);
        }
        return reservation.thenCompose(reserved -> next());
    }

    private void reserve(CompletableFuture<Void> reservation) {
        CompletionStage<TopicRegistry.ProducerIdsReply> reply;
        try {
            reply = reserve.get();
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        reply.whenComplete((answer, failure) -> {
            RuntimeException unavailable = null;
            synchronized (this) {
                reserving = null;
                if (answer instanceof TopicRegistry.ProducerIdBlock block) {
                    next = block.firstId();
                    end = block.endId();
                } else if (answer instanceof TopicRegistry.ProducerIdsRefused refused) {
                    unavailable = new ProducerIdsUnavailable("reserving producer ids was refused ("
                            + refused.error() + "): " + refused.message(), null);
                } else {
                    unavailable = new ProducerIdsUnavailable("reserving producer ids failed: " + failure, failure);
                }
            }
            if (unavailable == null) {
                reservation.complete(null);
            } else {
                reservation.completeExceptionally(unavailable);
            }
        });
    }
}
