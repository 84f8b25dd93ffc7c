package dev.eventpipeline.testing;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Waits for a condition by polling it, with a deadline, instead of sleeping a fixed time. */
public final class Poll {

    private static final long INTERVAL_MILLIS = 100;

    private Poll() {}

    /**
     * Polls {@code condition} every 100 ms until it holds.
     *
     * @throws AssertionError naming {@code what} when the deadline passes first
     */
    public static void until(String what, Duration timeout, Callable<Boolean> condition)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + timeout + " waiting until " + what);
            }
            Thread.sleep(INTERVAL_MILLIS);
        }
    }
}
