package io.riverlog.testkit.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

import io.riverlog.testkit.disk.InMemoryTempDir;
import io.riverlog.testkit.disk.SimulatedDisk;
import io.riverlog.wal.CompactionConfig;
import io.riverlog.wal.LogConfig;
import io.riverlog.wal.MovableClock;
import io.riverlog.wal.PartitionLog;

/**
 * Random sequences of produce, roll, compaction, reads, time passing, power cuts (also in the middle of
 * a compaction's swap) and restarts, on the simulated disk, against a model: every acknowledged record
 * by offset, and each key's latest. After every step the log must end where the model does, every
 * record it serves must be the one produced at that offset, each key's latest value must be served, a
 * key whose latest record is a tombstone must show nothing older, and a read from any offset must start
 * at the first surviving record at or after it.
 */
class CompactionModelTest {
    private static final long DELETE_RETENTION_MS = 1_000;
    private static final LogConfig CONFIG = new LogConfig(1024, 128, -1, -1, 0, 4096)
            .withCompaction(CompactionConfig.NONE.withCompacts(true).withMinCleanableDirtyRatio(0)
                    .withDeleteRetentionMs(DELETE_RETENTION_MS));
    private static final int KEYS = 12;

    sealed interface Op permits Produce, Roll, Compact, Read, Wait, PowerCut, CutDuringCompaction {
    }

    /** One acknowledged batch: {@code keys} as key numbers, a negative one a tombstone of its key. */
    record Produce(List<Integer> keys) implements Op {
    }

    record Roll() implements Op {
    }

    record Compact() implements Op {
    }

    record Read(double where) implements Op {
    }

    record Wait(long ms) implements Op {
    }

    record PowerCut(long seed) implements Op {
    }

    record CutDuringCompaction(int afterOperations, long seed) implements Op {
    }

    @Property(tries = 40)
    void aCompactedLogServesTheLatestRecordOfEveryKeyAtItsOffset(@ForAll("operations") List<Op> ops)
            throws Exception {
        Path root = InMemoryTempDir.create("riverlog-compaction-model");
        try {
            run(root, ops);
        } finally {
            deleteTree(root);
        }
    }

    /** The long run (-Pvolume): many more sequences; a failure prints the seed that repeats it. */
    @Property(tries = 1_500)
    @Tag("volume")
    void manySequencesKeepTheLatestRecordOfEveryKeyAtItsOffset(@ForAll("operations") List<Op> ops) throws Exception {
        aCompactedLogServesTheLatestRecordOfEveryKeyAtItsOffset(ops);
    }

    private void run(Path root, List<Op> ops) throws Exception {
        MovableClock clock = new MovableClock(Instant.ofEpochMilli(1_000_000));
        SimulatedDisk disk = new SimulatedDisk(root);
        Path dir = root.resolve("topic-0");
        PartitionLog log = PartitionLog.open(dir, CONFIG, clock, disk);
        List<String> produced = new ArrayList<>();
        int value = 0;
        int swaps = 0;
        int cutsInSwaps = 0;
        try {
            for (Op op : ops) {
                if (op instanceof Produce produce) {
                    List<Map.Entry<String, String>> records = new ArrayList<>();
                    for (int key : produce.keys()) {
                        String name = "k" + Math.abs(key);
                        records.add(new java.util.AbstractMap.SimpleEntry<>(name, key < 0 ? null : "v" + value++));
                        produced.add(name + "=" + (key < 0 ? CompactedLogs.TOMBSTONE : "v" + (value - 1)));
                    }
                    log.append(CompactedLogs.batch(clock.millis(), records));
                    log.flush();
                } else if (op instanceof Roll) {
                    log.roll();
                } else if (op instanceof Compact) {
                    swaps += CompactedLogs.compact(log);
                } else if (op instanceof Read read) {
                    checkReadFrom(log, (long) (read.where() * produced.size()));
                } else if (op instanceof Wait wait) {
                    clock.advanceMs(wait.ms());
                } else if (op instanceof PowerCut cut) {
                    disk = disk.restartAfterPowerCut(new Random(cut.seed()));
                    log = PartitionLog.open(dir, CONFIG, clock, disk);
                } else if (op instanceof CutDuringCompaction cut) {
                    disk.cutPowerAfter(cut.afterOperations());
                    try {
                        swaps += CompactedLogs.compact(log);
                    } catch (IOException powerLost) {
                        cutsInSwaps++;
                    }
                    disk = disk.restartAfterPowerCut(new Random(cut.seed()));
                    log = PartitionLog.open(dir, CONFIG, clock, disk);
                }
                check(log, produced);
            }
        } finally {
            if (!disk.powerLost()) {
                log.close();
            }
        }
        Statistics.label("compactions swapped in").collect(Math.min(swaps, 3));
        Statistics.label("power cuts inside a compaction").collect(Math.min(cutsInSwaps, 3));
    }

