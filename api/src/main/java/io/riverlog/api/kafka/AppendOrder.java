package io.riverlog.api.kafka;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Keeps the appends of one connection's produce requests in the order the requests came. Requests
 * of a connection are handled concurrently, and preparing one (looking up topic ids and partition
 * actors) may take an ask; without this a later request could reach a partition first, which an
 * idempotent producer sees as an out-of-order sequence. One per connection.
 */
public final class AppendOrder {
    private CompletableFuture<?> last = CompletableFuture.completedFuture(null);

    /**
     * Calls {@code send} with what {@code ready} yields, once it has and once the previous call's
     * {@code send} has run (whether that one succeeded or not).
     */
    public synchronized <T, R> CompletableFuture<R> after(CompletionStage<T> ready, Function<T, R> send) {
        CompletableFuture<R> next = last.handle((previous, error) -> null)
                .thenCombine(ready, (ignored, value) -> send.apply(value));
        last = next;
        return next;
    }
}
