package dev.mintrecorder.bench;

import java.time.Duration;
import java.util.concurrent.Callable;

import static org.awaitility.Awaitility.await;

/** Waiting in benchmarks: conditions are awaited with a deadline; only measurement windows pass time. */
final class Timing {
    private Timing() {
    }

    /** Lets a measurement window pass (the thing measured runs meanwhile). Not a synchronisation. */
    static void pause(Duration window) {
        if (window.isNegative() || window.isZero()) {
            return;
        }
        try {
            Thread.sleep(window);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Waits until {@code condition} holds, polling every 50 ms, failing after {@code deadline}. */
    static void until(Duration deadline, String what, Callable<Boolean> condition) {
        await(what).atMost(deadline).pollInterval(Duration.ofMillis(50)).until(condition);
    }
}
