package io.riverlog.testkit.durability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * A small real filesystem (tmpfs) mounted for one test, so that "No space left on device" comes
 * from the kernel. Mounting needs root: where it is not permitted the test is skipped, saying why.
 */
final class SmallDisk implements AutoCloseable {
    private static final long COMMAND_TIMEOUT_SECONDS = 30;

    private final Path mountPoint;

    private SmallDisk(Path mountPoint) {
        this.mountPoint = mountPoint;
    }

    /** Mounts a tmpfs of {@code megabytes} at {@code mountPoint}, or skips the test if that is not allowed. */
    static SmallDisk mount(Path mountPoint, int megabytes) throws IOException, InterruptedException {
        Files.createDirectories(mountPoint);
        String output = run("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "tmpfs", mountPoint.toString());
        Assumptions.assumeTrue(output == null, () -> "cannot mount a small tmpfs here (it needs root): " + output);
        return new SmallDisk(mountPoint);
    }

    Path root() {
        return mountPoint;
    }

    /** Fills the disk with one file until only about {@code freeBytes} are left; returns the file. */
    Path fillLeaving(long freeBytes) throws IOException {
        Path filler = mountPoint.resolve("filler");
        long size = Files.getFileStore(mountPoint).getUsableSpace() - freeBytes;
        try (var file = new java.io.RandomAccessFile(filler.toFile(), "rw")) {
            byte[] chunk = new byte[64 * 1024];
            for (long written = 0; written < size; written += chunk.length) {
                file.write(chunk, 0, (int) Math.min(chunk.length, size - written));
            }
        }
        return filler;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        String output = run("umount", mountPoint.toString());
        if (output != null) {
            throw new IOException("umount " + mountPoint + " failed: " + output);
        }
    }

    /** Runs a command; null if it succeeded, else what it printed. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return e.toString();
        }
        if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return String.join(" ", command) + " did not finish";
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return process.exitValue() == 0 ? null : "exit " + process.exitValue() + ": " + output;
    }
}
