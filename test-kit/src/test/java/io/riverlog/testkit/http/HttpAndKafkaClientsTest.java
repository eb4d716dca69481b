package io.riverlog.testkit.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.riverlog.testkit.KafkaClients;

/**
 * The same records seen from both sides: what a kafka-clients producer wrote is read over HTTP,
 * and what was produced over HTTP is read by a kafka-clients consumer, with identical bytes, keys,
 * headers, timestamps and offsets.
 */
class HttpAndKafkaClientsTest {
    private static final int RECORDS = 60;

    @RegisterExtension
    static final HttpBrokerExtension BROKER = new HttpBrokerExtension(Map.of());
    static final HttpCalls http = BROKER.http();

    /** Record {@code i}: a text key (or none), a value that is UTF-8 text or not, and two headers. */
    private static byte[] key(int i) {
        return i % 5 == 0 ? null : ("key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] value(int i) {
        return i % 2 == 0 ? ("value " + i + " ✓").getBytes(StandardCharsets.UTF_8)
                : new byte[] {(byte) 0xc3, (byte) 0x28, (byte) i, 0, (byte) 0xff};
    }

    private static List<Header> headers(int i) {
        return List.of(new RecordHeader("index", Integer.toString(i).getBytes(StandardCharsets.UTF_8)),
                new RecordHeader("raw", i % 3 == 0 ? null : new byte[] {(byte) 0x80, (byte) i}));
    }

    @Test
    void recordsProducedOverKafkaAreReadOverHttp() throws Exception {
        http.createTopic("from-kafka", 2);
        List<RecordMetadata> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer =
                     KafkaClients.producer(BROKER.broker().bootstrapServers(), Map.of())) {
            for (int i = 0; i < RECORDS; i++) {
                sent.add(producer.send(new ProducerRecord<>("from-kafka", i % 2, null, key(i), value(i), headers(i)))
                        .get(KafkaClients.TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            }
        }
        List<List<JsonNode>> read = List.of(http.readAll("from-kafka", 0), http.readAll("from-kafka", 1));
        assertThat(read.get(0)).hasSize(RECORDS / 2);
        assertThat(read.get(1)).hasSize(RECORDS / 2);
        for (int i = 0; i < RECORDS; i++) {
            RecordMetadata metadata = sent.get(i);
            JsonNode record = read.get(metadata.partition()).get((int) metadata.offset());
            assertThat(record.get("offset").asLong()).isEqualTo(metadata.offset());
            assertThat(record.get("timestamp").asLong()).isEqualTo(metadata.timestamp());
            assertThat(bytes(record, "key")).isEqualTo(key(i));
            assertThat(bytes(record, "value")).isEqualTo(value(i));
            assertThat(record.has("valueBase64")).as("base64 only for bytes that are not UTF-8").isEqualTo(i % 2 == 1);
            JsonNode headers = record.get("headers");
            assertThat(headers).hasSize(2);
            for (int h = 0; h < 2; h++) {
                assertThat(headers.get(h).get("key").asText()).isEqualTo(headers(i).get(h).key());
                assertThat(bytes(headers.get(h), "value")).isEqualTo(headers(i).get(h).value());
            }
        }
    }

    @Test
    void recordsProducedOverHttpAreReadByAKafkaConsumer() {
        http.createTopic("from-http", 3);
        ObjectNode body = HttpCalls.JSON.createObjectNode();
        ArrayNode records = body.putArray("records");
        for (int i = 0; i < RECORDS; i++) {
            ObjectNode record = records.addObject();
            if (key(i) != null) {
                record.put("keyBase64", Base64.getEncoder().encodeToString(key(i)));
            }
            record.put("valueBase64", Base64.getEncoder().encodeToString(value(i)));
            record.put("timestamp", 1_600_000_000_000L + i);
            ArrayNode headers = record.putArray("headers");
            for (Header header : headers(i)) {
                ObjectNode h = headers.addObject().put("key", header.key());
                if (header.value() != null) {
                    h.put("valueBase64", Base64.getEncoder().encodeToString(header.value()));
                }
            }
        }
        HttpCalls.Answer answer = http.postJson("/v1/topics/from-http/records", body.toString());
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode offsets = answer.json().get("offsets");

        List<ConsumerRecord<byte[], byte[]>> consumed = KafkaClients.readAll(BROKER.broker().bootstrapServers(),
                KafkaClients.partitions("from-http", 3), RECORDS);
        assertThat(consumed).hasSize(RECORDS);
        for (int i = 0; i < RECORDS; i++) {
            int partition = offsets.get(i).get("partition").asInt();
            long offset = offsets.get(i).get("offset").asLong();
            ConsumerRecord<byte[], byte[]> record = consumed.stream()
                    .filter(r -> r.partition() == partition && r.offset() == offset).findFirst().orElseThrow();
            assertThat(record.key()).isEqualTo(key(i));
            assertThat(record.value()).isEqualTo(value(i));
            assertThat(record.timestamp()).isEqualTo(1_600_000_000_000L + i);
            Header[] headers = record.headers().toArray();
            assertThat(headers).hasSize(2);
            for (int h = 0; h < 2; h++) {
                assertThat(headers[h].key()).isEqualTo(headers(i).get(h).key());
                assertThat(headers[h].value()).isEqualTo(headers(i).get(h).value());
            }
        }
    }

    /** The bytes of a JSON record field, from its text or its base64 form; null if it has neither. */
    private static byte[] bytes(JsonNode node, String field) {
        JsonNode base64 = node.get(field + "Base64");
        if (base64 != null && !base64.isNull()) {
            return Base64.getDecoder().decode(base64.asText());
        }
        JsonNode text = node.get(field);
        return text == null || text.isNull() ? null : text.asText().getBytes(StandardCharsets.UTF_8);
    }
}
