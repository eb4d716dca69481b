package io.riverlog.testkit.http;

import static io.riverlog.testkit.http.TopicEndpointsTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.riverlog.testkit.Await;
import io.riverlog.testkit.EmbeddedBroker;

/**
 * A flipped bit in a sealed segment of a cleanly stopped broker, where opening the log checks no
 * CRC. Over HTTP its batch is never served: a read that starts in it is answered 503
 * {@code damaged_data} naming the file, the positions and the offsets; an NDJSON, SSE or WebSocket
 * stream that reaches it gets the records before it, then an error that says the same; the offsets
 * after it are served. {@code GET /v1/topics/{t}} lists the damage and {@code /metrics} counts it.
 * With the background scrub on, the damage is found without any read.
 */
class DamagedDataOverHttpTest {
    private static final String TOPIC = "rotten";
    private static final int BATCHES = 10;
    private static final int RECORDS_PER_BATCH = 3;
    private static final int SEGMENT_BYTES = 1024;
    private static final int BASE_OFFSET_BYTES = 8;
    private static final int LENGTH_BYTES = 4;
    /** The damaged batch: the second of the first, sealed, segment. */
    private static final int DAMAGED_BASE = RECORDS_PER_BATCH;
    private static final int DAMAGED_NEXT = 2 * RECORDS_PER_BATCH;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;

