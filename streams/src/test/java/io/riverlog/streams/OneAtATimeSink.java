package io.riverlog.streams;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.Done;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * A consumer the test drives by hand: it holds one element at a time and asks for the next only
 * when the test releases the one it holds.
 */
final class OneAtATimeSink<T> {
    private record Held<T>(T element, CompletableFuture<Void> release) {
    }

    private final BlockingQueue<Held<T>> arrived = new LinkedBlockingQueue<>();
    private Held<T> held;

    Sink<T, CompletionStage<Done>> sink() {
        return Sink.foreachAsync(1, element -> {
            CompletableFuture<Void> release = new CompletableFuture<>();
            arrived.add(new Held<>(element, release));
            return release;
        });
    }

    /** Waits for the next element and holds it: the stream gets no demand until {@link #release()}. */
    T take(Duration timeout) throws InterruptedException {
        held = arrived.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (held == null) {
            throw new AssertionError("no element within " + timeout);
        }
        return held.element();
    }

    void release() {
        held.release().complete(null);
    }
}
