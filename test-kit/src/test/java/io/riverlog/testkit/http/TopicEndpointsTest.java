package io.riverlog.testkit.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

/** Health and readiness; creating, listing, describing and deleting topics over HTTP, and the errors of each. */
class TopicEndpointsTest {
    @RegisterExtension
    static final HttpBrokerExtension BROKER = new HttpBrokerExtension(Map.of());
    static final HttpCalls http = BROKER.http();

    @Test
    void aStartedBrokerIsAliveAndReadyAndAnswersUnknownPathsWithJson404() {
        HttpCalls.Answer health = http.get("/v1/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").asText()).isEqualTo("alive");
        HttpCalls.Answer ready = http.get("/v1/ready");
        assertThat(ready.status()).as(ready.body()).isEqualTo(200);
        assertThat(ready.json().get("status").asText()).isEqualTo("ready");
        assertError(http.get("/v1/nothing-here"), 404, "not_found");
        assertError(http.postJson("/v1/health", "{}"), 405, "method_not_allowed");
    }

    @Test
    void aCreatedTopicIsListedDescribedWithItsPartitionsAndDeleted() {
        HttpCalls.Answer created = http.postJson("/v1/topics",
                "{\"name\":\"orders\",\"partitions\":3,\"configs\":{\"retention.ms\":\"86400000\"}}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().get("partitions").asInt()).isEqualTo(3);
        assertThat(created.json().get("configs").get("retention.ms").asText()).isEqualTo("86400000");

        JsonNode listed = http.get("/v1/topics").json().get("topics");
        assertThat(listed.findValuesAsText("name")).contains("orders");

        http.postJson("/v1/topics/orders/records", "{\"records\":[{\"value\":\"a\",\"partition\":1},"
                + "{\"value\":\"b\",\"partition\":1}]}");
        HttpCalls.Answer described = http.get("/v1/topics/orders");
        assertThat(described.status()).isEqualTo(200);
        JsonNode states = described.json().get("partitionStates");
        assertThat(states).hasSize(3);
        assertThat(states.get(1).get("partition").asInt()).isEqualTo(1);
        assertThat(states.get(1).get("logStartOffset").asLong()).isZero();
        assertThat(states.get(1).get("highWatermark").asLong()).isEqualTo(2);
        assertThat(states.get(1).get("sizeBytes").asLong()).isPositive();
        assertThat(states.get(0).get("highWatermark").asLong()).isZero();
        assertThat(states.get(0).get("offline").asBoolean()).isFalse();

        HttpCalls.Answer deleted = http.delete("/v1/topics/orders");
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(http.get("/v1/topics/orders").status()).isEqualTo(404);
        assertThat(http.get("/v1/topics").json().get("topics").findValuesAsText("name")).doesNotContain("orders");
    }

    @Test
    void creatingAnExistingTopicIsAConflict() {
        assertThat(http.postJson("/v1/topics", "{\"name\":\"twice\"}").status()).isEqualTo(201);
        HttpCalls.Answer again = http.postJson("/v1/topics", "{\"name\":\"twice\",\"partitions\":2}");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("error").asText()).isEqualTo("topic_already_exists");
        assertThat(again.json().get("message").asText()).contains("twice");
    }

    @Test
    void badCreateRequestsAreRefusedWith400() {
        assertError(http.postJson("/v1/topics", "{not json"), 400, "bad_request");
        assertError(http.postJson("/v1/topics", "{\"partitions\":1}"), 400, "bad_request");
        assertError(http.postJson("/v1/topics", "{\"name\":\"bad/name\"}"), 400, "invalid_topic");
        assertError(http.postJson("/v1/topics", "{\"name\":\"zero\",\"partitions\":0}"), 400, "invalid_partitions");
        assertError(http.postJson("/v1/topics", "{\"name\":\"cfg\",\"configs\":{\"no.such.config\":\"1\"}}"), 400,
                "invalid_config");
        assertError(http.postJson("/v1/topics",
                "{\"name\":\"big\",\"configs\":{\"x\":\"" + "y".repeat(1_100_000) + "\"}}"), 413, "too_large");
    }

    @Test
    void unknownTopicsAre404() {
        assertError(http.get("/v1/topics/nowhere"), 404, "unknown_topic");
        assertError(http.delete("/v1/topics/nowhere"), 404, "unknown_topic");
    }

    static void assertError(HttpCalls.Answer answer, int status, String error) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        assertThat(answer.json().get("error").asText()).as(answer.body()).isEqualTo(error);
        assertThat(answer.json().get("message").asText()).isNotBlank();
    }
}
