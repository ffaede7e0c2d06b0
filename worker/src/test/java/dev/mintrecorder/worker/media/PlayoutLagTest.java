package dev.mintrecorder.worker.media;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The audio's playout excess read from receiver reports, against a simulated NetEq whose delay saws as measured: it
 * grows 20 ms per second (the headless device pulling 2% slow) from 60 to 180 ms, then falls back over a second
 * (accelerate). Reports come every 50 ms (times in microseconds) and the RTP timestamp of the 20 ms packet played.
 */
class PlayoutLagTest {
    private static final long MS = 1_000_000L;
    private static final long LOW = 60 * MS;
    private static final long HIGH = 180 * MS;

    /** The simulated delay at local time {@code t}: up 20 ms/s for 6 s, down 120 ms over 1 s, again. */
    private static long delay(long t) {
        long cycle = 7_000 * MS;
        long in = Math.floorMod(t, cycle);
        long rise = 6_000 * MS;
        return in < rise ? LOW + (HIGH - LOW) * in / rise : HIGH - (HIGH - LOW) * (in - rise) / (cycle - rise);
    }

    /** The RTP timestamp (48 kHz, 20 ms packets, from {@code origin}) of the audio played at local time t. */
    private static long rtpAt(long t, long origin) {
        long capture = t - delay(t);
        long packet = Math.floorDiv(capture, 20 * MS) * 960;
        return (origin + packet) & 0xFFFF_FFFFL;
    }

    @Test
    void followsTheSawtoothWithinTwelveMillisecondsOnceACycleIsSeen() {
        PlayoutLag lag = new PlayoutLag(48_000);
        long start = 5_000_000 * MS;
        long worst = 0;
        long largest = 0;
        // Starts just below a 32-bit wrap of the RTP timestamp, which comes after about 5 s.
        long origin = 0xFFFF_FFFFL - 48_000L * 5 - Math.floorDiv(start - LOW, 20 * MS) * 960;
        for (long t = start; t < start + 60_000 * MS; t += 50 * MS) {
            lag.observe(t / 1_000, rtpAt(t, origin));
            if (t - start >= 7_000 * MS) {
                long truth = delay(t) - LOW;
                worst = Math.max(worst, Math.abs(lag.excessNanos() - truth));
                largest = Math.max(largest, lag.excessNanos());
            }
        }
        assertTrue(worst <= 12 * MS, "worst error " + worst / MS + " ms");
        assertTrue(largest >= 100 * MS, "the excess reaches the sawtooth's top: " + largest / MS + " ms");
    }

    @Test
    void aRepeatedReportChangesNothingAndAJumpStartsAfresh() {
        PlayoutLag lag = new PlayoutLag(48_000);
        lag.observe(1_000 * 1_000, 0);
        lag.observe(1_400 * 1_000, 48 * 400 - 48 * 30); // played 30 ms later than the first
        assertEquals(30 * MS, lag.excessNanos());
        lag.observe(1_400 * 1_000, 48 * 400 - 48 * 30);
        assertEquals(30 * MS, lag.excessNanos());
        // Audio back after a 4 s pause whose RTP timestamps did not advance: a new window, nothing to correct yet.
        lag.observe(5_400 * 1_000, 48 * 400);
        assertEquals(0, lag.excessNanos());
        lag.observe(5_700 * 1_000, 48 * 700 - 48 * 10);
        assertEquals(10 * MS, lag.excessNanos());
    }

    @Test
    void theExcessFallsBackAsTheDelayDoesAndForgetsLowsOlderThanTheWindow() {
        PlayoutLag lag = new PlayoutLag(48_000);
        lag.observe(0 * 1_000, 0); // the lowest delay, 0 ms
        lag.observe(300 * 1_000, 48 * 300 - 48 * 40); // 40 ms later than that
        assertEquals(40 * MS, lag.excessNanos());
        long late = PlayoutLag.WINDOW_NANOS / MS + 1_000;
        lag.observe(late * 1_000, 48 * late - 48 * 40);
        assertEquals(0, lag.excessNanos(), "the 0 ms low left the window: 40 ms is the new least");
    }
}
