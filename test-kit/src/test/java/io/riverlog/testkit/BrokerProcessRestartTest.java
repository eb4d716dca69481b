package io.riverlog.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real broker process: 5,000 acknowledged records to three partitions, then a graceful restart
 * (SIGTERM) or a crash (kill -9), then every record is consumed with identical bytes at the
 * offset it was acknowledged at.
 */
class BrokerProcessRestartTest {
    private static final int RECORDS = 5_000;
    private static final int PARTITIONS = 3;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"graceful", "kill -9"})
    void everyAcknowledgedRecordIsConsumedAfterARestart(String how) throws Exception {
        try (BrokerProcess broker = BrokerProcess.start(tmp.resolve("data"))) {
            String topic = "restart";
            KafkaClients.createTopic(broker.bootstrapServers(), topic, PARTITIONS);
            List<RecordMetadata> acknowledged = new ArrayList<>();
            try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(),
                    Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 2))) {
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                for (int i = 0; i < RECORDS; i++) {
                    sent.add(producer.send(new ProducerRecord<>(topic, i % PARTITIONS, null,
                            KafkaClientsRoundTripTest.value(i))));
                }
                for (Future<RecordMetadata> ack : sent) {
                    acknowledged.add(ack.get());
                }
            }
            if (how.equals("graceful")) {
                assertThat(broker.stop()).isZero();
            } else {
                broker.kill();
            }
            broker.restart();

            List<ConsumerRecord<byte[], byte[]>> read = KafkaClients.readAll(broker.bootstrapServers(),
                    KafkaClients.partitions(topic, PARTITIONS), RECORDS);
            assertThat(read).hasSize(RECORDS);
            Map<String, ConsumerRecord<byte[], byte[]>> byPosition = new java.util.HashMap<>();
            read.forEach(r -> byPosition.put(r.partition() + "@" + r.offset(), r));
            for (int i = 0; i < RECORDS; i++) {
                RecordMetadata ack = acknowledged.get(i);
                ConsumerRecord<byte[], byte[]> record = byPosition.get(ack.partition() + "@" + ack.offset());
                assertThat(record).as("record %d acknowledged at %s", i, ack).isNotNull();
                assertThat(record.value()).isEqualTo(KafkaClientsRoundTripTest.value(i));
            }
        }
    }
}
