package io.riverlog.actors.groups.offsets;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.riverlog.actors.groups.CommittedOffset;
import io.riverlog.actors.groups.offsets.OffsetsLog.SnapshotStep;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.wal.Storage;

/**
 * Random commits, deletions, membership changes and expiries, with snapshots (often: the threshold
 * is small), clean reopens and crashes part-way through a snapshot, checked after every step against
 * a plain map of what should be committed.
 */
class OffsetsLogModelTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T00:00:00Z"), ZoneOffset.UTC);
    private static final long RETENTION_MS = 60_000;

    @TempDir
    Path dir;

    /** What should be committed, kept as simply as possible. */
    private static final class Model {
        final Map<String, Map<PartitionId, CommittedOffset>> offsets = new HashMap<>();
        final Map<String, OffsetChange.Membership> memberships = new HashMap<>();

        void commit(OffsetChange.Committed c) {
            offsets.computeIfAbsent(c.groupId(), g -> new HashMap<>()).put(c.partition(), c.offset());
        }

        void delete(String groupId, PartitionId partition) {
            Map<PartitionId, CommittedOffset> group = offsets.getOrDefault(groupId, new HashMap<>());
            group.remove(partition);
            if (group.isEmpty()) {
                offsets.remove(groupId);
            }
        }

        void deleteGroup(String groupId) {
            offsets.remove(groupId);
            memberships.remove(groupId);
        }

        void expire(long nowMs, Set<String> active, long startedAtMs) {
            Set<String> groups = new HashSet<>(offsets.keySet());
            groups.addAll(memberships.keySet());
            for (String groupId : groups) {
                OffsetChange.Membership membership = memberships.get(groupId);
                if (active.contains(groupId)) {
                    continue;
                }
                long emptySince = membership == null ? 0 : membership.hasMembers() ? startedAtMs : membership.sinceMs();
                Map<PartitionId, CommittedOffset> group = offsets.getOrDefault(groupId, new HashMap<>());
                group.values().removeIf(o -> nowMs - Math.max(o.commitTimestampMs(), emptySince) >= RETENTION_MS);
                if (group.isEmpty()) {
                    offsets.remove(groupId);
                    if (membership == null || nowMs - emptySince >= RETENTION_MS) {
                        memberships.remove(groupId);
                    }
                }
            }
        }

        Set<OffsetChange> image() {
            Set<OffsetChange> image = new HashSet<>(memberships.values());
            offsets.forEach((groupId, group) -> group.forEach((partition, offset) ->
                    image.add(new OffsetChange.Committed(groupId, partition, offset))));
            return image;
        }
    }

    private OffsetsLog log;
    private OffsetTable table;
    private final Model model = new Model();
    private final Set<String> active = new HashSet<>();
    private long nowMs = 1_000_000;
    private long startedAtMs;
    private long snapshotAfterChanges;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void theLogAgreesWithAMapThroughSnapshotsExpiriesReopensAndCrashes(long seed) throws IOException {
        Random random = new Random(seed);
        snapshotAfterChanges = 5 + random.nextInt(40);
        open();
        int snapshots = 0;
        for (int step = 0; step < 300; step++) {
            nowMs += random.nextInt(2_000);
            int op = random.nextInt(100);
            String group = "g" + random.nextInt(12);
            List<OffsetChange> write = new ArrayList<>();
            if (op < 50) {
                for (int i = 0; i < 1 + random.nextInt(4); i++) {
                    PartitionId partition = new PartitionId("t" + random.nextInt(2), random.nextInt(5));
                    write.add(new OffsetChange.Committed(group, partition,
                            new CommittedOffset(random.nextInt(10_000), -1, Optional.empty(), nowMs)));
                }
            } else if (op < 58) {
                write.add(new OffsetChange.Deleted(group, new PartitionId("t0", random.nextInt(5))));
            } else if (op < 61) {
                write.add(new OffsetChange.GroupDeleted(group));
            } else if (op < 76) {
                boolean hasMembers = !active.contains(group);
                if (hasMembers) {
                    active.add(group);
                } else {
                    active.remove(group);
                }
                write.add(new OffsetChange.Membership(group, hasMembers, nowMs));
            } else if (op < 90) {
                OffsetExpiry.find(table, active::contains, nowMs, RETENTION_MS, startedAtMs)
                        .forEach(expired -> write.addAll(expired.changes()));
                model.expire(nowMs, active, startedAtMs);
            } else if (op < 95) {
                log.close();
                open();
            } else {
                crashDuringASnapshot(SnapshotStep.values()[random.nextInt(SnapshotStep.values().length)]);
                open();
            }
            if (!write.isEmpty()) {
                if (log.snapshotDue()) {
                    log.snapshot(table.image());
                    snapshots++;
                }
                log.append(List.of(write));
                write.forEach(table::apply);
                write.forEach(this::applyToModel);
            }
            assertThat(Set.copyOf(table.image())).as("step %d", step).isEqualTo(model.image());
        }
        log.close();
        assertThat(snapshots).isGreaterThan(3);
    }

    private void applyToModel(OffsetChange change) {
        if (change instanceof OffsetChange.Committed committed) {
            model.commit(committed);
        } else if (change instanceof OffsetChange.Deleted deleted) {
            model.delete(deleted.groupId(), deleted.partition());
        } else if (change instanceof OffsetChange.Membership membership) {
            model.memberships.put(membership.groupId(), membership);
        } else if (!(change instanceof OffsetChange.GroupDeleted)) {
            throw new AssertionError("unexpected change " + change);
        }
        if (change instanceof OffsetChange.GroupDeleted) {
            model.deleteGroup(change.groupId());
        }
    }

    /**
     * Opens the log, checks the replay against the model, and notes (as the broker does) that
     * groups lost their members.
     */
    private void open() throws IOException {
        log = OffsetsLog.open(dir, OffsetsSnapshotCrashTest.SMALL, Storage.LOCAL, CLOCK, snapshotAfterChanges);
        table = new OffsetTable();
        log.replay(table::apply);
        assertThat(Set.copyOf(table.image())).as("replayed").isEqualTo(model.image());
        active.clear();
        startedAtMs = nowMs;
        List<OffsetChange> lost = new ArrayList<>();
        for (OffsetChange.Membership membership : List.copyOf(model.memberships.values())) {
            if (membership.hasMembers()) {
                lost.add(new OffsetChange.Membership(membership.groupId(), false, startedAtMs));
            }
        }
        if (!lost.isEmpty()) {
            log.append(List.of(lost));
            lost.forEach(table::apply);
            lost.forEach(this::applyToModel);
        }
    }

    /** A snapshot that stops after {@code step}, leaving the log open as a killed process would. */
    private void crashDuringASnapshot(SnapshotStep step) throws IOException {
        log.onSnapshotSteps(reached -> {
            if (reached == step) {
                throw new IOException("crash after " + reached);
            }
        });
        try {
            log.snapshot(table.image());
            throw new AssertionError("the snapshot did not stop after " + step);
        } catch (IOException expected) {
            // the process is gone; its log is never closed
        }
    }
}
