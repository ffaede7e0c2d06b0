package dev.mintrecorder.worker.room;

import dev.mintrecorder.worker.ops.Metric;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Notices a long gap between one track's frames (the seed's "long gap between frames").
 *
 * <p>The media callback only stores a timestamp ({@link #onFrame()}, lock-free). A periodic {@link #check()}
 * from a scheduler thread compares it with the threshold and reports the edges: {@code stalled} once when a gap
 * passes the threshold, {@code resumed} once when frames come back. Each stall also counts in
 * {@code recorder_track_stalls_total} and the current gap is the gauge {@code recorder_track_gap_seconds}.
 */
public final class StallDetector {

    /** Receives the edges; called on the checking thread. */
    public interface Listener {
        void stalled(String track, Duration gap);

        void resumed(String track, Duration gap);
    }

    private final String track;
    private final long thresholdNanos;
    private final LongSupplier clock;
    private final Listener listener;
    private final AtomicLong lastFrameNanos;
    private final AtomicBoolean stalled = new AtomicBoolean();
    /** The last frame before the current stall; only the checking thread touches it. */
    private long stallFromNanos;
    private final MeterRegistry registry;
    private final Counter stalls;
    private final Gauge gapGauge;

    public StallDetector(String track, Duration threshold, LongSupplier clock, Listener listener,
                         MeterRegistry registry, Tags tags) {
        this.track = Objects.requireNonNull(track);
        this.thresholdNanos = threshold.toNanos();
        this.clock = clock;
        this.listener = listener;
        // The gap counts from creation: a track that never sends a frame stalls too.
        this.lastFrameNanos = new AtomicLong(clock.getAsLong());
        this.registry = registry;
        Tags all = tags.and("track", track);
        this.stalls = Metric.TRACK_STALLS.counter(registry, all);
        this.gapGauge = Metric.TRACK_GAP.gauge(registry, all, this, d -> d.currentGap().toNanos() / 1e9);
    }

    /** Called from the media callback for every frame: one volatile write. */
    public void onFrame() {
        lastFrameNanos.set(clock.getAsLong());
    }

    public Duration currentGap() {
        return Duration.ofNanos(Math.max(0, clock.getAsLong() - lastFrameNanos.get()));
    }

    public boolean isStalled() {
        return stalled.get();
    }

    /** Reports a stall or a recovery edge; call it periodically (well below the threshold). */
    public void check() {
        long last = lastFrameNanos.get();
        long gap = clock.getAsLong() - last;
        if (gap > thresholdNanos) {
            if (stalled.compareAndSet(false, true)) {
                stallFromNanos = last;
                stalls.increment();
                listener.stalled(track, Duration.ofNanos(gap));
            }
        } else if (stalled.compareAndSet(true, false)) {
            // The gap the stall lasted: from the frame before it to the first frame after it.
            listener.resumed(track, Duration.ofNanos(last - stallFromNanos));
        }
    }

    /** Removes this track's meters. */
    public void close() {
        registry.remove(stalls);
        registry.remove(gapGauge);
    }
}
