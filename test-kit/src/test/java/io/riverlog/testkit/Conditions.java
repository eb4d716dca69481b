package io.riverlog.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Something tests wait on: threads that change what the test watches call {@link #changed()}, and
 * {@link #await} re-checks its condition on each change, up to a timeout. No blind sleeping.
 */
public final class Conditions {

    /** Wakes every waiter to check its condition again. */
    public synchronized void changed() {
        notifyAll();
    }

    /** Waits for {@code condition}; on timeout fails saying {@code what} and the {@code state} at that time. */
    public synchronized void await(String what, Duration timeout, BooleanSupplier condition, Supplier<String> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            long leftMs = (deadline - System.nanoTime()) / 1_000_000;
            if (leftMs <= 0) {
                throw new AssertionError("not within " + timeout + ": " + what + " " + state.get());
            }
            try {
                wait(leftMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting until " + what, e);
            }
        }
    }
}
