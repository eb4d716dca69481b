package io.riverlog.testkit.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.riverlog.testkit.Await;
import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;

/**
 * What GET /metrics (and /v1/stats) report after real Kafka clients produced, consumed and
 * committed, and an HTTP client read the records back: records in per topic, records out (by Kafka
 * and by HTTP), fsyncs, request latencies, open connections, buffer bytes, consumer-group lag and
 * the JVM's heap.
 */
class MetricsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int RECORDS = 500;
    private static final int COMMITTED = 200;

    @TempDir
    Path dataDir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void scrapeCountsWhatKafkaClientsProducedAndConsumedAndTheLagOfACommittedGroup() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir)) {
            URI base = URI.create(broker.httpUrl());
            KafkaClients.createTopic(broker.bootstrapServers(), "metered", 1);
            TopicPartition partition = new TopicPartition("metered", 0);

            try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), Map.of())) {
                for (int i = 0; i < RECORDS; i++) {
                    producer.send(new ProducerRecord<>("metered", 0, null, ("m" + i).getBytes()));
                }
                producer.flush();

                PrometheusText whileConnected = scrape(base);
                assertThat(whileConnected.value("riverlog_kafka_connections")).hasValueSatisfying(
                        open -> assertThat(open).isGreaterThanOrEqualTo(1.0));
            }
            try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.groupConsumer(broker.bootstrapServers(),
                    "laggards", Map.of())) {
                List<ConsumerRecord<byte[], byte[]>> read = KafkaClients.readAll(broker.bootstrapServers(),
                        List.of(partition), RECORDS);
                assertThat(read).hasSize(RECORDS);
                consumer.assign(List.of(partition));
                consumer.commitSync(Map.of(partition, new OffsetAndMetadata(COMMITTED)));
            }

            URI everyRecord = base.resolve("/v1/topics/metered/partitions/0/records?offset=earliest&limit=" + RECORDS
                    + "&follow=false");
            HttpResponse<java.util.stream.Stream<String>> streamed = http.send(HttpRequest.newBuilder(everyRecord)
                    .header("Accept", "application/x-ndjson").build(), HttpResponse.BodyHandlers.ofLines());
            assertThat(streamed.statusCode()).isEqualTo(200);
            assertThat(streamed.body().filter(line -> !line.isBlank()).count()).isEqualTo(RECORDS);

            PrometheusText metrics = scrape(base);
            assertThat(metrics.value("riverlog_records_in_total", "topic=metered")).contains((double) RECORDS);
            assertThat(metrics.value("riverlog_bytes_in_total", "topic=metered")).hasValueSatisfying(
                    bytes -> assertThat(bytes).isGreaterThan(RECORDS * 2.0));
            assertThat(metrics.value("riverlog_records_out_total", "topic=metered", "via=kafka"))
                    .as("each record was fetched once").contains((double) RECORDS);
            assertThat(metrics.value("riverlog_bytes_out_total", "topic=metered", "via=kafka"))
                    .isEqualTo(metrics.value("riverlog_bytes_in_total", "topic=metered"));
            assertThat(metrics.value("riverlog_records_out_total", "topic=metered", "via=http"))
                    .as("each record was streamed once over HTTP").contains((double) RECORDS);
            assertThat(metrics.value("riverlog_bytes_out_total", "topic=metered", "via=http")).hasValueSatisfying(
                    bytes -> assertThat(bytes).isGreaterThanOrEqualTo(RECORDS * 2.0));
            assertThat(metrics.value("riverlog_partition_read_bytes_total", "topic=metered", "from=buffer"))
                    .hasValueSatisfying(bytes -> assertThat(bytes).isPositive());
            assertThat(metrics.value("riverlog_fsync_seconds_count")).hasValueSatisfying(
                    fsyncs -> assertThat(fsyncs).isPositive());
            assertThat(metrics.value("riverlog_fsync_seconds_bucket", "le=+Inf"))
                    .isEqualTo(metrics.value("riverlog_fsync_seconds_count"));
            assertThat(metrics.value("riverlog_fsync_seconds_bucket", "le=0.0025")).isPresent();
            assertThat(metrics.value("riverlog_kafka_request_seconds_count", "api=Produce")).hasValueSatisfying(
                    produces -> assertThat(produces).isPositive());
            assertThat(metrics.value("riverlog_kafka_request_seconds_count", "api=Fetch")).hasValueSatisfying(
                    fetches -> assertThat(fetches).isPositive());
            assertThat(metrics.value("riverlog_partition_buffer_bytes", "topic=metered", "partition=0"))
                    .hasValueSatisfying(bytes -> assertThat(bytes).isPositive());
            assertThat(metrics.value("riverlog_consumer_group_lag", "group=laggards", "topic=metered",
                    "partition=0")).contains((double) (RECORDS - COMMITTED));
            assertThat(metrics.value("jvm_memory_used_bytes", "area=heap")).hasValueSatisfying(
                    heap -> assertThat(heap).isPositive());

            HttpResponse<String> stats = http.send(HttpRequest.newBuilder(base.resolve("/v1/stats")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(stats.statusCode()).isEqualTo(200);
            JsonNode totals = new ObjectMapper().readTree(stats.body());
            assertThat(totals.get("recordsIn").asLong()).isEqualTo(RECORDS);
            assertThat(totals.get("recordsOut").asLong()).isEqualTo(2L * RECORDS);
            assertThat(totals.get("timestampMs").asLong()).isPositive();

            PrometheusText closed = scrapeUntil(base, m -> m.value("riverlog_kafka_connections").orElse(-1.0) == 0.0);
            assertThat(closed.value("riverlog_kafka_connections")).contains(0.0);
        }
    }

    @Test
    void scrapeIsInPrometheusTextFormat() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir)) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create(broker.httpUrl() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("text/plain").contains("version=0.0.4"));
            assertThat(response.body()).contains("# TYPE riverlog_kafka_connections gauge");
        }
    }

    private PrometheusText scrape(URI base) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return new PrometheusText(response.body());
    }

    /** Scrapes until {@code condition} holds (the broker notices closed connections asynchronously). */
    private PrometheusText scrapeUntil(URI base, Predicate<PrometheusText> condition) {
        AtomicReference<PrometheusText> last = new AtomicReference<>();
        Await.until("the scrape shows it", WAIT, () -> {
            last.set(scrapeUnchecked(base));
            return condition.test(last.get());
        }, () -> "; last scrape:\n" + last.get());
        return last.get();
    }

    private PrometheusText scrapeUnchecked(URI base) {
        try {
            return scrape(base);
        } catch (Exception e) {
            throw new AssertionError("scraping /metrics failed", e);
        }
    }
}
