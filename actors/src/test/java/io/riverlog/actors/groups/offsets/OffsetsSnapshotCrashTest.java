package io.riverlog.actors.groups.offsets;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.actors.groups.CommittedOffset;
import io.riverlog.actors.groups.offsets.OffsetsLog.SnapshotStep;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.LogConfig;
import io.riverlog.wal.LogFiles;
import io.riverlog.wal.Storage;

/**
 * A snapshot of the offsets log stopped by a crash after each of its steps, and in the on-disk states
 * a crash can leave between them (a torn snapshot, old segments partly deleted), loses no committed
 * offset: every such state replays to the table the log held before the snapshot.
 */
class OffsetsSnapshotCrashTest {
    /** Small segments, so that the log before the snapshot spans many and the snapshot several. */
    static final LogConfig SMALL = new LogConfig(16 * 1024, 256, -1, -1, 0, 1024);
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    static Path tmp;
    static Path dir;
    static Set<OffsetChange> before;
    static int segmentsBefore;
    static final Map<SnapshotStep, Path> crashImages = new EnumMap<>(SnapshotStep.class);
    static int replays;

    @BeforeAll
    static void writeALogThenSnapshotItKeepingAnImageAfterEveryStep() throws IOException {
        dir = tmp.resolve("groups");
        OffsetTable table = new OffsetTable();
        try (OffsetsLog log = OffsetsLog.open(dir, SMALL, Storage.LOCAL, CLOCK, Long.MAX_VALUE)) {
            Random random = new Random(848);
            for (int round = 0; round < 60; round++) {
                List<List<OffsetChange>> writes = new ArrayList<>();
                for (int write = 0; write < 25; write++) {
                    writes.add(randomWrite(random, round * 25 + write));
                    writes.get(write).forEach(table::apply);
                }
                log.append(writes);
            }
            before = Set.copyOf(table.image());
            assertThat(before.size()).as("more than one snapshot batch")
                    .isGreaterThan(OffsetsLog.SNAPSHOT_BATCH_RECORDS);
            segmentsBefore = segmentFiles(dir).size();
            assertThat(segmentsBefore).isGreaterThan(5);
            log.onSnapshotSteps(step -> crashImages.put(step, copy(dir, tmp.resolve("crash-after-" + step))));
            OffsetsLog.Snapshot snapshot = log.snapshot(table.image());
            assertThat(snapshot.segmentsDeleted()).isEqualTo(segmentsBefore);
            assertThat(log.logStartOffset()).isEqualTo(snapshot.startOffset());
        }
        assertThat(crashImages).containsOnlyKeys(SnapshotStep.values());
    }

    /** Commits to 40 groups of up to 40 partitions, with some deletions and membership changes among them. */
    static List<OffsetChange> randomWrite(Random random, int write) {
        String group = "g" + random.nextInt(40);
        int kind = random.nextInt(100);
        if (kind < 2) {
            return List.of(new OffsetChange.GroupDeleted(group));
        }
        if (kind < 8) {
            return List.of(new OffsetChange.Deleted(group, new PartitionId("t", random.nextInt(40))));
        }
        if (kind < 12) {
            return List.of(new OffsetChange.Membership(group, random.nextBoolean(), 1000L * write));
        }
        List<OffsetChange> commit = new ArrayList<>();
        for (int i = 0; i < 1 + random.nextInt(8); i++) {
            commit.add(new OffsetChange.Committed(group, new PartitionId("t", random.nextInt(40)),
                    new CommittedOffset(random.nextInt(1_000_000), 0,
                            random.nextBoolean() ? Optional.empty() : Optional.of("m" + write), 1000L * write)));
        }
        return commit;
    }

    @Test
    void aCrashAfterAnyStepReplaysToTheTableBeforeTheSnapshot() throws IOException {
        for (Map.Entry<SnapshotStep, Path> image : crashImages.entrySet()) {
            assertThat(replayed(image.getValue())).as("crash after %s", image.getKey()).isEqualTo(before);
        }
        assertThat(replayed(dir)).as("after the snapshot completed").isEqualTo(before);
    }

