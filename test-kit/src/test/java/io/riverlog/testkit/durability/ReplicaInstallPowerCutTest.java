package io.riverlog.testkit.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.actors.replica.ReplicaFiles;
import io.riverlog.actors.replica.ReplicaProgress;
import io.riverlog.testkit.disk.InMemoryTempDir;
import io.riverlog.testkit.disk.SimulatedDisk;
import io.riverlog.wal.Storage;

/**
 * A replica replaced by a copy from its group's leader ({@link ReplicaFiles#install}) while the power
 * is cut at any point: after the restart and {@link ReplicaFiles#recover}, the partition directory
 * holds either the old replica whole or the copy whole with the progress it was installed with,
 * never a mix, never nothing, and no staging or replaced directory is left; once the installation
 * returned, it is the copy.
 */
class ReplicaInstallPowerCutTest {
    private static final String SEED = "riverlog.power-cuts.install.seed";
    private static final String SEGMENT = "00000000000000000000.log";
    private static final ReplicaProgress.Applied INSTALLED = new ReplicaProgress.Applied(7, 3);
    /** Enough disk operations for a cut anywhere in an installation, or after it. */
    private static final int MAX_OPERATIONS_BEFORE_CUT = 40;

    @TempDir(factory = InMemoryTempDir.class)
    Path tmp;

    @Test
    void anInstallationCutShortByAPowerCutIsFinishedOrUndoneWhole() throws Exception {
        assertThat(PowerCutRuns.repeat(SEED, 400, this::cutOnce)).isEqualTo(400);
    }

    private int cutOnce(Random random, int index) throws Exception {
        Path root = Files.createDirectory(tmp.resolve("run-" + index));
        SimulatedDisk disk = new SimulatedDisk(root);
        Path topics = root.resolve("topics");
        Path replica = topics.resolve("t-0");
        Path staged = ReplicaFiles.stagingDir(replica);
        disk.createDirectories(replica);
        write(disk, replica.resolve(SEGMENT), "old");
        disk.fsyncDirectory(replica);
        disk.createDirectories(staged);
        write(disk, staged.resolve(SEGMENT), "new");
        disk.fsyncDirectory(staged);

        disk.cutPowerAfter(random.nextInt(MAX_OPERATIONS_BEFORE_CUT));
        boolean returned;
        try {
            ReplicaFiles.install(staged, replica, INSTALLED, disk);
            returned = true;
        } catch (IOException powerCut) {
            returned = false;
        }
        SimulatedDisk restarted = disk.restartAfterPowerCut(random);
        ReplicaFiles.recover(topics, restarted);

        assertThat(restarted.list(topics)).as("what is left under topics").containsExactly(replica);
        String segment = new String(restarted.readAllBytes(replica.resolve(SEGMENT)), StandardCharsets.UTF_8);
        if (segment.equals("new")) {
            assertThat(ReplicaProgress.read(replica, restarted)).isEqualTo(INSTALLED);
        } else {
            assertThat(returned).as("the installation returned, so the copy is in place").isFalse();
            assertThat(segment).isEqualTo("old");
            assertThat(ReplicaProgress.read(replica, restarted)).isEqualTo(ReplicaProgress.Applied.NONE);
        }
        return 1;
    }

    /** Writes {@code text} as a new file, durably (a copy's files are fsynced before it is installed). */
    private static void write(Storage disk, Path file, String text) throws IOException {
        try (FileChannel channel = disk.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            channel.force(true);
        }
    }
}
