package io.riverlog.testkit.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.actors.replica.GroupSnapshot;
import io.riverlog.actors.replica.ReplicaFiles;
import io.riverlog.actors.replica.ReplicaProgress;
import io.riverlog.testkit.Batches;
import io.riverlog.wal.LogConfig;
import io.riverlog.wal.PartitionLog;
import io.riverlog.wal.Storage;

/**
 * A replica copied from another member, as a member behind a purge of its group's log gets it: only
 * the segments travel, each as long as it was listed; the copy takes the place of the old replica and
 * opens cut back to the end the copied replica recorded, with its indexes rebuilt. A copy cut short
 * by a crash is finished or undone at the next start.
 */
class ReplicaCopyTest {
    /** Small segments, so that the copy carries several. */
    private static final LogConfig CONFIG = new LogConfig(8 * 1024, 256, -1, -1, 0, 1024);
    private static final Storage STORAGE = Storage.LOCAL;

    @TempDir
    Path dir;

    @Test
    void aCopiedReplicaHoldsExactlyWhatTheEntriesItHadAppliedMade() throws Exception {
        Path source = dir.resolve("topics").resolve("from-0");
        long end;
        try (PartitionLog log = PartitionLog.open(source, CONFIG, Clock.systemUTC(), STORAGE)) {
            for (int batch = 0; batch < 20; batch++) {
                log.append(Batches.of("r", batch * 10L, 10, 200));
            }
            end = log.logEndOffset();
            // Appended after the entry the copy is taken at: cut off in the copy.
            log.append(Batches.of("r", 200, 10, 200));
        }
        GroupSnapshot.PartitionCopy described = ReplicaFiles.describe("from", UUID.randomUUID(), 0, source, STORAGE);
        assertThat(described.files()).extracting(GroupSnapshot.FileCopy::name).isNotEmpty()
                .allMatch(name -> name.endsWith(".log"));
        assertThat(described.files().size()).as("segments").isGreaterThan(2);

        Path target = dir.resolve("topics").resolve("copied-0");
        Files.createDirectories(target);
        Files.writeString(target.resolve("00000000000000000000.log"), "what the member had before");
        Path staged = ReplicaFiles.stagingDir(target);
        Files.createDirectories(staged);
        for (GroupSnapshot.FileCopy file : described.files()) {
            copyFirstBytes(source.resolve(file.name()), staged.resolve(file.name()), file.length());
        }
        ReplicaFiles.install(staged, target, new ReplicaProgress.Applied(42, end), STORAGE);

        assertThat(staged).doesNotExist();
        assertThat(ReplicaProgress.read(target, STORAGE)).isEqualTo(new ReplicaProgress.Applied(42, end));
        try (PartitionLog copy = ReplicaProgress.OPENER.open(target, CONFIG, STORAGE);
             PartitionLog original = PartitionLog.open(source, CONFIG, Clock.systemUTC(), STORAGE)) {
            assertThat(copy.logEndOffset()).isEqualTo(end);
            for (long offset = 0; offset < end; offset += 10) {
                ByteBuffer copied = copy.read(offset, 1 << 20, end).readFully();
                ByteBuffer expected = original.read(offset, 1 << 20, end).readFully();
                assertThat(Batches.labels(Batches.records(copied, offset)))
                        .isEqualTo(Batches.labels(Batches.records(expected, offset)));
            }
        }
        assertThat(ReplicaFiles.recover(dir.resolve("topics"), STORAGE)).isEmpty();
    }

    @Test
    void aCompleteCopyWhoseReplicaWasMovedAsideTakesItsPlaceAtTheNextStart() throws Exception {
        Path topics = dir.resolve("topics");
        Path replica = topics.resolve("t-0");
        Path staged = completeCopy(replica);
        Path replaced = topics.resolve("t-0" + ReplicaFiles.REPLACED_SUFFIX);
        Files.createDirectories(replaced);

        List<String> recovered = ReplicaFiles.recover(topics, STORAGE);

        assertThat(recovered).hasSize(2);
        assertThat(staged).doesNotExist();
        assertThat(replaced).doesNotExist();
        assertThat(ReplicaProgress.read(replica, STORAGE).index()).isEqualTo(7);
    }

    @Test
    void aCopyWhoseReplicaIsStillThereIsUndoneAndTheReplicaKept() throws Exception {
        Path topics = dir.resolve("topics");
        Path replica = topics.resolve("t-0");
        Files.createDirectories(replica);
        Files.writeString(replica.resolve("00000000000000000000.log"), "kept");
        Path staged = completeCopy(replica);
        Path unfinished = topics.resolve("u-0" + ReplicaFiles.STAGING_SUFFIX);
        Files.createDirectories(unfinished);

        ReplicaFiles.recover(topics, STORAGE);

        assertThat(staged).doesNotExist();
        assertThat(unfinished).doesNotExist();
        assertThat(topics.resolve("u-0")).doesNotExist();
        assertThat(Files.readString(replica.resolve("00000000000000000000.log"))).isEqualTo("kept");
    }

    @Test
    void aReplicaMovedAsideWithoutASuccessorComesBack() throws Exception {
        Path topics = dir.resolve("topics");
        Path replaced = topics.resolve("t-0" + ReplicaFiles.REPLACED_SUFFIX);
        Files.createDirectories(replaced);
        Files.writeString(replaced.resolve("00000000000000000000.log"), "kept");

        ReplicaFiles.recover(topics, STORAGE);

        assertThat(replaced).doesNotExist();
        assertThat(Files.readString(topics.resolve("t-0").resolve("00000000000000000000.log"))).isEqualTo("kept");
    }

    /** A copy for {@code replica}, staged with its progress recorded, as {@link ReplicaFiles#install} makes it. */
    private static Path completeCopy(Path replica) throws IOException {
        Path staged = ReplicaFiles.stagingDir(replica);
        Path scratch = replica.resolveSibling("scratch-0");
        Files.createDirectories(scratch.resolveSibling(scratch.getFileName() + ReplicaFiles.STAGING_SUFFIX));
        // install() records the progress in the staged copy before anything else: let it do so on a scratch
        // replica, then stage that copy under the replica's name.
        ReplicaFiles.install(scratch.resolveSibling(scratch.getFileName() + ReplicaFiles.STAGING_SUFFIX), scratch,
                new ReplicaProgress.Applied(7, 0), STORAGE);
        Files.move(scratch, staged);
        return staged;
    }

    private static void copyFirstBytes(Path from, Path to, long length) throws IOException {
        try (FileChannel in = FileChannel.open(from);
             FileChannel out = FileChannel.open(to, java.nio.file.StandardOpenOption.CREATE_NEW,
                     java.nio.file.StandardOpenOption.WRITE)) {
            long copied = 0;
            while (copied < length) {
                copied += in.transferTo(copied, length - copied, out);
            }
            out.force(true);
        }
    }
}
