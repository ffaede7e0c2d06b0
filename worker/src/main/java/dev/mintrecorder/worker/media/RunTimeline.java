package dev.mintrecorder.worker.media;

import java.time.Instant;

/**
 * One run's clock (pure): where a frame or an audio chunk lands on the run's media timeline, and the wall-clock time of
 * any point on it. Media time is the frames' own timestamps minus the run's zero (its first video frame), never a count
 * of frames or samples, so it cannot drift from the publisher's capture clock however long the run is.
 *
 * <p><b>Wall clock.</b> One reading of the wall clock and the monotonic clock together, taken when the run starts,
 * places the zero on the wall clock; every later point is that plus media time. Each run (after a gap, and in every
 * attempt) takes a fresh reading, so a wall-clock step between runs is picked up at the next discontinuity and never
 * bends a run's timeline.
 *
 * <p><b>Audio.</b> The audio encoder's timestamps are sample counts, so audio stays on the timeline only if the samples
 * written match the chunks' timestamps. {@link #placeAudio} keeps them matched: the run's first chunk is placed at its
 * timestamp, and a big jump (audio coming back after a pause) is corrected at once; a slow drift (the publisher's audio clock a few ppm off the frames') is
 * corrected once the <em>least</em> late chunk of a one-second window is more than {@link #AUDIO_TOLERANCE_SAMPLES} off.
 * The least late, because a chunk's timestamp is when it reached the worker: scheduling only ever makes it later, so
 * the minimum over a window is the true offset and jitter does not trigger corrections.
 */
final class RunTimeline {
    static final long NANOS = 1_000_000_000L;
    /** Audio later than its timestamp by more than this gets silence in front of it at once (a jump, not jitter). */
    static final long AUDIO_FILL_SAMPLES = AudioEncoder.SAMPLE_RATE * 60 / 1000;
    /** Audio earlier than its timestamp by more than this is dropped at once. */
    static final long AUDIO_DROP_SAMPLES = AudioEncoder.SAMPLE_RATE * 150 / 1000;
    /** The slow drift allowed before it is corrected: 10 ms. */
    static final long AUDIO_TOLERANCE_SAMPLES = AudioEncoder.SAMPLE_RATE / 100;
    /** The window over which the least late chunk is taken. */
    private static final long AUDIO_WINDOW_NANOS = NANOS;

    private final long zeroNanos;
    private final Instant wallAtZero;
    private long windowStartNanos = Long.MIN_VALUE;
    private long windowMinLate = Long.MAX_VALUE;

    /**
     * What to do with one audio chunk, in output samples: write {@code silenceBefore} samples of silence first, or
     * drop the chunk, or after writing it drop {@code trimAfter} samples that have not been encoded yet.
     */
    record AudioPlacement(boolean discard, long silenceBefore, long trimAfter) {
        static final AudioPlacement AS_IS = new AudioPlacement(false, 0, 0);
        static final AudioPlacement DISCARD = new AudioPlacement(true, 0, 0);
    }

    private RunTimeline(long zeroNanos, Instant wallAtZero) {
        this.zeroNanos = zeroNanos;
        this.wallAtZero = wallAtZero;
    }

    /**
     * A run whose zero is the frame stamped {@code zeroNanos}, with the wall clock read as {@code wallNow} when the
     * monotonic clock read {@code nanoNow} (the two read together, once).
     */
    static RunTimeline start(long zeroNanos, Instant wallNow, long nanoNow) {
        return new RunTimeline(zeroNanos, wallNow.minusNanos(nanoNow - zeroNanos));
    }

    long zeroNanos() {
        return zeroNanos;
    }

    /** The wall-clock time of the run's first frame. */
    Instant wallAtZero() {
        return wallAtZero;
    }

    /** The wall-clock time of the frame or chunk stamped {@code tsNanos}. */
    Instant wallAt(long tsNanos) {
        return wallAtZero.plusNanos(tsNanos - zeroNanos);
    }

    /** The wall-clock time of media time {@code seconds} (a segment's first frame). */
    Instant wallAt(double seconds) {
        return wallAtZero.plusNanos(Math.round(seconds * NANOS));
    }

    /** A video frame's presentation time, in 1/{@link VideoEncoder#TIME_BASE} s. */
    long videoPts(long tsNanos) {
        return Math.floorDiv((tsNanos - zeroNanos) * VideoEncoder.TIME_BASE, NANOS);
    }

    /** Where a chunk stamped {@code tsNanos} belongs, in samples at {@link AudioEncoder#SAMPLE_RATE}. */
    long audioSample(long tsNanos) {
        return Math.floorDiv((tsNanos - zeroNanos) * AudioEncoder.SAMPLE_RATE, NANOS);
    }

    /**
     * Decides how the chunk stamped {@code tsNanos} is written when the audio track's next sample would land at
     * {@code position} (see the class comment).
     */
    AudioPlacement placeAudio(long tsNanos, long position) {
        long at = audioSample(tsNanos);
        long late = at - position;
        if (at < 0 || late < -AUDIO_DROP_SAMPLES) {
            return AudioPlacement.DISCARD;
        }
        boolean first = windowStartNanos == Long.MIN_VALUE;
        if (late > AUDIO_FILL_SAMPLES || first && late > 0) {
            // A jump, or the run's first chunk, which is placed where its timestamp says.
            restartWindow(tsNanos);
            return new AudioPlacement(false, late, 0);
        }
        if (first) {
            restartWindow(tsNanos);
        }
        windowMinLate = Math.min(windowMinLate, late);
        if (tsNanos - windowStartNanos < AUDIO_WINDOW_NANOS) {
            return AudioPlacement.AS_IS;
        }
        long offset = windowMinLate;
        restartWindow(tsNanos);
        if (offset > AUDIO_TOLERANCE_SAMPLES) {
            return new AudioPlacement(false, offset, 0);
        }
        if (offset < -AUDIO_TOLERANCE_SAMPLES) {
            return new AudioPlacement(false, 0, -offset);
        }
        return AudioPlacement.AS_IS;
    }

    private void restartWindow(long tsNanos) {
        windowStartNanos = tsNanos;
        windowMinLate = Long.MAX_VALUE;
    }
}
