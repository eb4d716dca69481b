package io.riverlog.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import io.riverlog.wal.TestBatches.StoredRecord;

/**
 * Random sequences of appends, reads, flushes, clean reopenings and crashes (with and without a
 * torn tail) must leave the log equal to a plain list of records: the model.
 */
class PartitionLogModelTest {
    private static final Clock CLOCK = Clock.systemUTC();
    private static final LogConfig CONFIG = new LogConfig(4 * 1024, 200, -1, -1, 0, 512);

    sealed interface Op permits Append, Read, Flush, CleanReopen, Crash {
    }

    record Append(int records, int valueBytes) implements Op {
    }

    record Read(double where, int maxBytes) implements Op {
    }

    record Flush() implements Op {
    }

    record CleanReopen() implements Op {
    }

    /** A kill -9: the files are taken as they are; {@code tear} > 0 also cuts that fraction of the unflushed tail. */
    record Crash(double tear) implements Op {
    }

    @Property(tries = 60)
    void theLogBehavesLikeAListOfRecords(@ForAll("operations") List<Op> ops) throws IOException {
        Path root = Files.createTempDirectory("riverlog-prop");
        try {
            run(root, ops);
        } finally {
            deleteTree(root);
        }
    }

    private void run(Path root, List<Op> ops) throws IOException {
        int generation = 0;
        Path dir = root.resolve("log-" + generation);
        PartitionLog log = PartitionLog.open(dir, CONFIG, CLOCK);
        List<String> model = new ArrayList<>();
        TreeSet<Long> batchEnds = new TreeSet<>(List.of(0L));
        try {
            for (Op op : ops) {
                if (op instanceof Append append) {
                    String tag = "g" + generation + "o" + model.size();
                    AppendResult result = log.append(TestBatches.batch(tag, append.records(), append.valueBytes(), 0));
                    assertThat(result.firstOffset()).isEqualTo(model.size());
                    for (int i = 0; i < append.records(); i++) {
                        model.add(TestBatches.valueText(tag, i, append.valueBytes()));
                    }
                    batchEnds.add((long) model.size());
                } else if (op instanceof Read read) {
                    checkRead(log, model, read);
                } else if (op instanceof Flush) {
                    assertThat(log.flush()).isEqualTo(model.size());
                } else if (op instanceof CleanReopen) {
                    log.close();
                    log = PartitionLog.open(dir, CONFIG, CLOCK);
                    assertThat(log.logEndOffset()).isEqualTo(model.size());
                } else if (op instanceof Crash crash) {
                    long durable = log.durableEndOffset();
                    Path crashed = root.resolve("log-" + (++generation));
                    RecoveryTest.copyFiles(dir, crashed);
                    log.close();
                    Path active = RecoveryTest.activeSegment(crashed);
                    long size = Files.size(active);
                    // Only what the last fsync did not cover may be torn.
                    RecoveryPoint fsynced = RecoveryPoint.read(crashed, Storage.LOCAL);
                    long floor = fsynced != null && LogFiles.fileName(fsynced.segmentBaseOffset(), LogFiles.LOG_SUFFIX)
                            .equals(active.getFileName().toString()) ? fsynced.position() : 0;
                    if (crash.tear() > 0 && size > floor) {
                        RecoveryTest.truncate(active, size - Math.max(1, (long) ((size - floor) * crash.tear())));
                    }
                    dir = crashed;
                    log = PartitionLog.open(dir, CONFIG, CLOCK);
                    long end = log.logEndOffset();
                    assertThat(end).isBetween(durable, (long) model.size());
                    assertThat(batchEnds).contains(end);
                    model.subList((int) end, model.size()).clear();
                    batchEnds.tailSet(end, false).clear();
                }
                assertThat(log.logEndOffset()).isEqualTo(model.size());
            }
            assertThat(PartitionLogTest.readAll(log)).extracting(StoredRecord::value).isEqualTo(model);
        } finally {
            log.close();
        }
    }

    private static void checkRead(PartitionLog log, List<String> model, Read read) throws IOException {
        if (model.isEmpty()) {
            return;
        }
        long offset = (long) (read.where() * model.size());
        List<StoredRecord> records = TestBatches.records(log.read(offset, read.maxBytes(), model.size()));
        assertThat(records).isNotEmpty();
        assertThat(records.get(0).offset()).isLessThanOrEqualTo(offset);
        for (StoredRecord record : records) {
            assertThat(record.value()).isEqualTo(model.get((int) record.offset()));
        }
        assertThat(records).extracting(StoredRecord::offset).contains(offset);
    }

    @Provide
    Arbitrary<List<Op>> operations() {
        Arbitrary<Op> append = Combinators.combine(Arbitraries.integers().between(1, 12),
                Arbitraries.integers().between(0, 400)).as(Append::new);
        Arbitrary<Op> read = Combinators.combine(Arbitraries.doubles().between(0, 0.999).ofScale(3),
                Arbitraries.integers().between(1, 6000)).as(Read::new);
        Arbitrary<Op> flush = Arbitraries.just(new Flush());
        Arbitrary<Op> reopen = Arbitraries.just(new CleanReopen());
        Arbitrary<Op> crash = Arbitraries
                .oneOf(Arbitraries.just(0.0), Arbitraries.doubles().between(0.001, 1.0).ofScale(3))
                .map(Crash::new);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(10, append),
                net.jqwik.api.Tuple.of(5, read),
                net.jqwik.api.Tuple.of(3, flush),
                net.jqwik.api.Tuple.of(1, reopen),
                net.jqwik.api.Tuple.of(2, crash)).list().ofMinSize(1).ofMaxSize(80);
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
