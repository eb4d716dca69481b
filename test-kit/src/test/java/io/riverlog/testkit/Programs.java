package io.riverlog.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;

/** Programs beside the JVM that a test needs (node, npm), so that it can skip, saying why, where one is missing. */
public final class Programs {
    private static final long TIMEOUT_SECONDS = 30;

    private Programs() {
    }

    /** Whether {@code command} (such as {@code node --version}) runs and exits 0 within 30 s. */
    public static boolean work(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().transferTo(OutputStream.nullOutputStream());
            return process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
