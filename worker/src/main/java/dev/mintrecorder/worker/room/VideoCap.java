package dev.mintrecorder.worker.room;

/**
 * The most video the recorder asks the SFU for: a height (width follows at 16:9) and a frame rate.
 * The SFU picks the layer; receivers cannot limit resolution locally.
 */
public record VideoCap(int maxHeight, int fps) {
    static final int MIN_HEIGHT = 180;

    public VideoCap {
        if (maxHeight < 1 || fps < 1) {
            throw new IllegalArgumentException("video cap must be positive: " + maxHeight + "p" + fps);
        }
    }

    /** Width for {@code maxHeight} at 16:9, rounded up to even (what encoders want). */
    public int maxWidth() {
        int w = (maxHeight * 16 + 8) / 9;
        return w + (w & 1);
    }

    /** One step down: half the height, not below 180p; the same cap when already at the floor. */
    public VideoCap lower() {
        return maxHeight <= MIN_HEIGHT ? this : new VideoCap(Math.max(MIN_HEIGHT, maxHeight / 2), fps);
    }
}
