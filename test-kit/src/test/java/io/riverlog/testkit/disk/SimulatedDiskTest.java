package io.riverlog.testkit.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The power-cut model itself: what survives, what may survive, and what cannot. */
class SimulatedDiskTest {
    private static final int TRIES = 64;

    @TempDir(factory = InMemoryTempDir.class)
    Path tmp;

    @Test
    void aForcedFileInAnFsyncedDirectorySurvivesEveryCut() throws IOException {
        for (int seed = 0; seed < TRIES; seed++) {
            Path root = Files.createDirectory(tmp.resolve("run-" + seed));
            SimulatedDisk disk = new SimulatedDisk(root);
            disk.createDirectories(root.resolve("a/b"));
            try (FileChannel file = disk.open(root.resolve("a/b/f"), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                file.write(ByteBuffer.wrap(bytes(3000, 1)), 0);
                file.force(false);
            }
            disk.fsyncDirectory(root.resolve("a/b"));
            disk.restartAfterPowerCut(cut(seed));
            assertThat(Files.readAllBytes(root.resolve("a/b/f"))).isEqualTo(bytes(3000, 1));
        }
    }

    @Test
    void aFileWhoseDirectoryWasNotFsyncedMayBeGoneThoughItWasForced() throws IOException {
        Set<Boolean> present = new HashSet<>();
        for (int seed = 0; seed < TRIES; seed++) {
            Path root = Files.createDirectory(tmp.resolve("run-" + seed));
            SimulatedDisk disk = new SimulatedDisk(root);
            try (FileChannel file = disk.open(root.resolve("f"), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                file.write(ByteBuffer.wrap(bytes(100, 2)), 0);
                file.force(false);
            }
            disk.restartAfterPowerCut(cut(seed));
            boolean exists = Files.exists(root.resolve("f"));
            present.add(exists);
            if (exists) {
                assertThat(Files.readAllBytes(root.resolve("f"))).isEqualTo(bytes(100, 2));
            }
        }
        assertThat(present).containsExactlyInAnyOrder(true, false);
    }

    @Test
    void writesAfterTheLastForceAreLostKeptOrTornAtSectors() throws IOException {
        Set<String> outcomes = new HashSet<>();
        byte[] durable = bytes(1024, 3);
        byte[] later = bytes(2048, 4);
        for (int seed = 0; seed < TRIES; seed++) {
            Path root = Files.createDirectory(tmp.resolve("run-" + seed));
            SimulatedDisk disk = new SimulatedDisk(root);
            try (FileChannel file = disk.open(root.resolve("f"), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                file.write(ByteBuffer.wrap(durable), 0);
                file.force(false);
                disk.fsyncDirectory(root);
                file.write(ByteBuffer.wrap(later), durable.length);
            }
            disk.restartAfterPowerCut(cut(seed));
            byte[] after = Files.readAllBytes(root.resolve("f"));
            assertThat(Arrays.copyOf(after, durable.length)).isEqualTo(durable);
            int sectors = 0;
            for (int sector = 0; sector * 512 < after.length - durable.length; sector++) {
                int from = durable.length + sector * 512;
                byte[] got = Arrays.copyOfRange(after, from, Math.min(after.length, from + 512));
                byte[] written = Arrays.copyOfRange(later, sector * 512, sector * 512 + got.length);
                if (Arrays.equals(got, written)) {
                    sectors++;
                } else {
                    assertThat(got).as("a sector not kept reads as zeros").containsOnly((byte) 0);
                }
            }
            outcomes.add(after.length == durable.length ? "lost" : sectors == 4 ? "kept" : "torn");
        }
        assertThat(outcomes).containsExactlyInAnyOrder("lost", "kept", "torn");
    }

    @Test
    void aRenameIsAtomicAndDurableOnceItsDirectoryIsFsynced() throws IOException {
        Set<String> names = new HashSet<>();
        for (int seed = 0; seed < TRIES; seed++) {
            Path root = Files.createDirectory(tmp.resolve("run-" + seed));
            SimulatedDisk disk = new SimulatedDisk(root);
            disk.createFile(root.resolve("old"));
            disk.fsyncDirectory(root);
            disk.rename(root.resolve("old"), root.resolve("new"));
            boolean sync = seed % 2 == 0;
            if (sync) {
                disk.fsyncDirectory(root);
            }
            disk.restartAfterPowerCut(cut(seed));
            String name = Files.exists(root.resolve("old")) ? "old" : "new";
            assertThat(Files.exists(root.resolve("old"))).isNotEqualTo(Files.exists(root.resolve("new")));
            if (sync) {
                assertThat(name).isEqualTo("new");
            }
            names.add(name);
        }
        assertThat(names).containsExactlyInAnyOrder("old", "new");
    }

    @Test
    void afterTheCutNothingReachesTheDiskAndAFileWrittenBehindItsBackIsReported() throws IOException {
        Path root = Files.createDirectory(tmp.resolve("cut"));
        SimulatedDisk disk = new SimulatedDisk(root);
        FileChannel file = disk.open(root.resolve("f"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        disk.cutPowerAfter(1);
        file.write(ByteBuffer.wrap(bytes(10, 5)), 0);
        assertThatThrownBy(() -> file.force(false)).isInstanceOf(IOException.class).hasMessageContaining("lost power");
        assertThatThrownBy(() -> disk.createDirectory(root.resolve("d"))).isInstanceOf(IOException.class);

        Path other = Files.createDirectory(tmp.resolve("behind"));
        SimulatedDisk watched = new SimulatedDisk(other);
        Files.writeString(other.resolve("sneaky"), "x");
        assertThatThrownBy(() -> watched.restartAfterPowerCut(new Random(1)))
                .hasMessageContaining("sneaky").hasMessageContaining("behind the simulated disk's back");
    }

    /** The cut of try {@code n}: Randoms of neighbouring seeds start alike, so the seed is scrambled. */
    private static Random cut(int n) {
        return new Random(n * 0x9E3779B97F4A7C15L);
    }

    private static byte[] bytes(int count, int seed) {
        byte[] bytes = new byte[count];
        new Random(seed).nextBytes(bytes);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                bytes[i] = 1;
            }
        }
        return bytes;
    }
}
