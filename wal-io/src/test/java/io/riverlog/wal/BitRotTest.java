package io.riverlog.wal;

import static io.riverlog.wal.PartitionLogTest.SMALL;
import static io.riverlog.wal.PartitionLogTest.appendRandomBatches;
import static io.riverlog.wal.PartitionLogTest.readAll;
import static io.riverlog.wal.RecoveryTest.copyFiles;
import static io.riverlog.wal.RecoveryTest.flipBit;
import static io.riverlog.wal.TestBatches.records;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.wal.TestBatches.StoredRecord;

/**
 * One bit flipped at a random position of a random segment file — a header, a length, a CRC, a
 * record — after a clean or an unclean stop. The log must open; every read returns exactly what was
 * written or is refused as damaged, and only offsets in reported damage are refused; the scrubber
 * finds the same damage. The seed is printed; {@code -Driverlog.bit-rot.seed=N} repeats it.
 */
class BitRotTest {
    private static final String SEED = "riverlog.bit-rot.seed";
    private static final Clock CLOCK = Clock.systemUTC();

    @TempDir
    Path tmp;

    @Test
    void aFlippedBitAnywhereIsNeverServed() throws IOException {
        flipMany(60);
    }

    @Tag("volume")
    @Test
    void aFlippedBitAnywhereIsNeverServedInManyLogs() throws IOException {
        flipMany(600);
    }

    private void flipMany(int trials) throws IOException {
        long seed = Long.getLong(SEED, System.nanoTime());
        System.out.println("bit-rot trials with seed " + seed + " (repeat with -D" + SEED + "=" + seed + ")");
        Random random = new Random(seed);
        int damaged = 0;
        for (int trial = 0; trial < trials; trial++) {
            try {
                damaged += flipOne(random, trial) ? 1 : 0;
            } catch (IOException | AssertionError | RuntimeException e) {
                throw new AssertionError("trial " + trial + " of seed " + seed + " failed: " + e.getMessage(), e);
            }
        }
        // Most flips land in fsynced batches; a flip in an unflushed tail is cut instead.
        assertThat(damaged).as("trials whose flip was found as damage").isGreaterThan(trials / 4);
    }

    /** One trial; true if the flip was found as damage (by a read or the scrubber). */
    private boolean flipOne(Random random, int trial) throws IOException {
        Path live = tmp.resolve("live-" + trial);
        Path damaged = tmp.resolve("damaged-" + trial);
        boolean clean = random.nextBoolean();
        List<StoredRecord> acknowledged;
        List<StoredRecord> written;
        try (PartitionLog log = PartitionLog.open(live, SMALL, CLOCK)) {
            appendRandomBatches(log, 50 + random.nextInt(150), random);
            log.flush();
            acknowledged = readAll(log);
            if (!clean) {
                appendRandomBatches(log, random.nextInt(4), random);
            }
            written = readAll(log);
            if (!clean) {
                copyFiles(live, damaged);
            }
        }
        if (clean) {
            copyFiles(live, damaged);
            Files.createFile(damaged.resolve(LogFiles.CLEAN_SHUTDOWN));
        }
        List<Path> segments = segmentFiles(damaged);
        Path file = segments.get(random.nextInt(segments.size()));
        long position = (long) (random.nextDouble() * Files.size(file));
        flipBit(file, position, random.nextInt(8));

        Map<Long, StoredRecord> expected = new HashMap<>();
        written.forEach(record -> expected.put(record.offset(), record));
        long acknowledgedEnd = acknowledged.get(acknowledged.size() - 1).offset() + 1;
        boolean foundDamage;
        try (PartitionLog log = PartitionLog.open(damaged, SMALL, CLOCK)) {
            assertThat(log.logEndOffset()).as("acknowledged records are never cut")
                    .isGreaterThanOrEqualTo(acknowledgedEnd);
            int refused = 0;
            for (long offset = log.logStartOffset(); offset < log.logEndOffset(); offset++) {
                try {
                    for (StoredRecord record : records(log.read(offset, 1 + random.nextInt(20_000), Long.MAX_VALUE))) {
                        assertThat(record).as("served at offset %d", record.offset())
                                .isEqualTo(expected.get(record.offset()));
                    }
                } catch (DamagedDataException e) {
                    refused++;
                    assertThat(e.damage().holds(offset)).isTrue();
                    assertThat(e.damage().file()).isEqualTo(file);
                }
            }
            List<Damage> found = log.damage();
            for (int step = log.scrub(4096); step > 0; step = log.scrub(4096)) {
                // every byte gets checked
            }
            if (refused > 0) {
                assertThat(found).as("damage refused is reported").isNotEmpty();
            }
            assertThat(log.damage()).as("the scrubber keeps what reads found").containsAll(found);
            foundDamage = !log.damage().isEmpty();
        }
        deleteTree(live);
        deleteTree(damaged);
        return foundDamage;
    }

    private static List<Path> segmentFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(LogFiles.LOG_SUFFIX)).sorted().toList();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }
}
