package io.riverlog.testkit.http;

import static io.riverlog.testkit.http.TopicEndpointsTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

/** Reading a partition over HTTP as Server-Sent Events and as NDJSON, over real sockets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RecordStreamEndpointTest {
    @RegisterExtension
    static final HttpBrokerExtension BROKER =
            new HttpBrokerExtension(Map.of("riverlog.http.heartbeat-interval", "300ms"));
    static final HttpCalls http = BROKER.http();

    static void produce(String topic, int first, int count) {
        StringBuilder body = new StringBuilder("{\"records\":[");
        for (int i = first; i < first + count; i++) {
            body.append(i == first ? "" : ",").append("{\"key\":\"k").append(i).append("\",\"value\":\"record-")
                    .append(i).append("\",\"partition\":0}");
        }
        HttpCalls.Answer answer = http.postJson("/v1/topics/" + topic + "/records", body.append("]}").toString());
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    }

    @Test
    void anSseClientReadsOffsets100To299WithMatchingIdsThenResumesWithLastEventId() {
        http.createTopic("events", 1);
        produce("events", 0, 300);
        try (EventStream sse = EventStream.open(http, "/v1/topics/events/partitions/0/records?offset=100",
                "text/event-stream")) {
            assertThat(sse.status()).isEqualTo(200);
            for (long offset = 100; offset < 300; offset++) {
                EventStream.Event event = sse.nextDataEvent();
                assertThat(event.id()).isEqualTo(Long.toString(offset));
                assertThat(event.data().get("offset").asLong()).isEqualTo(offset);
                assertThat(event.data().get("topic").asText()).isEqualTo("events");
                assertThat(event.data().get("partition").asInt()).isZero();
                assertThat(event.data().get("key").asText()).isEqualTo("k" + offset);
                assertThat(event.data().get("value").asText()).isEqualTo("record-" + offset);
                assertThat(event.data().get("timestamp").asLong()).isPositive();
                assertThat(event.data().get("headers").isArray()).isTrue();
            }
            // Caught up and following the tail: an idle stream gets heartbeats (comment lines).
            EventStream.Event idle = sse.nextEvent();
            assertThat(idle.comment()).isEqualTo("heartbeat");
        }
        produce("events", 300, 50);
        // Last-Event-ID wins over the offset: the stream resumes after the last event seen.
        try (EventStream resumed = EventStream.open(http, "/v1/topics/events/partitions/0/records?offset=0",
                "text/event-stream", "Last-Event-ID", "299")) {
            for (long offset = 300; offset < 350; offset++) {
                EventStream.Event event = resumed.nextDataEvent();
                assertThat(event.id()).isEqualTo(Long.toString(offset));
                assertThat(event.data().get("value").asText()).isEqualTo("record-" + offset);
            }
            produce("events", 350, 1);
            assertThat(resumed.nextDataEvent().id()).as("a record committed while following").isEqualTo("350");
        }
    }

    @Test
    void ndjsonStopsAtTheHighWatermarkByDefaultAndHonoursLimitAndFollow() {
        http.createTopic("lines", 1);
        produce("lines", 0, 20);
        try (EventStream ndjson = EventStream.open(http, "/v1/topics/lines/partitions/0/records?offset=5&limit=3",
                "application/x-ndjson")) {
            for (long offset = 5; offset < 8; offset++) {
                assertThat(EventStream.parse(ndjson.nextLine()).get("offset").asLong()).isEqualTo(offset);
            }
            assertThat(ndjson.nextLine()).as("the limit ends the stream").isNull();
        }
        assertThat(http.readAll("lines", 0)).hasSize(20);
        HttpCalls.Answer latest =
                http.get("/v1/topics/lines/partitions/0/records?offset=latest", "application/x-ndjson");
        assertThat(latest.status()).isEqualTo(200);
        assertThat(latest.body()).as("nothing after the high watermark, and no waiting").isEmpty();

        try (EventStream following = EventStream.open(http,
                "/v1/topics/lines/partitions/0/records?offset=latest&follow=true", "application/x-ndjson")) {
            produce("lines", 20, 1);
            assertThat(EventStream.parse(following.nextLine()).get("offset").asLong()).isEqualTo(20);
        }
    }

    @Test
    void aWebSocketSendsOneRecordPerTextFrameFollowsTheTailAndClosesAtTheLimit() throws Exception {
        http.createTopic("socket", 1);
        produce("socket", 0, 5);
        try (WebSocketReader socket =
                     WebSocketReader.open(http, "/v1/topics/socket/partitions/0/ws?offset=2&limit=6")) {
            for (long offset = 2; offset < 5; offset++) {
                JsonNode frame = socket.next(HttpCalls.TIMEOUT);
                assertThat(frame.get("offset").asLong()).isEqualTo(offset);
                assertThat(frame.get("value").asText()).isEqualTo("record-" + offset);
            }
            produce("socket", 5, 5);
            for (long offset = 5; offset < 8; offset++) {
                assertThat(socket.next(HttpCalls.TIMEOUT).get("offset").asLong()).isEqualTo(offset);
            }
            assertThat(socket.next(HttpCalls.TIMEOUT)).as("closed after the limit").isNull();
        }
    }

    @Test
    void badReadRequestsAreAnsweredWithJsonErrors() {
        http.createTopic("checked", 1);
        produce("checked", 0, 10);
        String base = "/v1/topics/checked/partitions/0/records";
        assertError(http.get(base + "?offset=soon", "application/x-ndjson"), 400, "bad_request");
        assertError(http.get(base + "?offset=-3", "application/x-ndjson"), 400, "bad_request");
        assertError(http.get(base + "?offset=11", "application/x-ndjson"), 400, "offset_out_of_range");
        assertError(http.get(base + "?limit=0", "application/x-ndjson"), 400, "bad_request");
        assertError(http.get(base + "?follow=maybe", "text/event-stream"), 400, "bad_request");
        HttpCalls.Answer badResume = http.send(java.net.http.HttpRequest.newBuilder(http.uri(base))
                .header("Accept", "text/event-stream").header("Last-Event-ID", "yesterday").GET());
        assertError(badResume, 400, "bad_request");
        assertError(http.get("/v1/topics/nothing/partitions/0/records", "text/event-stream"), 404, "unknown_topic");
        assertError(http.get("/v1/topics/checked/partitions/4/records", "text/event-stream"), 404, "unknown_partition");
        assertError(http.get("/v1/topics/checked/partitions/4/ws"), 404, "unknown_partition");
        assertError(http.get("/v1/topics/checked/partitions/0/ws?offset=99"), 400, "offset_out_of_range");
    }
}
