package io.riverlog.testkit.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.Await;
import io.riverlog.testkit.BrokerProcess;
import io.riverlog.testkit.KafkaClients;

/**
 * A broker process whose file descriptors run out (its limit lowered with prlimit) cannot accept
 * more connections, but it keeps serving the ones it has, says so in its log, and accepts again
 * once descriptors are free.
 */
class OutOfFileDescriptorsIT {
    private static final String TOPIC = "descriptors";
    private static final int SPARE_DESCRIPTORS = 16;
    private static final int CONNECTIONS = 64;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void theListenerOutlivesATableOfDescriptorsThatIsFull() throws Exception {
        try (BrokerProcess broker = BrokerProcess.start(dir.resolve("data"));
             KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), Map.of())) {
            KafkaClients.createTopic(broker.bootstrapServers(), TOPIC, 1);
            send(producer, "before");
            limitDescriptors(broker.pid(), openDescriptors(broker.pid()) + SPARE_DESCRIPTORS);

            List<Socket> flood = new ArrayList<>();
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    flood.add(connect(broker.bootstrapServers()));
                }
                Await.until("the broker reports a failed accept", TIMEOUT,
                        () -> logged(broker, "Accepting a Kafka connection"));
                // The producer's connection was open before: it is still served.
                assertThat(send(producer, "while-full").offset()).isEqualTo(1);
            } finally {
                for (Socket socket : flood) {
                    socket.close();
                }
            }

            // Descriptors are free again: a new client connects, and finds every record.
            assertThat(KafkaClients.readAll(broker.bootstrapServers(), KafkaClients.partitions(TOPIC, 1), 2))
                    .extracting(record -> new String(record.value())).containsExactly("before", "while-full");
        }
    }

    private static RecordMetadata send(KafkaProducer<byte[], byte[]> producer, String value) throws Exception {
        return producer.send(new ProducerRecord<>(TOPIC, 0, null, value.getBytes()))
                .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private static boolean logged(BrokerProcess broker, String text) {
        try {
            return broker.output().contains(text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Socket connect(String bootstrap) throws IOException {
        String[] hostPort = bootstrap.split(":");
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), (int) TIMEOUT.toMillis());
        return socket;
    }

    private static int openDescriptors(long pid) throws IOException {
        try (var entries = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return (int) entries.count();
        }
    }

    private static void limitDescriptors(long pid, int limit) throws Exception {
        Process prlimit = new ProcessBuilder("prlimit", "--pid", Long.toString(pid), "--nofile=" + limit + ":" + limit)
                .redirectErrorStream(true).start();
        assertThat(prlimit.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(prlimit.exitValue()).as(new String(prlimit.getInputStream().readAllBytes())).isZero();
    }
}