    /**
     * A power failure before the fsync loses any part of what the snapshot wrote since its last
     * roll (which fsyncs).
     */
    @Test
    void aSnapshotTornAnywhereBeforeItsFsyncReplaysToTheTableBeforeIt() throws IOException {
        Path appended = crashImages.get(SnapshotStep.APPENDED);
        assertThat(segmentFiles(appended).size() - segmentsBefore).as("snapshot segments").isGreaterThan(1);
        Random random = new Random(1485);
        for (int cut = 0; cut < 6; cut++) {
            Path image = copy(appended, tmp.resolve("torn-" + cut));
            List<Path> segments = segmentFiles(image);
            Path torn = segments.get(segments.size() - 1);
            long length = Files.size(torn);
            long keep = cut == 0 ? 0 : random.nextLong(length);
            try (FileChannel channel = FileChannel.open(torn, StandardOpenOption.WRITE)) {
                channel.truncate(keep);
            }
            assertThat(replayed(image)).as("%s cut to %d of %d bytes", torn.getFileName(), keep, length)
                    .isEqualTo(before);
        }
    }

    @Test
    void aDeletionOfTheOldSegmentsStoppedAnywhereReplaysToTheTableBeforeIt() throws IOException {
        Path flushed = crashImages.get(SnapshotStep.FLUSHED);
        for (int deleted : new int[] {1, 2, segmentsBefore / 2, segmentsBefore - 1, segmentsBefore}) {
            Path image = copy(flushed, tmp.resolve("deleted-" + deleted));
            List<Path> segments = segmentFiles(image);
            for (Path segment : segments.subList(0, deleted - 1)) {
                deleteSegment(segment);
            }
            // The last one is caught mid-way: its log renamed to *.deleted, its indexes still there.
            Path last = segments.get(deleted - 1);
            Files.move(last, last.resolveSibling(last.getFileName() + LogFiles.DELETED_SUFFIX));
            assertThat(replayed(image)).as("%d of %d old segments deleted", deleted, segmentsBefore).isEqualTo(before);
        }
    }

    @Test
    void writesAfterASnapshotReplayAfterIt() throws IOException {
        OffsetChange later = new OffsetChange.Committed("g1", new PartitionId("t", 0),
                new CommittedOffset(7, 0, Optional.empty(), 99));
        Path image = copy(dir, tmp.resolve("written-after"));
        try (OffsetsLog log = OffsetsLog.open(image, SMALL, Storage.LOCAL, CLOCK, Long.MAX_VALUE)) {
            OffsetTable table = new OffsetTable();
            log.replay(table::apply);
            log.append(List.of(List.of(later)));
        }
        OffsetTable expected = new OffsetTable();
        before.stream().sorted(OffsetsSnapshotCrashTest::offsetsFirst).forEach(expected::apply);
        expected.apply(later);
        assertThat(replayed(image)).isEqualTo(Set.copyOf(expected.image()));
    }

    /**
     * The table a log replays to, as the set of changes that rebuild it; the log is opened in a
     * copy, which recovery may change.
     */
    static Set<OffsetChange> replayed(Path dir) throws IOException {
        OffsetTable table = new OffsetTable();
        Path copy = copy(dir, tmp.resolve("replayed-" + replays++));
        try (OffsetsLog log = OffsetsLog.open(copy, SMALL, Storage.LOCAL, CLOCK, Long.MAX_VALUE)) {
            log.replay(table::apply);
        }
        return new HashSet<>(table.image());
    }

    private static int offsetsFirst(OffsetChange a, OffsetChange b) {
        return Boolean.compare(a instanceof OffsetChange.Membership, b instanceof OffsetChange.Membership);
    }

    static List<Path> segmentFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> LogFiles.baseOffsetOf(f.getFileName().toString(), LogFiles.LOG_SUFFIX) >= 0)
                    .sorted().toList();
        }
    }

    private static void deleteSegment(Path log) throws IOException {
        String base = log.getFileName().toString().replace(LogFiles.LOG_SUFFIX, "");
        for (String suffix : List.of(LogFiles.LOG_SUFFIX, LogFiles.INDEX_SUFFIX, LogFiles.TIME_INDEX_SUFFIX)) {
            Files.deleteIfExists(log.resolveSibling(base + suffix));
        }
    }

    /** A copy of the directory as it is now: what a crash of the process would leave. */
    static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return to;
    }
}
