package io.riverlog.testkit.apps;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.BrokerProcess;
import io.riverlog.testkit.Eventually;
import io.riverlog.testkit.KafkaClients;

/**
 * Kafka Connect in distributed mode (one worker, Apache Kafka's own, in a process of its own) against
 * a broker process: its config, offset and status topics are created compacted, as Connect insists;
 * the FileStream source connector reads a file into a topic and the sink connector writes the topic
 * to another file, which must equal the first byte for byte; the worker is restarted once both
 * connectors committed where they are (Connect delivers at least once), and the lines appended to
 * the source file after that arrive too, each once. The worker's class path is copied by the
 * test-apps/kafka-connect module ({@code riverlog.connect.lib}).
 */
class KafkaConnectFileCopyIT {
    private static final Duration WAIT = Duration.ofSeconds(120);
    /** How long one check of the worker's REST API may wait for an answer. */
    private static final Duration CHECK = Duration.ofSeconds(5);
    /** Between two checks of a file or the REST API, which do not block by themselves. */
    private static final Duration PAUSE = Duration.ofMillis(200);
    private static final int LINES_PER_PART = 1_000;
    private static final String TOPIC = "copied-lines";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(CHECK).build();

    @Test
    void aFileIsCopiedThroughATopicByteForByteAcrossAWorkerRestart() throws Exception {
        Path source = dir.resolve("source.txt");
        Path sink = dir.resolve("sink.txt");
        appendLines(source, 0);
        try (BrokerProcess broker = BrokerProcess.start(dir.resolve("data"))) {
            int restPort = freePort();
            Path properties = workerProperties(broker.bootstrapServers(), restPort);
            Process worker = startWorker(properties, "worker-1.log");
            try {
                String rest = "http://127.0.0.1:" + restPort;
                until("the worker's REST API answers", () -> get(rest + "/connectors") == 200);
                post(rest + "/connectors", connector("file-source", "org.apache.kafka.connect.file."
                        + "FileStreamSourceConnector", "\"file\":\"" + source + "\",\"topic\":\"" + TOPIC + "\""));
                post(rest + "/connectors", connector("file-sink", "org.apache.kafka.connect.file."
                        + "FileStreamSinkConnector", "\"file\":\"" + sink + "\",\"topics\":\"" + TOPIC + "\""));
                until("the file copied", () -> sameBytes(source, sink), () -> lineCounts(source, sink));
                // Connect delivers at least once: a worker stopped before its connectors committed where they
                // are may deliver the last lines again. The restart comes once both have committed.
                try (Admin admin = KafkaClients.admin(broker.bootstrapServers());
                     SourcePositions positions = new SourcePositions(broker.bootstrapServers())) {
                    until("the sink's offsets committed", () -> sinkCommittedAll(admin));
                    long sourceBytes = Files.size(source);
                    until("the source's position committed", () -> positions.latest() == sourceBytes,
                            () -> "(committed " + positions.latest() + " of " + sourceBytes + ")");
                }

                stop(worker);
                worker = startWorker(properties, "worker-2.log");
                until("the restarted worker's REST API answers", () -> get(rest + "/connectors") == 200);
                appendLines(source, LINES_PER_PART);
                until("the lines added after the restart copied, each once", () -> sameBytes(source, sink),
                        () -> lineCounts(source, sink));
                assertThat(Files.readAllLines(sink)).hasSize(2 * LINES_PER_PART);
            } catch (Exception | AssertionError e) {
                worker.destroyForcibly();
                throw new AssertionError(e.getMessage() + "; the worker's log ends with:\n" + tail(dir), e);
            }
            // What is checked is done: a worker slow to stop is not waited for.
            worker.destroy();
            if (!worker.waitFor(CHECK.toSeconds(), TimeUnit.SECONDS)) {
                worker.destroyForcibly();
            }

            try (Admin admin = KafkaClients.admin(broker.bootstrapServers())) {
                for (String topic : List.of("connect-configs", "connect-offsets", "connect-status")) {
                    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                    Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
                    assertThat(config.get("cleanup.policy").value()).as(topic).isEqualTo("compact");
                }
            }
        }
    }

    /** True once the sink connector's group has committed the end of the topic. */
    private static boolean sinkCommittedAll(Admin admin) throws Exception {
        TopicPartition partition = new TopicPartition(TOPIC, 0);
        OffsetAndMetadata committed = admin.listConsumerGroupOffsets("connect-file-sink")
                .partitionsToOffsetAndMetadata().get().get(partition);
        long end = admin.listOffsets(Map.of(partition, OffsetSpec.latest())).all().get().get(partition).offset();
        return committed != null && committed.offset() == end;
    }

