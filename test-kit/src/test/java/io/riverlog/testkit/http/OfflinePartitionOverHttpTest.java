package io.riverlog.testkit.http;

import static io.riverlog.testkit.http.TopicEndpointsTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.wal.FaultInjectingChannels;

/**
 * A partition whose storage fails (an injected fsync error) is offline: produces and reads of it
 * over HTTP are answered 503 (saying which records of the request other partitions committed all
 * the same), its topic's description says it is offline, and the other partitions go on serving.
 * The produce caught in the failed fsync is answered that its outcome is unknown: the disk still
 * fails when the partition tries to cut its log back.
 */
class OfflinePartitionOverHttpTest {
    @TempDir
    Path dataDir;

    @Test
    void aPartitionWithFailedStorageIsAnswered503() {
        FaultInjectingChannels channels = new FaultInjectingChannels(dataDir.resolve("topics").resolve("fragile-1"));
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir,
                Map.of("riverlog.partition.storage-retry-interval", "100ms"), channels)) {
            HttpCalls http = new HttpCalls(broker.httpUrl());
            http.createTopic("fragile", 2);
            String one = "{\"records\":[{\"value\":\"kept\",\"partition\":0},{\"value\":\"kept\",\"partition\":1}]}";
            assertThat(http.postJson("/v1/topics/fragile/records", one).status()).isEqualTo(200);

            channels.failFsyncs();
            HttpCalls.Answer partly = http.postJson("/v1/topics/fragile/records",
                    "{\"records\":[{\"value\":\"lost\",\"partition\":1},{\"value\":\"also kept\",\"partition\":0}]}");
            assertError(partly, 503, "outcome_unknown");
            assertThat(partly.json().get("message").asText()).startsWith("outcome unknown");
            JsonNode places = partly.json().get("offsets");
            assertThat(places.get(0).get("partition").asInt()).isEqualTo(1);
            assertThat(places.get(0).get("offset").isNull()).as("no offset: not known to be appended").isTrue();
            assertThat(places.get(1).get("partition").asInt()).isZero();
            assertThat(places.get(1).get("offset").asLong()).as("the healthy partition's record is committed")
                    .isEqualTo(1);
            assertError(http.postJson("/v1/topics/fragile/records",
                    "{\"records\":[{\"value\":\"refused\",\"partition\":1}]}"), 503, "partition_offline");
            assertError(http.get("/v1/topics/fragile/partitions/1/records", "application/x-ndjson"), 503,
                    "partition_offline");

            JsonNode states = http.get("/v1/topics/fragile").json().get("partitionStates");
            assertThat(states.get(1).get("offline").asBoolean()).isTrue();
            assertThat(states.get(0).get("offline").asBoolean()).isFalse();
            assertThat(http.postJson("/v1/topics/fragile/records",
                    "{\"records\":[{\"value\":\"more\",\"partition\":0}]}").status())
                    .as("the healthy partition still serves").isEqualTo(200);
            assertThat(http.readAll("fragile", 0)).extracting(r -> r.get("value").asText())
                    .containsExactly("kept", "also kept", "more");
            channels.heal();
        }
    }
}
