package io.riverlog.testkit.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import io.riverlog.testkit.Await;
import io.riverlog.testkit.BrokerProcess;
import io.riverlog.testkit.KafkaClients;
import io.riverlog.testkit.http.EventStream;
import io.riverlog.testkit.http.HttpCalls;

/**
 * One bit flipped at a random position of a random segment file of a real broker process, after a
 * clean stop or a kill -9, anywhere (not only where a check is known to look); then every partition
 * is read from the beginning by a kafka-clients consumer, by kcat (which checks no CRCs) and over
 * HTTP as NDJSON. Nothing received differs from what was produced at that offset; the offsets
 * refused are exactly those {@code GET /v1/topics/{t}} lists as damaged (refused to every client);
 * every other record is received. A kafka-clients consumer stays at the first damaged offset (it
 * retries the fetch, which keeps failing with KAFKA_STORAGE_ERROR) until it is moved past it; kcat
 * started there receives nothing while the broker answers its fetches with that error.
 *
 * <p>The records are produced once per run and kind of stop; each trial flips a bit in a copy of
 * them and starts one broker on it. Each trial logs its seed; {@code -Driverlog.bit-flip.seed=N}
 * repeats its choices (as the first trial): the kind of stop, the file, the position and the bit.
 * (Where the producer's batches begin may differ from run to run.)
 */
class BitFlipsAtRandomPositionsIT {
    private static final Logger log = LoggerFactory.getLogger(BitFlipsAtRandomPositionsIT.class);
    private static final String SEED_PROPERTY = "riverlog.bit-flip.seed";
    private static final String TOPIC = "flipped";
    private static final int PARTITIONS = 2;
    private static final int RECORDS = 20_000;
    private static final int SEGMENT_BYTES = 256 * 1024;
    private static final int MIN_VALUE_BYTES = 40;
    private static final int MAX_EXTRA_VALUE_BYTES = 120;
    private static final Path KCAT = Path.of("/usr/bin/kcat");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(200);
    /** Polls that a consumer at a damaged offset must stay there before the test moves it on. */
    private static final int POLLS_AT_THE_DAMAGE = 3;

    /** Kept when a trial fails: the broker's data and output are the evidence. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;

    @Test
    void noClientEverReceivesADamagedRecordAfterFourRandomFlips() throws Exception {
        trials(4);
    }

    @Tag("volume")
    @Test
    void noClientEverReceivesADamagedRecordAfterTwentyRandomFlips() throws Exception {
        trials(20);
    }

    private void trials(int count) throws Exception {
        long seed = Long.getLong(SEED_PROPERTY, System.nanoTime());
        for (int trial = 0; trial < count; trial++) {
            long trialSeed = seed + trial;
            log.info("bit-flip trial {} of {}: seed {} (repeat its choices with -D{}={})", trial + 1, count, trialSeed,
                    SEED_PROPERTY, trialSeed);
            try {
                trial(tmp.resolve("trial-" + trial), new Random(trialSeed));
            } catch (AssertionError e) {
                throw new AssertionError("trial " + (trial + 1) + " with -D" + SEED_PROPERTY + "=" + trialSeed
                        + " (broker data and output kept in " + tmp + "): " + e.getMessage(), e);
            }
        }
    }

    /**
     * Acknowledged records, and the data directory of the broker that took them, stopped cleanly or
     * killed. Each kind is produced once per run; every trial flips a bit in a copy of one.
     */
    private record Produced(Path dataDir, List<Map<Long, String>> values) {
    }

    private final Map<Boolean, Produced> produced = new HashMap<>();

