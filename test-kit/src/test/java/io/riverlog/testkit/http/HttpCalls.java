package io.riverlog.testkit.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Plain HTTP requests to a broker's API over a real socket, with JSON answers parsed. */
public final class HttpCalls {
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final ObjectMapper JSON = new ObjectMapper();

    /** A status and its JSON body (null when the body is empty or not JSON). */
    public record Answer(int status, JsonNode json, String body) {
    }

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final Supplier<String> baseUrl;

    public HttpCalls(String baseUrl) {
        this(() -> baseUrl);
    }

    /** With the base URL looked up at each request (a broker started later). */
    HttpCalls(Supplier<String> baseUrl) {
        this.baseUrl = baseUrl;
    }

    HttpClient client() {
        return client;
    }

    URI uri(String path) {
        return URI.create(baseUrl.get() + path);
    }

    public Answer get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    public Answer get(String path, String accept) {
        return send(HttpRequest.newBuilder(uri(path)).header("Accept", accept).GET());
    }

    Answer delete(String path) {
        return send(HttpRequest.newBuilder(uri(path)).DELETE());
    }

    Answer post(String path, String contentType, String body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public Answer postJson(String path, String body) {
        return post(path, "application/json", body);
    }

    void createTopic(String name, int partitions) {
        Answer created = postJson("/v1/topics", "{\"name\":\"" + name + "\",\"partitions\":" + partitions + "}");
        if (created.status() != 201) {
            throw new AssertionError(
                    "creating topic " + name + " answered " + created.status() + ": " + created.body());
        }
    }

    /** Every record of a partition up to its high watermark, read as NDJSON. */
    java.util.List<JsonNode> readAll(String topic, int partition) {
        Answer answer = get(
                "/v1/topics/" + topic + "/partitions/" + partition + "/records?offset=earliest&follow=false",
                "application/x-ndjson");
        if (answer.status() != 200) {
            throw new AssertionError("reading " + topic + "-" + partition + " answered " + answer.status() + ": "
                    + answer.body());
        }
        java.util.List<JsonNode> out = new java.util.ArrayList<>();
        for (String line : answer.body().split("\n")) {
            if (!line.isBlank()) {
                out.add(parse(line));
            }
        }
        return out;
    }

    Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = client.send(request.timeout(TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), parse(response.body()), response.body());
        } catch (IOException e) {
            throw new AssertionError("request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static JsonNode parse(String body) {
        try {
            return body.isBlank() ? null : JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }
}
