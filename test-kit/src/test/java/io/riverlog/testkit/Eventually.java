package io.riverlog.testkit;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Waits for a condition that another process makes true (a client application, a worker), checked
 * again and again up to a timeout. Each check either blocks briefly by itself (a consumer poll, an
 * HTTP call) or is followed by a short pause: no blind sleeping for a guessed time.
 */
public final class Eventually {

    /** One check; it may block for a while. */
    @FunctionalInterface
    public interface Check {
        boolean holds() throws Exception;
    }

    private Eventually() {
    }

    /**
     * Checks {@code check} every {@code pause} until it holds; after {@code timeout} fails with
     * {@code what} and the {@code state} at that moment.
     */
    public static void until(String what, Duration timeout, Duration pause, Check check, Callable<String> state)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what + " " + state.call());
            }
            TimeUnit.NANOSECONDS.sleep(pause.toNanos());
        }
    }
}
