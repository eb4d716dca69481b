package io.riverlog.testkit.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;

/**
 * What a broker tells clients to connect to: its advertised host, else its bind address, and, for a
 * broker that listens on every interface (0.0.0.0), this machine's name rather than an address no
 * client can connect to. A client that bootstraps from the loopback address then works through it.
 */
class AdvertisedHostTest {
    @TempDir
    Path dataDir;

    @Test
    void aBrokerOnEveryInterfaceAdvertisesTheMachinesNameAndClientsWorkThroughIt() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir, Map.of("riverlog.kafka.host", "0.0.0.0",
                "riverlog.http.host", "127.0.0.1"))) {
            String bootstrap = loopback(broker);
            String host = advertised(bootstrap).host();
            assertThat(host).isNotBlank().isNotEqualTo("0.0.0.0");
            InetAddress address = InetAddress.getByName(host);
            assertThat(address.isLoopbackAddress() || java.net.NetworkInterface.getByInetAddress(address) != null)
                    .as("%s (%s) is an address of this machine", host, address).isTrue();

            KafkaClients.createTopic(bootstrap, "everywhere", 1);
            try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(bootstrap, Map.of())) {
                producer.send(new ProducerRecord<>("everywhere", "k".getBytes(), "v".getBytes())).get();
            }
            List<ConsumerRecord<byte[], byte[]>> read = KafkaClients.readAll(bootstrap,
                    List.of(new TopicPartition("everywhere", 0)), 1);
            assertThat(read).hasSize(1);
        }
    }

    @Test
    void anAdvertisedHostIsWhatClientsAreTold() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir, Map.of("riverlog.kafka.advertised-host",
                "localhost"))) {
            assertThat(advertised(loopback(broker)).host()).isEqualTo("localhost");
        }
    }

    private static String loopback(EmbeddedBroker broker) {
        String bound = broker.bootstrapServers();
        return "127.0.0.1" + bound.substring(bound.lastIndexOf(':'));
    }

    private static Node advertised(String bootstrap) throws Exception {
        try (Admin admin = KafkaClients.admin(bootstrap)) {
            return admin.describeCluster().nodes().get().iterator().next();
        }
    }
}
