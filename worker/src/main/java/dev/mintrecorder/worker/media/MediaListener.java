package dev.mintrecorder.worker.media;

import java.time.Instant;

/**
 * What the encoder reports while it records, besides its segments (each segment is reported once, through its
 * stream: {@link SegmentOutput.Segment#finish}). Called on the encoder thread: implementations return fast (hand
 * work to another thread) and must not throw.
 */
public interface MediaListener {
    /**
     * Media stopped for longer than the gap threshold and resumed; timestamps are on the frames' clock.
     *
     * @param beforeSequence the first segment after the gap (it is reported with {@code discontinuity})
     * @param lastMediaAt the wall-clock time of the last frame before the gap
     * @param resumedAt the wall-clock time of the first frame after it (the next segment's program date-time)
     */
    void gap(long beforeSequence, long lastMediaNanos, long resumedNanos, Instant lastMediaAt, Instant resumedAt);

    /** The encoder stopped on an error; everything it held is already released. */
    void failed(Throwable error);

    MediaListener NONE = new MediaListener() {
        @Override
        public void gap(long beforeSequence, long lastMediaNanos, long resumedNanos, Instant lastMediaAt,
                        Instant resumedAt) {
        }

        @Override
        public void failed(Throwable error) {
        }
    };
}
