package io.riverlog.testkit.http;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A Server-Sent Events or NDJSON stream read line by line as it arrives, over a real socket.
 * Closing it closes the connection.
 */
public final class EventStream implements AutoCloseable {
    /** One event: its id and its data as JSON, or a comment line (a heartbeat) with no data. */
    record Event(String id, String type, JsonNode data, String comment) {
    }

    private final int status;
    private final Stream<String> lines;
    private final Iterator<String> iterator;

    private EventStream(HttpResponse<Stream<String>> response) {
        this.status = response.statusCode();
        this.lines = response.body();
        this.iterator = lines.iterator();
    }

    static EventStream open(HttpCalls http, String path, String accept, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(http.uri(path)).header("Accept", accept).GET();
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return new EventStream(http.client().send(request.build(), HttpResponse.BodyHandlers.ofLines()));
        } catch (IOException e) {
            throw new AssertionError("request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    int status() {
        return status;
    }

    /** The next line, or null at the end of the stream. */
    String nextLine() {
        return iterator.hasNext() ? iterator.next() : null;
    }

    /** The next SSE event or comment; null at the end of the stream. */
    Event nextEvent() {
        String id = null;
        String type = null;
        String data = null;
        String line;
        while ((line = nextLine()) != null) {
            if (line.isEmpty()) {
                if (data != null) {
                    return new Event(id, type, parse(data), null);
                }
                continue;
            }
            if (line.startsWith(":")) {
                return new Event(null, null, null, line.substring(1).trim());
            }
            if (line.startsWith("id: ")) {
                id = line.substring(4);
            } else if (line.startsWith("event: ")) {
                type = line.substring(7);
            } else if (line.startsWith("data: ")) {
                data = line.substring(6);
            }
        }
        return null;
    }

    /** The next SSE event with data, skipping heartbeats. */
    Event nextDataEvent() {
        Event event;
        do {
            event = nextEvent();
        } while (event != null && event.data() == null);
        return event;
    }

    public static JsonNode parse(String json) {
        try {
            return HttpCalls.JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    @Override
    public void close() {
        lines.close();
    }
}
