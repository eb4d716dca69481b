package io.riverlog.testkit.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.EmbeddedBroker;

/** Health and readiness over a real socket, and errors of unknown paths as JSON. */
class HealthEndpointsTest {
    @TempDir
    Path dataDir;

    @Test
    void aStartedBrokerIsAliveAndReadyAndAnswersUnknownPathsWithJson404() {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir)) {
            HttpCalls http = new HttpCalls(broker.httpUrl());
            HttpCalls.Answer health = http.get("/v1/health");
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.json().get("status").asText()).isEqualTo("alive");

            HttpCalls.Answer ready = http.get("/v1/ready");
            assertThat(ready.status()).as(ready.body()).isEqualTo(200);
            assertThat(ready.json().get("status").asText()).isEqualTo("ready");

            HttpCalls.Answer missing = http.get("/v1/nothing-here");
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.json().get("error").asText()).isEqualTo("not_found");
            assertThat(missing.json().get("message").asText()).isNotBlank();

            HttpCalls.Answer wrongMethod = http.postJson("/v1/health", "{}");
            assertThat(wrongMethod.status()).isEqualTo(405);
            assertThat(wrongMethod.json().get("error").asText()).isEqualTo("method_not_allowed");
        }
    }
}
