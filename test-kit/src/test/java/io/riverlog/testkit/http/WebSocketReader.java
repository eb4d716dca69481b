package io.riverlog.testkit.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A WebSocket client that takes one text frame at a time, only when asked: until {@link #next}
 * is called the client reads nothing more from the socket, so a reader that calls it slowly is a
 * slow consumer that the server must hold back (backpressure), not buffer for.
 */
final class WebSocketReader implements AutoCloseable {
    private static final Object CLOSED = new Object();

    private final BlockingQueue<Object> frames = new LinkedBlockingQueue<>();
    private final WebSocket socket;
    private final StringBuilder partial = new StringBuilder();

    private WebSocketReader(URI uri) {
        this.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(HttpCalls.TIMEOUT)
                .buildAsync(uri, new Listener()).join();
    }

    /** Connects to {@code ws://host:port/path} of the broker behind {@code http}. */
    static WebSocketReader open(HttpCalls http, String path) {
        return new WebSocketReader(URI.create(http.uri(path).toString().replaceFirst("^http", "ws")));
    }

    /** The next frame as JSON, asking the server for the one after; null once the server closed. */
    JsonNode next(Duration timeout) throws InterruptedException {
        Object frame = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (frame == null) {
            throw new AssertionError("no WebSocket frame within " + timeout);
        }
        if (frame == CLOSED) {
            return null;
        }
        socket.request(1);
        return EventStream.parse((String) frame);
    }

    @Override
    public void close() {
        socket.abort();
    }

    private final class Listener implements WebSocket.Listener {
        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                frames.add(partial.toString());
                partial.setLength(0);
            } else {
                webSocket.request(1);
            }
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            frames.add(CLOSED);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            frames.add(CLOSED);
        }
    }
}