    /** The positions the source connector committed, read from Connect's offsets topic. */
    private static final class SourcePositions implements AutoCloseable {
        private static final Pattern POSITION = Pattern.compile("\"position\":(\\d+)");
        private final KafkaConsumer<byte[], byte[]> consumer;
        private long latest = -1;

        SourcePositions(String bootstrap) {
            consumer = KafkaClients.consumer(bootstrap);
            List<TopicPartition> partitions = consumer.partitionsFor("connect-offsets").stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        /** The latest committed position, after waiting up to a poll for more. */
        long latest() {
            consumer.poll(Duration.ofMillis(200)).forEach(record -> {
                Matcher matcher = POSITION.matcher(new String(record.value(), StandardCharsets.UTF_8));
                if (matcher.find()) {
                    latest = Long.parseLong(matcher.group(1));
                }
            });
            return latest;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    private Path workerProperties(String bootstrap, int restPort) throws IOException {
        Path properties = dir.resolve("worker.properties");
        Files.writeString(properties, String.join("\n",
                "bootstrap.servers=" + bootstrap,
                "group.id=file-copy",
                "key.converter=org.apache.kafka.connect.storage.StringConverter",
                "value.converter=org.apache.kafka.connect.storage.StringConverter",
                "config.storage.topic=connect-configs",
                "offset.storage.topic=connect-offsets",
                "status.storage.topic=connect-status",
                // One broker: every internal topic has one replica.
                "config.storage.replication.factor=1",
                "offset.storage.replication.factor=1",
                "status.storage.replication.factor=1",
                "offset.flush.interval.ms=500",
                "listeners=http://127.0.0.1:" + restPort,
                ""));
        return properties;
    }

    private Process startWorker(Path properties, String logName) throws IOException {
        String lib = System.getProperty("riverlog.connect.lib");
        assertThat(lib).as("riverlog.connect.lib (set by test-kit's pom)").isNotNull();
        assertThat(Path.of(lib)).as("the worker's class path, copied by test-apps/kafka-connect").isDirectory();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(Arrays.asList(java, "-Xmx256m", "-cp", lib + "/*",
                "org.apache.kafka.connect.cli.ConnectDistributed", properties.toString()));
        Path log = dir.resolve(logName);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** The last lines the worker (or the restarted worker) logged. */
    private static String tail(Path dir) throws IOException {
        for (String name : List.of("worker-2.log", "worker-1.log")) {
            Path log = dir.resolve(name);
            if (Files.exists(log)) {
                List<String> lines = Files.readAllLines(log);
                return name + ":\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
            }
        }
        return "(no worker log)";
    }

    /** SIGTERM: the worker commits its connectors' offsets and leaves the group before it exits. */
    private static void stop(Process worker) throws InterruptedException {
        worker.destroy();
        if (!worker.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            worker.destroyForcibly();
            throw new AssertionError("the Connect worker did not stop within " + WAIT + " of SIGTERM");
        }
    }

    private static String connector(String name, String connectorClass, String settings) {
        return "{\"name\":\"" + name + "\",\"config\":{\"connector.class\":\"" + connectorClass
                + "\",\"tasks.max\":\"1\"," + settings + "}}";
    }

    private static void appendLines(Path file, int first) throws IOException {
        StringBuilder lines = new StringBuilder();
        for (int i = first; i < first + LINES_PER_PART; i++) {
            // ASCII only: the FileStream source resumes by skipping as many bytes as it counted characters.
            lines.append("line ").append(i).append(' ').append("x".repeat(i % 50)).append('\n');
        }
        Files.writeString(file, lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static boolean sameBytes(Path expected, Path actual) throws IOException {
        return Files.exists(actual) && Arrays.equals(Files.readAllBytes(expected), Files.readAllBytes(actual));
    }

    private int get(String url) throws IOException, InterruptedException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(CHECK).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (ConnectException notListeningYet) {
            return -1;
        }
    }

    private void post(String url, String json) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(CHECK)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("POST %s: %s", url, response.body()).isEqualTo(201);
    }

    private static String lineCounts(Path source, Path sink) throws IOException {
        return "(source " + Files.readAllLines(source).size() + " lines, sink "
                + (Files.exists(sink) ? Files.readAllLines(sink).size() : 0) + ")";
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void until(String what, Eventually.Check check) throws Exception {
        until(what, check, () -> "");
    }

    private static void until(String what, Eventually.Check check, java.util.concurrent.Callable<String> state)
            throws Exception {
        Eventually.until(what, WAIT, PAUSE, check, state);
    }
}