    /** A trial: a copy of the produced data, one flipped bit, one broker start, every client reads, compare. */
    private void trial(Path dir, Random random) throws Exception {
        boolean kill = random.nextBoolean();
        Produced source = produced.get(kill);
        if (source == null) {
            source = produce(tmp.resolve(kill ? "killed" : "stopped").resolve("data"), kill, random);
            produced.put(kill, source);
        }
        Path dataDir = dir.resolve("data");
        copy(source.dataDir(), dataDir);
        String flip = flipOneBit(dataDir, random);
        log.info("after a {}: flipped {}", kill ? "kill -9" : "clean stop", flip);
        try (BrokerProcess broker = BrokerProcess.start(dataDir)) {
            HttpCalls http = new HttpCalls(broker.httpUrl());
            Await.until("the broker is ready", TIMEOUT, () -> http.get("/v1/ready").status() == 200);
            for (int p = 0; p < PARTITIONS; p++) {
                TopicPartition partition = new TopicPartition(TOPIC, p);
                Map<Long, String> expected = source.values().get(p);
                Map<Long, String> byConsumer = readWithKafkaClients(broker, http, partition, expected.size());
                List<long[]> damaged = damage(http, p);
                log.info("partition {}: damaged offsets {}", p, ranges(damaged));
                assertReceivedExactlyTheUndamaged("kafka-clients", byConsumer, expected, damaged);
                assertReceivedExactlyTheUndamaged("HTTP NDJSON", readOverHttp(http, p, expected.size(), damaged),
                        expected, damaged);
                if (Files.isExecutable(KCAT)) {
                    assertReceivedExactlyTheUndamaged("kcat", readWithKcat(broker, p, expected.size(), damaged),
                            expected, damaged);
                    for (long[] range : damaged) {
                        assertKcatReceivesNothingAt(broker, p, range[0]);
                    }
                } else {
                    log.warn("kcat is not installed (apt-get install kcat): partition {} not read with it", p);
                }
                assertThat(damage(http, p)).as("the damage listed after every client read the partition")
                        .usingRecursiveComparison().isEqualTo(damaged);
            }
        }
    }

    // ---------------------------------------------------------------- producing

