package io.riverlog.testkit.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.testkit.Await;
import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.KafkaClients;
import io.riverlog.testkit.Programs;

/**
 * The console in a real browser (headless Chromium driven by playwright-core, from
 * {@code src/test/console/console-test.mjs}): it lists a topic created over Kafka, and its live tail
 * shows a record produced over Kafka after the page loaded. Leaves a screenshot of the console in
 * {@code target/console.png}. Skipped, saying why, where node, playwright-core (installed by
 * {@code npm ci} in src/test/console) or Chromium are missing; {@code .ci/run} installs them.
 */
class ConsoleBrowserIT {
    private static final Path SCRIPT_DIR = Path.of("src/test/console");
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(120);
    private static final String TOPIC = "sensor-readings";
    /** Records produced after the marker, so that the throughput chart and the tail have something to show. */
    private static final int BACKGROUND_RECORDS = 3_000;
    private static final int BACKGROUND_BATCH = 20;
    private static final Duration BACKGROUND_PAUSE = Duration.ofMillis(100);

    @TempDir
    Path dataDir;

    @Test
    void theConsoleListsATopicCreatedOverKafkaAndTailsARecordProducedAfterItLoaded() throws Exception {
        assumeTrue(Programs.work("node", "--version"), "node is not installed: the console browser test is skipped");
        assumeTrue(Files.isDirectory(SCRIPT_DIR.resolve("node_modules/playwright-core")),
                "playwright-core is not installed (npm ci in " + SCRIPT_DIR + "): the console browser test is skipped");
        assumeTrue(Files.isExecutable(CHROMIUM), CHROMIUM + " is missing: the console browser test is skipped");

        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir)) {
            KafkaClients.createTopic(broker.bootstrapServers(), TOPIC, 2);
            String marker = "marker-" + System.nanoTime();
            Path screenshot = Path.of("target", "console.png").toAbsolutePath();
            Process browser = new ProcessBuilder("node", "console-test.mjs", broker.httpUrl() + "/", TOPIC,
                    marker, screenshot.toString())
                    .directory(SCRIPT_DIR.toFile()).redirectErrorStream(true).start();
            ConcurrentLinkedQueue<String> output = new ConcurrentLinkedQueue<>();
            CompletableFuture<Void> ready = new CompletableFuture<>();
            Thread reader = new Thread(() -> readLines(browser, output, ready), "console-test-output");
            reader.start();
            try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), Map.of())) {
                Await.resultOf(ready, RUN_TIMEOUT);
                producer.send(new ProducerRecord<>(TOPIC, 0, bytes("sensor-0"), bytes(marker))).get();
                produceUntilExited(producer, browser);
                assertThat(browser.waitFor(RUN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
                        .as("the browser test ended; its output: %s", output).isTrue();
            } finally {
                browser.destroyForcibly();
                reader.join(RUN_TIMEOUT.toMillis());
            }
            assertThat(browser.exitValue()).as("exit code; output: %s", output).isZero();
            assertThat(output).contains("PASSED");
            assertThat(screenshot).isNotEmptyFile();
        }
    }

    /** Sensor readings on both partitions, in small paced batches, until the browser test ends (or all are sent). */
    private static void produceUntilExited(KafkaProducer<byte[], byte[]> producer, Process browser) {
        for (int i = 0; i < BACKGROUND_RECORDS && browser.isAlive(); i++) {
            String sensor = "sensor-" + (i % 7);
            String reading = "{\"sensor\":\"" + sensor + "\",\"celsius\":" + (18 + (i * 37 % 90) / 10.0) + "}";
            producer.send(new ProducerRecord<>(TOPIC, i % 2, bytes(sensor), bytes(reading)));
            if (i % BACKGROUND_BATCH == BACKGROUND_BATCH - 1) {
                producer.flush();
                LockSupport.parkNanos(BACKGROUND_PAUSE.toNanos());
            }
        }
        producer.flush();
    }

    private static void readLines(Process process, ConcurrentLinkedQueue<String> output,
                                  CompletableFuture<Void> ready) {
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                output.add(line);
                if (line.equals("READY")) {
                    ready.complete(null);
                }
            }
            ready.completeExceptionally(new AssertionError("the browser test ended before it was ready: " + output));
        } catch (IOException e) {
            ready.completeExceptionally(e);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
