package dev.mintrecorder.worker.media;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An estimate of the frames a source never sent (a publisher's encoder drops frames under CPU load, and those frame
 * numbers never reach the recorder), from the timestamps of the frames that arrive.
 *
 * <p>The rule: the source's frame interval is the mean of the last {@value #WINDOW} steps between frames that lie
 * within half their median of it (the median holds while fewer than half the steps skip frames). Each step between
 * two recorded frames adds its length in intervals, less one, less the frames the worker itself dropped in it, to a
 * phase; a whole frame's worth of phase (rounded at one half) is a frame never sent. A step of k intervals thus skips
 * k - 1 frames, and a late frame followed by an early one (1.6 and 0.4 intervals) skips none: a step is judged on the
 * lower of the phase before and after it, so a skip counts one step late. The phase goes no lower than
 * {@value #PHASE_FLOOR} intervals, so a timestamp clock that slowed long ago does not hide later skips.
 *
 * <p>The timestamps are libwebrtc's render times: the RTP timestamp through the receiver's clock estimate plus its
 * playout delay. That delay grows at once when frames are decoded late and shrinks slowly, so under CPU load a step
 * can be off by more than an interval and the estimate errs by the delay's change over a stretch divided by the
 * interval. Close (within 1 % in the unit test) for a constant-frame-rate source whose receiver keeps a steady delay;
 * rougher otherwise (a variable-rate source such as a screen share, which sends nothing while the picture is still,
 * reads as skipping).
 */
public final class FrameCadence {
    static final int WINDOW = 121;
    /** Until this many steps are known the interval is not trusted and no skip is inferred. */
    static final int MIN_STEPS = 5;
    static final double PHASE_FLOOR = -2;

    private final long[] steps = new long[WINDOW];
    private int count;
    private long last = Long.MIN_VALUE;
    private double phase;
    /** Steps judged before the interval was known, {step, frames the worker dropped in it}: judged once it is. */
    private final List<long[]> held = new ArrayList<>();

    /** Notes a frame's timestamp (nanoseconds); repeated or earlier timestamps teach nothing. */
    public void observe(long timestampNanos) {
        if (last != Long.MIN_VALUE && timestampNanos > last) {
            steps[count % WINDOW] = timestampNanos - last;
            count++;
        }
        if (timestampNanos > last) {
            last = timestampNanos;
        }
    }

    /** The frame interval learnt so far in nanoseconds, or 0 while fewer than {@value #MIN_STEPS} steps are known. */
    public long intervalNanos() {
        int n = Math.min(count, WINDOW);
        if (n < MIN_STEPS) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(steps, n);
        Arrays.sort(sorted);
        long median = sorted[n / 2];
        // The median of jittered steps leans towards the long ones when some skip; the mean of the one-interval steps
        // does not.
        long sum = 0;
        int units = 0;
        for (long step : sorted) {
            if (Math.abs(step - median) * 2 < median) {
                sum += step;
                units++;
            }
        }
        return sum / units;
    }

    /**
     * The frames the source never sent between two consecutive recorded frames at {@code fromNanos} and
     * {@code toNanos}, {@code workerDropped} of the frames between them being the worker's own drops (never counted
     * twice). A step judged before the interval is known is held and counted with the first step after it is, so a
     * skip early in a run is not lost.
     */
    public long sourceSkipped(long fromNanos, long toNanos, long workerDropped) {
        long interval = intervalNanos();
        if (interval == 0) {
            held.add(new long[] {toNanos - fromNanos, workerDropped});
            return 0;
        }
        double before = phase;
        for (long[] h : held) {
            phase += (double) h[0] / interval - 1 - h[1];
        }
        held.clear();
        phase += (double) (toNanos - fromNanos) / interval - 1 - workerDropped;
        // Judged on the lower of the phase before and after this step: a late frame's excess is taken back by the
        // early step after it before it counts, and a real skip counts one step later.
        long skipped = Math.max(0, (long) Math.floor(Math.min(before, phase) + 0.5));
        phase = Math.max(PHASE_FLOOR, phase - skipped);
        return skipped;
    }
}
