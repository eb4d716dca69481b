package io.riverlog.testkit.http;

import static io.riverlog.testkit.http.TopicEndpointsTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

/** Producing over HTTP: JSON and streamed NDJSON bodies, what is stored, and every refusal. */
class ProduceEndpointTest {
    private static final int MAX_MESSAGE_BYTES = 64 * 1024;

    @RegisterExtension
    static final HttpBrokerExtension BROKER = new HttpBrokerExtension(Map.of(
            "riverlog.partition.max-message-bytes", MAX_MESSAGE_BYTES, "riverlog.http.ndjson-batch-records", 100));
    static final HttpCalls http = BROKER.http();


    @Test
    void recordsAreAnsweredWithTheirOffsetsAndStoredWithKeysValuesAndHeaders() {
        http.createTopic("produced", 4);
        byte[] binary = {(byte) 0xff, 0, (byte) 0xfe, 42};
        String body = "{\"records\":["
                + "{\"key\":\"user-1\",\"value\":\"first\",\"headers\":{\"source\":\"test\"}},"
                + "{\"key\":\"user-1\",\"value\":\"second\",\"headers\":[{\"key\":\"bin\",\"valueBase64\":\""
                + Base64.getEncoder().encodeToString(binary) + "\"}]},"
                + "{\"valueBase64\":\"" + Base64.getEncoder().encodeToString(binary) + "\",\"partition\":3,"
                + "\"timestamp\":1700000000000},"
                + "{\"value\":null,\"key\":\"tombstone\",\"partition\":3}"
                + "]}";
        HttpCalls.Answer answer = http.postJson("/v1/topics/produced/records", body);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode offsets = answer.json().get("offsets");
        assertThat(offsets).hasSize(4);
        int keyed = BuiltInPartitioner.partitionForKey("user-1".getBytes(StandardCharsets.UTF_8), 4);
        assertThat(offsets.get(0).get("partition").asInt()).as("the partition a Kafka client would choose")
                .isEqualTo(keyed);
        assertThat(offsets.get(1).get("partition").asInt()).isEqualTo(keyed);
        assertThat(offsets.get(1).get("offset").asLong()).isEqualTo(offsets.get(0).get("offset").asLong() + 1);
        assertThat(offsets.get(2).get("partition").asInt()).isEqualTo(3);
        assertThat(offsets.get(3).get("partition").asInt()).isEqualTo(3);

        List<JsonNode> keyedRecords = http.readAll("produced", keyed);
        JsonNode first = keyedRecords.get((int) offsets.get(0).get("offset").asLong());
        assertThat(first.get("topic").asText()).isEqualTo("produced");
        assertThat(first.get("key").asText()).isEqualTo("user-1");
        assertThat(first.get("value").asText()).isEqualTo("first");
        assertThat(first.get("headers").get(0).get("key").asText()).isEqualTo("source");
        assertThat(first.get("headers").get(0).get("value").asText()).isEqualTo("test");
        JsonNode second = keyedRecords.get((int) offsets.get(1).get("offset").asLong());
        assertThat(second.get("headers").get(0).get("value").isNull()).isTrue();
        assertThat(Base64.getDecoder().decode(second.get("headers").get(0).get("valueBase64").asText()))
                .isEqualTo(binary);

        List<JsonNode> third = http.readAll("produced", 3);
        JsonNode bytes = third.get((int) offsets.get(2).get("offset").asLong());
        assertThat(bytes.get("value").isNull()).as("not UTF-8: no text").isTrue();
        assertThat(Base64.getDecoder().decode(bytes.get("valueBase64").asText())).isEqualTo(binary);
        assertThat(bytes.get("timestamp").asLong()).isEqualTo(1_700_000_000_000L);
        assertThat(bytes.get("key").isNull()).isTrue();
        JsonNode tombstone = third.get((int) offsets.get(3).get("offset").asLong());
        assertThat(tombstone.get("value").isNull()).isTrue();
        assertThat(tombstone.has("valueBase64")).isFalse();
        assertThat(tombstone.get("key").asText()).isEqualTo("tombstone");
    }

    @Test
    void recordsThatDoNotFitOneBatchAreSplitIntoSeveralInOrder() {
        http.createTopic("split", 1);
        StringBuilder body = new StringBuilder("{\"records\":[");
        int count = 200;
        for (int i = 0; i < count; i++) {
            body.append(i == 0 ? "" : ",").append("{\"value\":\"").append(i).append(":").append("v".repeat(1000))
                    .append("\"}");
        }
        HttpCalls.Answer answer = http.postJson("/v1/topics/split/records", body.append("]}").toString());
        assertThat(answer.status()).as("200 KB in batches of at most 64 KiB").isEqualTo(200);
        List<JsonNode> stored = http.readAll("split", 0);
        assertThat(stored).hasSize(count);
        for (int i = 0; i < count; i++) {
            assertThat(answer.json().get("offsets").get(i).get("offset").asLong()).isEqualTo(i);
            assertThat(stored.get(i).get("value").asText()).startsWith(i + ":");
        }
    }