    /**
     * {@link #RECORDS} records over the partitions, acknowledged (acks=all), by a broker that is then
     * stopped cleanly or killed; per partition, the value at each offset.
     */
    private static Produced produce(Path dataDir, boolean kill, Random random) throws Exception {
        List<Map<Long, String>> produced = new ArrayList<>();
        List<List<Future<RecordMetadata>>> acks = new ArrayList<>();
        List<List<String>> values = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            produced.add(new HashMap<>());
            acks.add(new ArrayList<>());
            values.add(new ArrayList<>());
        }
        String compression = random.nextBoolean() ? "none" : "lz4";
        try (BrokerProcess broker = BrokerProcess.start(dataDir)) {
            KafkaClients.createTopic(broker.bootstrapServers(), TOPIC, PARTITIONS,
                    Map.of(TopicConfig.SEGMENT_BYTES_CONFIG, Integer.toString(SEGMENT_BYTES)));
            try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(broker.bootstrapServers(), Map.of(
                    ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5,
                    ProducerConfig.COMPRESSION_TYPE_CONFIG, compression))) {
                for (int i = 0; i < RECORDS; i++) {
                    int p = i % PARTITIONS;
                    String value = value(p, i / PARTITIONS, random);
                    values.get(p).add(value);
                    acks.get(p).add(producer.send(new ProducerRecord<>(TOPIC, p, null,
                            value.getBytes(StandardCharsets.UTF_8))));
                }
                for (int p = 0; p < PARTITIONS; p++) {
                    for (int i = 0; i < acks.get(p).size(); i++) {
                        produced.get(p).put(acks.get(p).get(i).get().offset(), values.get(p).get(i));
                    }
                }
            }
            if (kill) {
                broker.kill();
            } else {
                assertThat(broker.stop()).as("exit code after SIGTERM").isZero();
            }
        }
        log.info("produced {} records ({}) in segments of {} bytes, then {}", RECORDS, compression, SEGMENT_BYTES,
                kill ? "kill -9" : "a clean stop");
        return new Produced(dataDir, produced);
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(from.relativize(file).toString()));
            }
        }
    }

    /** A value that names its partition and sequence number, then letters of varying length. */
    private static String value(int partition, int sequence, Random random) {
        StringBuilder value = new StringBuilder("p" + partition + "-n" + sequence + "-");
        int length = MIN_VALUE_BYTES + random.nextInt(MAX_EXTRA_VALUE_BYTES);
        while (value.length() < length) {
            value.append((char) ('a' + random.nextInt(26)));
        }
        return value.toString();
    }

    // ---------------------------------------------------------------- the flip

    /** Flips one random bit at a random position of a random non-empty segment file; says which. */
    private static String flipOneBit(Path dataDir, Random random) throws IOException {
        List<Path> segments;
        try (Stream<Path> files = Files.walk(dataDir.resolve("topics"))) {
            segments = files.filter(f -> f.toString().endsWith(".log")).filter(f -> f.toFile().length() > 0)
                    .sorted().toList();
        }
        Path segment = segments.get(random.nextInt(segments.size()));
        long size = Files.size(segment);
        long position = (long) (random.nextDouble() * size);
        int bit = random.nextInt(Byte.SIZE);
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.seek(position);
            int b = file.read();
            file.seek(position);
            file.write(b ^ (1 << bit));
        }
        return "bit " + bit + " of the byte at position " + position + " of " + dataDir.relativize(segment) + " ("
                + size + " bytes)";
    }

    // ---------------------------------------------------------------- reading

    /**
     * Reads the partition from the beginning with one consumer. When its position stops at an offset
     * the broker lists as the start of damaged data, it must stay there for a few polls (the client
     * retries, it does not skip); then the test moves it past the damaged range.
     */
    private static Map<Long, String> readWithKafkaClients(BrokerProcess broker, HttpCalls http,
                                                          TopicPartition partition, long end) {
        Map<Long, String> received = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(broker.bootstrapServers())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long lastProgress = System.nanoTime();
            long position;
            while ((position = consumer.position(partition, TIMEOUT)) < end) {
                if (System.nanoTime() - lastProgress > TIMEOUT.toNanos()) {
                    throw new AssertionError("kafka-clients: no progress within " + TIMEOUT + " at offset " + position
                            + "; damage listed: " + ranges(damage(http, partition.partition())));
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    received.put(record.offset(), new String(record.value(), StandardCharsets.UTF_8));
                    lastProgress = System.nanoTime();
                }
                long at = consumer.position(partition, TIMEOUT);
                long[] range = startingAt(damage(http, partition.partition()), at);
                if (range != null) {
                    for (int poll = 0; poll < POLLS_AT_THE_DAMAGE; poll++) {
                        assertThat(consumer.poll(POLL).isEmpty()).as("records past damaged offset " + at).isTrue();
                        assertThat(consumer.position(partition, TIMEOUT)).as("kafka-clients skipped damaged data")
                                .isEqualTo(at);
                    }
                    log.info("kafka-clients stays at damaged offset {} of partition {}; moved on to {}", at,
                            partition.partition(), range[1]);
                    consumer.seek(partition, range[1]);
                    lastProgress = System.nanoTime();
                }
            }
        }
        return received;
    }

    /** Reads the partition as NDJSON, from the beginning and again after each damaged range an answer names. */
    private static Map<Long, String> readOverHttp(HttpCalls http, int partition, long end, List<long[]> damaged) {
        Map<Long, String> received = new TreeMap<>();
        long from = 0;
        while (from < end) {
            HttpCalls.Answer answer = http.get("/v1/topics/" + TOPIC + "/partitions/" + partition + "/records?offset="
                    + from + "&follow=false", "application/x-ndjson");
            JsonNode error = null;
            if (answer.status() == 200) {
                for (String line : answer.body().split("\n")) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode node = EventStream.parse(line);
                    if (node.has("error")) {
                        error = node;
                    } else {
                        received.put(node.get("offset").asLong(), node.get("value").asText());
                        from = node.get("offset").asLong() + 1;
                    }
                }
            } else {
                assertThat(answer.status()).as(answer.body()).isEqualTo(503);
                error = answer.json();
            }
            if (from >= end) {
                break;
            }
            assertThat(error).as("HTTP NDJSON from " + from + " ended without reaching " + end).isNotNull();
            assertThat(error.get("error").asText()).as(error.toString()).isEqualTo("damaged_data");
            long[] range = startingAt(damaged, from);
            assertThat(range).as("the refused offset " + from + " starts a listed damaged range: " + error).isNotNull();
            assertThat(error.get("message").asText()).contains("holding offsets [" + range[0] + ", " + range[1] + ")");
            from = range[1];
        }
        return received;
    }

    /** Reads every undamaged range of the partition with kcat, each exactly (-c), from its first offset. */
    private static Map<Long, String> readWithKcat(BrokerProcess broker, int partition, long end, List<long[]> damaged)
            throws Exception {
        Map<Long, String> received = new TreeMap<>();
        long from = 0;
        for (long[] range : append(damaged, new long[] {end, end})) {
            if (range[0] > from) {
                ClientProcess kcat = ClientProcess.start(KCAT.toString(), "-b", broker.bootstrapServers(), "-C",
                        "-t", TOPIC, "-p", Integer.toString(partition), "-o", Long.toString(from),
                        "-c", Long.toString(range[0] - from), "-f", "%o %s\\n", "-q");
                assertThat(kcat.awaitExit(TIMEOUT)).as("kcat exit code; " + kcat.stderr()).isZero();
                for (String line : kcat.stdoutLines()) {
                    int space = line.indexOf(' ');
                    received.put(Long.parseLong(line.substring(0, space)), line.substring(space + 1));
                }
            }
            from = range[1];
        }
        return received;
    }

    /**
     * kcat started at a damaged offset receives nothing: it keeps fetching (its debug output shows
     * the broker's storage error answer) and no record is printed.
     */
    private static void assertKcatReceivesNothingAt(BrokerProcess broker, int partition, long offset) throws Exception {
        ClientProcess kcat = ClientProcess.start(KCAT.toString(), "-b", broker.bootstrapServers(), "-C", "-t", TOPIC,
                "-p", Integer.toString(partition), "-o", Long.toString(offset), "-f", "%o %s\\n", "-d", "fetch");
        try {
            Await.until("kcat is answered a storage error at offset " + offset, TIMEOUT,
                    () -> kcat.stderr().contains("KAFKA_STORAGE_ERROR") || kcat.stderr().contains("Disk error"),
                    () -> "; kcat said: " + kcat.stderr());
            log.info("kcat at damaged offset {} of partition {}: {}", offset, partition, kcat.stderr()
                    .lines().filter(l -> l.contains("KAFKA_STORAGE_ERROR") || l.contains("Disk error")).findFirst()
                    .orElse(""));
        } finally {
            kcat.kill();
        }
        assertThat(kcat.stdoutLines()).as("records kcat printed at damaged offset " + offset).isEmpty();
    }

    // ---------------------------------------------------------------- checks

    private static void assertReceivedExactlyTheUndamaged(String client, Map<Long, String> received,
                                                          Map<Long, String> expected, List<long[]> damaged) {
        for (Map.Entry<Long, String> record : received.entrySet()) {
            assertThat(startingAt(damaged, record.getKey()) == null && holding(damaged, record.getKey()) == null)
                    .as(client + " received offset " + record.getKey() + ", which is listed as damaged").isTrue();
            assertThat(record.getValue()).as(client + ": the value at offset " + record.getKey())
                    .isEqualTo(expected.get(record.getKey()));
        }
        long missing = expected.keySet().stream().filter(o -> holding(damaged, o) == null)
                .filter(o -> !received.containsKey(o)).count();
        assertThat(missing).as(client + ": undamaged records not received").isZero();
    }

    /** Per damaged range of the partition, {baseOffset, nextOffset}, from {@code GET /v1/topics/{t}}. */
    private static List<long[]> damage(HttpCalls http, int partition) {
        HttpCalls.Answer answer = http.get("/v1/topics/" + TOPIC);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        List<long[]> out = new ArrayList<>();
        for (JsonNode range : answer.json().get("partitionStates").get(partition).get("damage")) {
            out.add(new long[] {range.get("baseOffset").asLong(), range.get("nextOffset").asLong()});
        }
        return out;
    }

    private static long[] startingAt(List<long[]> damaged, long offset) {
        return damaged.stream().filter(r -> r[0] == offset).findFirst().orElse(null);
    }

    private static long[] holding(List<long[]> damaged, long offset) {
        return damaged.stream().filter(r -> r[0] <= offset && offset < r[1]).findFirst().orElse(null);
    }

    private static List<long[]> append(List<long[]> ranges, long[] last) {
        List<long[]> out = new ArrayList<>(ranges);
        out.sort(java.util.Comparator.comparingLong(r -> r[0]));
        out.add(last);
        return out;
    }

    private static String ranges(List<long[]> damaged) {
        return damaged.stream().map(r -> "[" + r[0] + ", " + r[1] + ")").toList().toString();
    }
}
