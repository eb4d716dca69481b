package io.riverlog.testkit.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.riverlog.testkit.Await;
import io.riverlog.testkit.EmbeddedBroker;

/**
 * Clients other than kafka-clients, as users run them: kcat (librdkafka) with every codec, and
 * the Python clients kafka-python and confluent-kafka, also as group consumers (confluent-kafka
 * with cooperative rebalancing). {@code .ci/run} installs them; where they
 * are missing these tests are skipped and say so.
 */
class ExternalClientsRoundTripIT {
    private static final Path SYSTEM_PYTHON = Path.of("/usr/bin/python3");
    private static final long TIMEOUT_SECONDS = 90;

    @TempDir
    static Path dataDir;
    static EmbeddedBroker broker;

    @BeforeAll
    static void start() {
        broker = EmbeddedBroker.start(dataDir);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @ParameterizedTest(name = "kcat with {0}")
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void kcatProducesAndConsumesWithEveryCodec(String codec) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/kcat")), "kcat is not installed (apt-get install kcat)");
        String topic = "kcat-" + codec;
        StringBuilder input = new StringBuilder();
        for (int i = 0; i < 1_000; i++) {
            input.append("line-").append(i).append('\n');
        }
        Result produced = run(input.toString(),
                "kcat", "-b", broker.bootstrapServers(), "-t", topic, "-z", codec, "-P");
        assertThat(produced.exitCode()).as(produced.output()).isZero();
        Result consumed = run("",
                "kcat", "-b", broker.bootstrapServers(), "-t", topic, "-C", "-o", "beginning", "-e", "-q");
        assertThat(consumed.exitCode()).as(consumed.output()).isZero();
        List<String> lines = consumed.output().lines().toList();
        assertThat(lines).hasSize(1_000);
        assertThat(lines.get(0)).isEqualTo("line-0");
        assertThat(lines.get(999)).isEqualTo("line-999");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"kafka_python_roundtrip.py", "confluent_kafka_roundtrip.py"})
    void pythonClientsProduceAndConsume(String script) throws Exception {
        Result result = runPythonClient(script, script.replace(".py", "").replace('_', '-'));
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output().lines().reduce((a, b) -> b).orElse(""))
                .isEqualTo("500 [b'v0', b'v1'] b'v499'");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"kafka_python_group.py", "confluent_kafka_group.py"})
    void pythonGroupConsumersConsumeEveryRecordAndCommit(String script) throws Exception {
        String name = script.replace(".py", "").replace('_', '-');
        Result result = runPythonClient(script, name, name + "-group");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output().lines().reduce((a, b) -> b).orElse("")).isEqualTo("300 300");
    }

    /**
     * Runs one of the client scripts under src/test/resources/clients with the system Python, the
     * broker's bootstrap address first, then {@code args}; skips the test if the client is missing.
     */
    private Result runPythonClient(String script, String... args) throws Exception {
        assumeTrue(Files.isExecutable(SYSTEM_PYTHON), "no /usr/bin/python3");
        String module = script.startsWith("kafka_") ? "kafka" : "confluent_kafka";
        assumeTrue(run("", SYSTEM_PYTHON.toString(), "-c", "import " + module).exitCode() == 0,
                module + " is not installed (apt-get install python3-kafka python3-confluent-kafka)");
        Path copy = dataDir.resolveSibling(script);
        try (var in = getClass().getResourceAsStream("/clients/" + script)) {
            Files.copy(in, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> command =
                new ArrayList<>(List.of(SYSTEM_PYTHON.toString(), copy.toString(), broker.bootstrapServers()));
        command.addAll(List.of(args));
        return run("", command.toArray(String[]::new));
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(String stdin, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(false).start();
        process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        var stdout = new java.util.concurrent.CompletableFuture<String>();
        new Thread(() -> {
            try {
                stdout.complete(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                stdout.completeExceptionally(e);
            }
        }).start();
        new Thread(() -> {
            try {
                process.getErrorStream().transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException ignored) {
                // stderr is only drained
            }
        }).start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within " + TIMEOUT_SECONDS + " s");
        }
        return new Result(process.exitValue(), Await.resultOf(stdout, java.time.Duration.ofSeconds(10)));
    }
}