    @Test
    void anNdjsonBodyIsStreamedInGroupsAndSummarised() {
        http.createTopic("bulk", 2);
        StringBuilder lines = new StringBuilder();
        int count = 2_500;
        for (int i = 0; i < count; i++) {
            lines.append("{\"value\":\"line-").append(i).append("\",\"partition\":").append(i % 2).append("}\n");
            if (i % 1000 == 0) {
                lines.append('\n');
            }
        }
        HttpCalls.Answer answer = http.post("/v1/topics/bulk/records", "application/x-ndjson", lines.toString());
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.json().get("count").asLong()).isEqualTo(count);
        JsonNode partitions = answer.json().get("partitions");
        assertThat(partitions).hasSize(2);
        assertThat(partitions.get(0).get("count").asLong()).isEqualTo(count / 2);
        assertThat(partitions.get(0).get("firstOffset").asLong()).isZero();
        assertThat(partitions.get(0).get("lastOffset").asLong()).isEqualTo(count / 2 - 1);

        List<JsonNode> zero = http.readAll("bulk", 0);
        assertThat(zero).hasSize(count / 2);
        for (int i = 0; i < zero.size(); i++) {
            assertThat(zero.get(i).get("value").asText()).isEqualTo("line-" + (2 * i));
            assertThat(zero.get(i).get("offset").asLong()).isEqualTo(i);
        }
    }

    @Test
    void aBadNdjsonLineStopsTheProduceAndSaysWhatWasAppendedBeforeIt() {
        http.createTopic("halfway", 1);
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 350; i++) {
            lines.append("{\"value\":\"v").append(i).append("\"}\n");
        }
        lines.append("{this is not json\n");
        lines.append("{\"value\":\"never\"}\n");
        HttpCalls.Answer answer = http.post("/v1/topics/halfway/records", "application/x-ndjson", lines.toString());
        assertError(answer, 400, "bad_request");
        assertThat(answer.json().get("message").asText()).contains("line 351");
        long appended = answer.json().get("appended").get("count").asLong();
        assertThat(appended).isBetween(0L, 350L);
        List<JsonNode> stored = http.readAll("halfway", 0);
        assertThat(stored).as("exactly what the answer says was appended").hasSize((int) appended);
        for (int i = 0; i < stored.size(); i++) {
            assertThat(stored.get(i).get("value").asText()).isEqualTo("v" + i);
        }
    }

    @Test
    void refusedProducesAppendNothing() {
        http.createTopic("strict", 2);
        assertError(http.postJson("/v1/topics/absent/records", "{\"records\":[{\"value\":\"x\"}]}"),
                404, "unknown_topic");
        assertError(http.postJson("/v1/topics/strict/records",
                "{\"records\":[{\"value\":\"x\"},{\"value\":\"y\",\"partition\":2}]}"), 404, "unknown_partition");
        assertError(http.postJson("/v1/topics/strict/records", "{\"records\":[]}"), 400, "bad_request");
        assertError(http.postJson("/v1/topics/strict/records", "{\"records\":[{\"value\":5}]}"), 400, "bad_request");
        assertError(http.postJson("/v1/topics/strict/records", "{\"records\":[{\"valueBase64\":\"not base64!\"}]}"),
                400, "bad_request");
        assertError(http.postJson("/v1/topics/strict/records", "[1,2"), 400, "bad_request");
        assertError(http.postJson("/v1/topics/strict/records",
                "{\"records\":[{\"value\":\"" + "x".repeat(MAX_MESSAGE_BYTES) + "\"}]}"), 413, "too_large");
        assertError(http.postJson("/v1/topics/strict/records",
                "{\"records\":[{\"value\":\"" + "x".repeat(1_100_000) + "\"}]}"), 413, "too_large");
        assertError(http.post("/v1/topics/strict/records", "application/x-ndjson",
                "{\"value\":\"" + "x".repeat(1_100_000) + "\"}\n"), 413, "too_large");

        JsonNode states = http.get("/v1/topics/strict").json().get("partitionStates");
        assertThat(states.get(0).get("highWatermark").asLong()).isZero();
        assertThat(states.get(1).get("highWatermark").asLong()).isZero();
    }
}
