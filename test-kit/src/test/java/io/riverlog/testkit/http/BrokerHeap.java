package io.riverlog.testkit.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The heap a broker process really uses: a full GC, then the heap's used bytes, through the JDK's jcmd. */
final class BrokerHeap {
    private static final Pattern USED = Pattern.compile("used (\\d+)K");
    private static final long TIMEOUT_SECONDS = 60;

    private BrokerHeap() {
    }

    static Path jcmd() {
        return Path.of(System.getProperty("java.home"), "bin", "jcmd");
    }

    static boolean available() {
        return Files.isExecutable(jcmd());
    }

    /** Bytes of live heap of process {@code pid} after a full GC. */
    static long usedAfterGc(long pid) throws IOException, InterruptedException {
        run(pid, "GC.run");
        String info = run(pid, "GC.heap_info");
        Matcher used = USED.matcher(info);
        if (!used.find()) {
            throw new AssertionError("no heap usage in jcmd's answer: " + info);
        }
        return Long.parseLong(used.group(1)) * 1024;
    }

    /**
     * The live heap once what was in flight has settled: the smaller of two measurements, one after
     * the other. (Right after a burst of requests the first full GC can still find a few MiB of
     * their buffers referenced; growth that stays is in both.)
     */
    static long settledAfterGc(long pid) throws IOException, InterruptedException {
        return Math.min(usedAfterGc(pid), usedAfterGc(pid));
    }

    /**
     * The first lines of the process's heap histogram (the classes holding the most bytes), for
     * failure messages; why not, if jcmd could not give it.
     */
    static String histogram(long pid, int lines) {
        try {
            return String.join("\n", run(pid, "GC.class_histogram").lines().limit(lines + 3L).toList());
        } catch (IOException | AssertionError e) {
            return "(no histogram: " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(no histogram: interrupted)";
        }
    }

    private static String run(long pid, String command) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(jcmd().toString(), Long.toString(pid), command).redirectErrorStream(true)
                .start();
        if (!jcmd.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            jcmd.destroyForcibly();
            throw new AssertionError("jcmd " + command + " did not finish within " + TIMEOUT_SECONDS + " s");
        }
        String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (jcmd.exitValue() != 0) {
            throw new AssertionError("jcmd " + command + " failed: " + out);
        }
        return out;
    }
}
