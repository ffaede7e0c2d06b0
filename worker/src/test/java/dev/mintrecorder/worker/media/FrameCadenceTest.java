package dev.mintrecorder.worker.media;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FrameCadenceTest {
    private static final long MS = 1_000_000;
    /** 15 fps, the synthetic publisher's rate in the pipeline tests. */
    private static final long T = 66_666_666;

    @Test
    void aStepOfKIntervalsSkipsKMinusOneFrames() {
        FrameCadence c = cadenceAt(T, 10);
        assertEquals(0, step(c, 9 * T, 10 * T, 0));
        assertEquals(0, step(c, 10 * T, 12 * T, 0), "judged on the next step");
        assertEquals(1, step(c, 12 * T, 16 * T, 0));
        assertEquals(3, step(c, 16 * T, 17 * T, 0));
    }

    @Test
    void aLateFrameFollowedByAnEarlyOneSkipsNothing() {
        FrameCadence c = cadenceAt(T, 20);
        long t = 19 * T;
        assertEquals(0, step(c, t, t + T * 16 / 10, 0));
        assertEquals(0, step(c, t + T * 16 / 10, t + 2 * T, 0));
        assertEquals(0, step(c, t + 2 * T, t + 3 * T + 30 * MS, 0));
        long later = step(c, t + 3 * T + 30 * MS, t + 5 * T, 0) + step(c, t + 5 * T, t + 6 * T, 0);
        assertEquals(1, later, "the next skip still counts, one step late at most");
    }

    /** Steps before the interval is known are judged once it is: a skip in a run's first frames still counts. */
    @Test
    void stepsBeforeTheIntervalIsKnownAreCountedLater() {
        FrameCadence c = new FrameCadence();
        long[] ts = {0, T, 3 * T, 4 * T, 5 * T, 6 * T, 7 * T, 8 * T};
        long total = 0;
        c.observe(ts[0]);
        for (int i = 1; i < ts.length; i++) {
            long s = step(c, ts[i - 1], ts[i], 0);
            if (i < FrameCadence.MIN_STEPS) {
                assertEquals(0, s, "held at step " + i);
            }
            total += s;
        }
        assertEquals(1, total);
    }

    /** Frames the worker dropped in a step are its own; only the rest of the step is the source's. */
    @Test
    void theWorkersDropsAreNotCountedAsTheSources() {
        FrameCadence c = cadenceAt(T, 20);
        assertEquals(0, step(c, 19 * T, 22 * T, 1));
        assertEquals(1, step(c, 22 * T, 24 * T, 1));
        assertEquals(0, step(c, 24 * T, 25 * T, 0));
    }

    /** A long stretch behind the timestamps' schedule hides at most {@link FrameCadence#PHASE_FLOOR} later skips. */
    @Test
    void aLongStretchBehindDoesNotHideLaterSkips() {
        FrameCadence c = cadenceAt(T, 20);
        long t = 19 * T;
        for (int i = 0; i < 10; i++) {
            step(c, t, t + T, 1); // a frame dropped that was no missing number (a repeat): the phase falls by one
            t += T;
        }
        long skipped = 0;
        for (int i = 0; i < 5; i++) {
            skipped += step(c, t, t + 2 * T, 0);
            t += 2 * T;
        }
        skipped += step(c, t, t + T, 0);
        assertEquals(5 + (long) FrameCadence.PHASE_FLOOR, skipped);
    }

    /**
     * A constant-rate source losing a third of its frames at random (a loaded publisher's encoder), its timestamps
     * in whole milliseconds (as libwebrtc's render times are) with 0, 3 or 10 ms of jitter: the skips inferred
     * between the frames that arrive are the frames lost within 1 % (the interval learnt from the steps is a little
     * off, and the phase adds that up).
     */
    @Test
    void aLossyConstantRateSourceIsCountedWithinOnePercent() {
        for (long jitter : new long[] {0, 3 * MS, 10 * MS}) {
            long[] lostAndInferred = lossy(jitter);
            assertEquals(lostAndInferred[0], lostAndInferred[1], lostAndInferred[0] / 100.0, "jitter " + jitter);
        }
    }

    private static long[] lossy(long jitter) {
        SplittableRandom random = new SplittableRandom(23);
        FrameCadence c = new FrameCadence();
        long lost = 0;
        long inferred = 0;
        long previous = Long.MIN_VALUE;
        for (int n = 0; n < 3000; n++) {
            if (n > 20 && random.nextInt(3) == 0) {
                lost++;
                continue;
            }
            long ts = (n * T + random.nextLong(-jitter, jitter + 1)) / MS * MS;
            if (previous == Long.MIN_VALUE) {
                c.observe(ts);
            } else {
                inferred += step(c, previous, ts, 0);
            }
            previous = ts;
        }
        return new long[] {lost, inferred};
    }

    @Test
    void aLowerRateIsLearntWithinHalfTheWindow() {
        FrameCadence c = cadenceAt(T, FrameCadence.WINDOW + 1);
        long t = FrameCadence.WINDOW * T;
        for (int i = 1; i <= FrameCadence.WINDOW / 2 + 1; i++) {
            assertEquals(T, c.intervalNanos());
            c.observe(t + i * 2 * T);
        }
        assertEquals(2 * T, c.intervalNanos());
    }

    private static long step(FrameCadence c, long from, long to, long workerDropped) {
        c.observe(to);
        return c.sourceSkipped(from, to, workerDropped);
    }

    private static FrameCadence cadenceAt(long interval, int frames) {
        FrameCadence c = new FrameCadence();
        for (int i = 0; i < frames; i++) {
            c.observe(i * interval);
        }
        return c;
    }
}