    private static void check(PartitionLog log, List<String> produced) throws IOException {
        assertThat(log.logEndOffset()).as("log end").isEqualTo(produced.size());
        Map<Long, String> served = CompactedLogs.readAll(log, 0);
        Map<String, Long> latest = new HashMap<>();
        for (int offset = 0; offset < produced.size(); offset++) {
            latest.put(key(produced.get(offset)), (long) offset);
        }
        served.forEach((offset, record) -> {
            assertThat(record).as("record at offset %d", offset).isEqualTo(produced.get(offset.intValue()));
            long latestOffset = latest.get(key(record));
            if (produced.get((int) latestOffset).endsWith("=" + CompactedLogs.TOMBSTONE) && offset < latestOffset) {
                assertThat(served).as("a record of a deleted key is served only with its tombstone")
                        .containsKey(latestOffset);
            }
        });
        latest.forEach((key, offset) -> {
            if (!produced.get(offset.intValue()).endsWith("=" + CompactedLogs.TOMBSTONE)) {
                assertThat(served).as("latest record of %s", key)
                        .containsEntry(offset, produced.get(offset.intValue()));
            }
        });
    }

    private static void checkReadFrom(PartitionLog log, long from) throws IOException {
        if (from >= log.logEndOffset()) {
            return;
        }
        Long expected = CompactedLogs.readAll(log, 0).keySet().stream().filter(offset -> offset >= from)
                .findFirst().orElse(null);
        Long first = CompactedLogs.readAll(log, from).keySet().stream().findFirst().orElse(null);
        assertThat(first).as("first record read from %d", from).isEqualTo(expected);
    }

    private static String key(String record) {
        return record.substring(0, record.indexOf('='));
    }

    @Provide
    Arbitrary<List<Op>> operations() {
        Arbitrary<Integer> key = Arbitraries.integers().between(1, KEYS);
        Arbitrary<Integer> keyOrTombstone = Arbitraries.frequencyOf(Tuple.of(9, key),
                Tuple.of(1, key.map(k -> -k)));
        Arbitrary<Op> produce = keyOrTombstone.list().ofMinSize(1).ofMaxSize(8).map(Produce::new);
        Arbitrary<Op> roll = Arbitraries.just(new Roll());
        Arbitrary<Op> compact = Arbitraries.just(new Compact());
        Arbitrary<Op> read = Arbitraries.doubles().between(0, 1).map(Read::new);
        Arbitrary<Op> wait = Arbitraries.longs().between(1, 2 * DELETE_RETENTION_MS).map(Wait::new);
        Arbitrary<Op> cut = Arbitraries.longs().map(PowerCut::new);
        Arbitrary<Op> cutDuring = Combinators.combine(Arbitraries.integers().between(0, 12), Arbitraries.longs())
                .as(CutDuringCompaction::new);
        return Arbitraries.frequencyOf(
                Tuple.of(10, produce),
                Tuple.of(4, roll),
                Tuple.of(4, compact),
                Tuple.of(2, read),
                Tuple.of(1, wait),
                Tuple.of(1, cut),
                Tuple.of(3, cutDuring)).list().ofMinSize(20).ofMaxSize(90);
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path path : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
