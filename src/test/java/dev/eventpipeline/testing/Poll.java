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
     * @throws AssertionError naming {@code description} when the deadline passes first
     */
    public static void until(String description, Duration timeout, Callable<Boolean> condition)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "Timed out after " + timeout + " waiting until " + description);
            }
            Thread.sleep(INTERVAL_MILLIS);
        }
    }
}
