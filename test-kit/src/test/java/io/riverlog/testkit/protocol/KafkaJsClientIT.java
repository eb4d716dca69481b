package io.riverlog.testkit.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.riverlog.testkit.EmbeddedBroker;
import io.riverlog.testkit.Programs;

/**
 * kafkajs, the Node.js client, as applications use it (npm, pinned to one version by the
 * package.json and package-lock.json in {@code src/test/kafkajs}, installed with {@code npm ci} into
 * {@code target/kafkajs} when it is not there yet): {@code kafkajs-client.mjs} creates a topic of four
 * partitions with the admin client, starts a group of two consumers, produces gzip-compressed records
 * to every partition, consumes them, and asks the admin client for the topic's offsets, the group's
 * description and committed offsets, and the list of groups. It prints what it saw as JSON lines;
 * this test checks them against what was produced and against the broker's own log files. Skipped,
 * saying why, where node or npm are missing; {@code .ci/run} installs them.
 */
class KafkaJsClientIT {
    private static final Path SOURCES = Path.of("src/test/kafkajs");
    private static final Path INSTALL = Path.of("target", "kafkajs");
    private static final List<String> FILES = List.of("package.json", "package-lock.json", "kafkajs-client.mjs");
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(120);
    private static final String TOPIC = "kafkajs-orders";
    private static final String GROUP = "kafkajs-group";
    private static final int PARTITIONS = 4;
    private static final int RECORDS = 240;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** A record as the client produced or consumed it. */
    private record Seen(int partition, long offset, String key, String value, Map<String, String> headers) {
        static Seen of(JsonNode line) {
            Map<String, String> headers = new TreeMap<>();
            line.get("headers").properties().forEach(h -> headers.put(h.getKey(), h.getValue().asText()));
            JsonNode key = line.get("key");
            return new Seen(line.get("partition").asInt(), line.get("offset").asLong(),
                    key.isNull() ? null : key.asText(), line.get("value").asText(), headers);
        }
    }

    @Test
    void kafkajsProducesWithGzipConsumesInAGroupOfTwoAndAdministersTopicsAndGroups() throws Exception {
        Path client = installedClient();
        Path dataDir = dir.resolve("data");
        List<JsonNode> lines;
        try (EmbeddedBroker broker = EmbeddedBroker.start(dataDir)) {
            lines = run(dir.resolve("kafkajs"), RUN_TIMEOUT, "node", client.toString(),
                    broker.bootstrapServers(), TOPIC, GROUP);
        }

        JsonNode created = only(lines, "createTopics");
        assertThat(created.get("created").asBoolean()).as("created: %s", created).isTrue();
        assertThat(created.get("createdAgain").asBoolean()).as("a second create of the same topic").isFalse();
        assertThat(created.get("listed").asBoolean()).as("listTopics names it").isTrue();

        List<Seen> produced = all(lines, "produced").stream().map(Seen::of).toList();
        assertThat(produced).hasSize(RECORDS);
        Map<Integer, List<Long>> producedOffsets = new TreeMap<>();
        produced.forEach(r -> producedOffsets.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.offset()));
        assertThat(producedOffsets).as("offsets the broker answered").hasSize(PARTITIONS)
                .allSatisfy((p, offsets) -> assertThat(offsets)
                        .isEqualTo(Stream.iterate(0L, o -> o + 1).limit(RECORDS / PARTITIONS).toList()));

