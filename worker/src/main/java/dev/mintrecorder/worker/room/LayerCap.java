package dev.mintrecorder.worker.room;

import dev.mintrecorder.contracts.VideoCap;

/**
 * The most video the recorder asks the SFU for: a height (width follows at 16:9) and a frame rate.
 * The SFU picks the layer; receivers cannot limit resolution locally.
 *
 * <p>Made from the job's {@link VideoCap} ({@link #of}), which is the one video cap of the contracts. This is the
 * room's own value because it goes where a job's cap may not: the memory governor {@link #lower lowers} it to 180p,
 * and the room tests ask for layers below the job range (90p). It checks only that both figures are positive.
 */
public record LayerCap(int maxHeight, int fps) {
    static final int MIN_HEIGHT = 180;

    public LayerCap {
        if (maxHeight < 1 || fps < 1) {
            throw new IllegalArgumentException("video cap must be positive: " + maxHeight + "p" + fps);
        }
    }

    /** The job's cap, as asked of the SFU. */
    public static LayerCap of(VideoCap video) {
        return new LayerCap(video.maxHeight(), video.fps());
    }

    /** Width for {@code maxHeight} at 16:9, rounded up to even (what encoders want). */
    public int maxWidth() {
        int w = (maxHeight * 16 + 8) / 9;
        return w + (w & 1);
    }

    /** One step down: half the height, not below 180p; the same cap when already at the floor. */
    public LayerCap lower() {
        return maxHeight <= MIN_HEIGHT ? this : new LayerCap(Math.max(MIN_HEIGHT, maxHeight / 2), fps);
    }
}