    @Test
    void damagedDataIsRefusedOverEveryHttpReadNamingTheFileAndPositionsAndTheRestIsServed() throws Exception {
        Path segment = writeStopAndFlip();
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir,
                Map.of("riverlog.partition.scrub-bytes-per-second", 0))) {
            HttpCalls http = new HttpCalls(broker.httpUrl());
            assertThat(damage(http)).as("no read and no scrub: not found yet").isEmpty();
            String describes = segment + " at positions [";
            String holds = "holding offsets [" + DAMAGED_BASE + ", " + DAMAGED_NEXT + "): CRC32C mismatch";

            HttpCalls.Answer refused = http.get(records(DAMAGED_BASE + 1), "application/x-ndjson");
            assertError(refused, 503, "damaged_data");
            assertThat(refused.json().get("message").asText()).contains(describes).contains(holds);

            List<String> lines = ndjsonLines(http, records(0));
            assertThat(lines).hasSize(DAMAGED_BASE + 1);
            assertThat(offsets(lines.subList(0, DAMAGED_BASE))).containsExactly(0L, 1L, 2L);
            JsonNode last = EventStream.parse(lines.get(DAMAGED_BASE));
            assertThat(last.get("error").asText()).isEqualTo("damaged_data");
            assertThat(last.get("message").asText()).contains(describes).contains(holds);
            assertThat(offsets(ndjsonLines(http, records(DAMAGED_NEXT)))).hasSize(BATCHES * RECORDS_PER_BATCH
                    - DAMAGED_NEXT).first().isEqualTo((long) DAMAGED_NEXT);

            try (EventStream events = EventStream.open(http, records(0), "text/event-stream")) {
                for (int offset = 0; offset < DAMAGED_BASE; offset++) {
                    assertThat(events.nextDataEvent().id()).isEqualTo(Integer.toString(offset));
                }
                EventStream.Event error = events.nextDataEvent();
                assertThat(error.type()).isEqualTo("error");
                assertThat(error.data().get("error").asText()).isEqualTo("damaged_data");
                assertThat(error.data().get("message").asText()).contains(describes).contains(holds);
            }
            try (WebSocketReader socket = WebSocketReader.open(http,
                    "/v1/topics/" + TOPIC + "/partitions/0/ws?offset=0")) {
                for (int offset = 0; offset < DAMAGED_BASE; offset++) {
                    assertThat(socket.next(TIMEOUT).get("offset").asLong()).isEqualTo(offset);
                }
                JsonNode error = socket.next(TIMEOUT);
                assertThat(error.get("error").asText()).isEqualTo("damaged_data");
                assertThat(error.get("message").asText()).contains(describes).contains(holds);
            }

            JsonNode listed = damage(http);
            assertThat(listed).hasSize(1);
            assertThat(listed.get(0).get("file").asText()).isEqualTo(segment.toString());
            assertThat(listed.get(0).get("baseOffset").asLong()).isEqualTo(DAMAGED_BASE);
            assertThat(listed.get(0).get("nextOffset").asLong()).isEqualTo(DAMAGED_NEXT);
            assertThat(listed.get(0).get("problem").asText()).isEqualTo("CRC32C mismatch");
            String counted = "riverlog_partition_damage_total{partition=\"0\",topic=\"" + TOPIC + "\"} 1.0";
            Await.until("the damage is counted", TIMEOUT, () -> http.get("/metrics").body().contains(counted));
        }
    }

    @Test
    void theBackgroundScrubFindsTheDamageWithoutAnyRead() throws Exception {
        Path segment = writeStopAndFlip();
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir, Map.of(
                "riverlog.partition.scrub-bytes-per-second", SEGMENT_BYTES,
                "riverlog.partition.scrub-interval", "50ms"))) {
            HttpCalls http = new HttpCalls(broker.httpUrl());
            Await.until("the scrub finds the damage", TIMEOUT, () -> damage(http).size() == 1);
            assertThat(damage(http).get(0).get("file").asText()).isEqualTo(segment.toString());
            // The partition counts the damage when its report reaches it, a moment after the log lists it.
            String counted = "riverlog_partition_damage_total{partition=\"0\",topic=\"" + TOPIC + "\"} 1.0";
            Await.until("the damage is counted", TIMEOUT, () -> http.get("/metrics").body().contains(counted));
            String metrics = http.get("/metrics").body();
            assertThat(metrics).containsPattern("riverlog_partition_scrubbed_bytes_total\\{topic=\"" + TOPIC
                    + "\"} [1-9]");
            assertThat(metrics).as("nothing was read for a reader")
                    .contains("riverlog_partition_read_bytes_total{from=\"log\",topic=\"" + TOPIC + "\"} 0.0");
        }
    }

    /** Writes the batches (one per produce) in small segments, stops the broker, flips a bit of the damaged batch. */
    private Path writeStopAndFlip() throws IOException {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir)) {
            HttpCalls http = new HttpCalls(broker.httpUrl());
            HttpCalls.Answer created = http.postJson("/v1/topics", "{\"name\":\"" + TOPIC + "\",\"partitions\":1,"
                    + "\"configs\":{\"segment.bytes\":\"" + SEGMENT_BYTES + "\"}}");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            for (int batch = 0; batch < BATCHES; batch++) {
                StringBuilder body = new StringBuilder("{\"records\":[");
                for (int i = 0; i < RECORDS_PER_BATCH; i++) {
                    body.append(i == 0 ? "" : ",").append("{\"value\":\"record ").append(batch * RECORDS_PER_BATCH + i)
                            .append("\"}");
                }
                assertThat(http.postJson("/v1/topics/" + TOPIC + "/records", body + "]}").status()).isEqualTo(200);
            }
        }
        Path partition = dataDir.resolve("topics").resolve(TOPIC + "-0");
        Path segment = partition.resolve("00000000000000000000.log");
        assertThat(segmentCount(partition)).as("the first segment is sealed").isGreaterThan(1);
        flipLastByteOfSecondBatch(segment);
        return segment;
    }

    private static long segmentCount(Path partition) throws IOException {
        try (var files = java.nio.file.Files.list(partition)) {
            return files.filter(f -> f.toString().endsWith(".log")).count();
        }
    }

    private static void flipLastByteOfSecondBatch(Path segment) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.seek(BASE_OFFSET_BYTES);
            long second = BASE_OFFSET_BYTES + LENGTH_BYTES + file.readInt();
            file.seek(second + BASE_OFFSET_BYTES);
            long end = second + BASE_OFFSET_BYTES + LENGTH_BYTES + file.readInt();
            file.seek(end - 1);
            int b = file.read();
            file.seek(end - 1);
            file.write(b ^ 1);
        }
    }

    private static String records(long offset) {
        return "/v1/topics/" + TOPIC + "/partitions/0/records?offset=" + offset + "&follow=false";
    }

    private static List<String> ndjsonLines(HttpCalls http, String path) {
        HttpCalls.Answer answer = http.get(path, "application/x-ndjson");
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.body().lines().filter(line -> !line.isBlank()).toList();
    }

    private static List<Long> offsets(List<String> lines) {
        List<Long> out = new ArrayList<>();
        for (String line : lines) {
            JsonNode record = EventStream.parse(line);
            assertThat(record.get("value").asText()).isEqualTo("record " + record.get("offset").asLong());
            out.add(record.get("offset").asLong());
        }
        return out;
    }

    private static JsonNode damage(HttpCalls http) {
        return http.get("/v1/topics/" + TOPIC).json().get("partitionStates").get(0).get("damage");
    }
}