        // The group while it consumed (once the first consumer leaves at the end, the other may rejoin alone):
        // both consumers hold partitions, together all of them, with no rebalance after the first record was
        // produced; each consumed only its own.
        int describedAt = firstIndex(lines, "describeGroups");
        assertThat(all(lines.subList(firstIndex(lines, "produced"), describedAt), "joined"))
                .as("joins after the first record was produced").isEmpty();
        Map<String, JsonNode> lastJoin = new HashMap<>();
        all(lines.subList(0, describedAt), "joined").forEach(join -> lastJoin.put(join.get("consumer").asText(), join));
        assertThat(lastJoin).hasSize(2);
        Map<String, List<Integer>> assignments = new TreeMap<>();
        lastJoin.forEach((consumer, join) -> assignments.put(consumer, ints(join.get("assignment"))));
        assertThat(assignments.values()).allSatisfy(partitions -> assertThat(partitions).isNotEmpty());
        assertThat(assignments.values().stream().flatMap(List::stream).toList())
                .containsExactlyInAnyOrder(0, 1, 2, 3);

        List<JsonNode> consumedLines = all(lines, "consumed");
        List<Seen> consumed = consumedLines.stream().map(Seen::of).toList();
        assertThat(consumed).as("every record consumed once, as it was produced")
                .containsExactlyInAnyOrderElementsOf(produced);
        for (JsonNode line : consumedLines) {
            assertThat(assignments.get(line.get("consumer").asText()))
                    .as("the consumer of %s holds its partition", line).contains(line.get("partition").asInt());
        }
        Map<Integer, List<Long>> consumedOffsets = new TreeMap<>();
        consumed.forEach(r -> consumedOffsets.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.offset()));
        assertThat(consumedOffsets).as("each partition consumed in offset order").isEqualTo(producedOffsets);

        // Admin: the topic's offsets, the group while it consumes, the list of groups, the offsets it committed.
        JsonNode topicOffsets = only(lines, "fetchTopicOffsets").get("partitions");
        assertThat(topicOffsets).hasSize(PARTITIONS).allSatisfy(p -> {
            assertThat(p.get("low").asLong()).as("low of %s", p).isZero();
            assertThat(p.get("high").asLong()).as("high of %s", p).isEqualTo(RECORDS / PARTITIONS);
        });
        JsonNode group = only(lines, "describeGroups");
        assertThat(group.get("groupId").asText()).isEqualTo(GROUP);
        assertThat(group.get("state").asText()).isEqualTo("Stable");
        assertThat(group.get("protocolType").asText()).isEqualTo("consumer");
        assertThat(group.get("protocol").asText()).isEqualTo("RoundRobinAssigner");
        Map<String, List<Integer>> described = new HashMap<>();
        group.get("members").forEach(m -> described.put(m.get("memberId").asText(), ints(m.get("assignment"))));
        Map<String, List<Integer>> joined = new HashMap<>();
        lastJoin.values().forEach(j -> joined.put(j.get("memberId").asText(), ints(j.get("assignment"))));
        assertThat(described).as("members and their assignments as the broker describes them").isEqualTo(joined);
        assertThat(only(lines, "listGroups").get("groups")).anySatisfy(g -> {
            assertThat(g.get("groupId").asText()).isEqualTo(GROUP);
            assertThat(g.get("protocolType").asText()).isEqualTo("consumer");
        });
        JsonNode afterLeaving = only(lines, "fetchOffsets");
        assertThat(afterLeaving.get("state").asText()).as("once both left").isEqualTo("Empty");
        assertThat(afterLeaving.get("members").asInt()).isZero();
        assertThat(afterLeaving.get("partitions")).as("committed offsets").hasSize(PARTITIONS)
                .allSatisfy(p -> assertThat(p.get("offset").asLong()).isEqualTo(RECORDS / PARTITIONS));
        JsonNode done = only(lines, "done");
        assertThat(done.get("consumed").asInt()).isEqualTo(RECORDS);

        // The broker keeps batches as the producer compressed them: gzip, on disk.
        for (int p = 0; p < PARTITIONS; p++) {
            List<RecordBatch> batches = batchesOnDisk(dataDir.resolve("topics").resolve(TOPIC + "-" + p));
            assertThat(batches).as("batches of partition %d", p).isNotEmpty()
                    .allSatisfy(b -> assertThat(b.compressionType()).isEqualTo(CompressionType.GZIP));
            assertThat(batches.stream().mapToLong(b -> b.nextOffset() - b.baseOffset()).sum())
                    .isEqualTo(RECORDS / PARTITIONS);
        }
    }

    /**
     * The client script in {@link #INSTALL}, beside kafkajs as pinned: {@code npm ci} there when
     * kafkajs is not installed yet or the lock file changed since it was. Skips the test without node or npm.
     */
    private Path installedClient() throws Exception {
        assumeTrue(Programs.work("node", "--version"), "node is not installed: the kafkajs test is skipped");
        assumeTrue(Programs.work("npm", "--version"), "npm is not installed: the kafkajs test is skipped");
        Files.createDirectories(INSTALL);
        Path lock = INSTALL.resolve("package-lock.json");
        boolean lockChanged = !Files.exists(lock) || Files.mismatch(lock, SOURCES.resolve("package-lock.json")) >= 0;
        for (String file : FILES) {
            Files.copy(SOURCES.resolve(file), INSTALL.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        Path kafkajs = INSTALL.resolve("node_modules/kafkajs/package.json");
        if (lockChanged || !Files.exists(kafkajs)) {
            runIn(INSTALL, dir.resolve("npm"), INSTALL_TIMEOUT, "npm", "ci", "--no-audit", "--no-fund");
        }
        String pinned = JSON.readTree(SOURCES.resolve("package.json").toFile()).at("/dependencies/kafkajs").asText();
        assertThat(JSON.readTree(kafkajs.toFile()).get("version").asText()).as("kafkajs installed").isEqualTo(pinned);
        return INSTALL.resolve("kafkajs-client.mjs").toAbsolutePath();
    }

    /** Runs {@code command}; the JSON lines it printed. Fails, with what it said, unless it exits 0 in time. */
    private static List<JsonNode> run(Path outputs, Duration timeout, String... command) throws Exception {
        return runIn(Path.of("."), outputs, timeout, command).stream().map(KafkaJsClientIT::json).toList();
    }

    /** Runs {@code command} in {@code workingDir}; its standard output and error go to {@code outputs}.out and .err. */
    private static List<String> runIn(Path workingDir, Path outputs, Duration timeout, String... command)
            throws IOException, InterruptedException {
        Path stdout = Path.of(outputs + ".out");
        Path stderr = Path.of(outputs + ".err");
        Process process = new ProcessBuilder(command).directory(workingDir.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!exited) {
            process.destroyForcibly().waitFor();
        }
        String said = String.join(" ", command) + " printed:\n" + Files.readString(stdout)
                + "\nand on standard error:\n" + Files.readString(stderr);
        assertThat(exited).as("%s exited within %s; %s", command[0], timeout, said).isTrue();
        assertThat(process.exitValue()).as(said).isZero();
        return Files.readAllLines(stdout);
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("not a JSON line: " + line, e);
        }
    }

    private static List<JsonNode> all(List<JsonNode> lines, String event) {
        return lines.stream().filter(line -> line.get("event").asText().equals(event)).toList();
    }

    private static int firstIndex(List<JsonNode> lines, String event) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).get("event").asText().equals(event)) {
                return i;
            }
        }
        throw new AssertionError("no line of event " + event + " in " + lines);
    }

    private static JsonNode only(List<JsonNode> lines, String event) {
        List<JsonNode> found = all(lines, event);
        assertThat(found).as("lines of event %s", event).hasSize(1);
        return found.get(0);
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asInt()));
        values.sort(null);
        return values;
    }

    private static List<RecordBatch> batchesOnDisk(Path partitionDir) throws IOException {
        List<RecordBatch> batches = new ArrayList<>();
        try (Stream<Path> files = Files.list(partitionDir)) {
            for (Path segment : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                MemoryRecords.readableRecords(ByteBuffer.wrap(Files.readAllBytes(segment))).batches()
                        .forEach(batches::add);
            }
        }
        return batches;
    }
}
