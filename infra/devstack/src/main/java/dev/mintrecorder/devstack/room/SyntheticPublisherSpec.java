package dev.mintrecorder.devstack.room;

/**
 * The synthetic publisher of a room: a participant that publishes a frame-numbered test pattern (camera) and a tone
 * (microphone) from the media process.
 */
public record SyntheticPublisherSpec(String identity, int width, int height, int fps, double toneHz) {

    public SyntheticPublisherSpec {
        if (identity == null || identity.isBlank()) {
            throw new IllegalArgumentException("identity must be set");
        }
        if (width < 16 || height < 16 || width % 2 != 0 || height % 2 != 0 || fps < 1 || fps > 60) {
            throw new IllegalArgumentException("bad size or fps: " + width + "x" + height + "@" + fps);
        }
    }

    /** 320×240 at 15 fps and 440 Hz: cheap enough for functional tests on 2 cores. */
    public static SyntheticPublisherSpec small(String identity) {
        return new SyntheticPublisherSpec(identity, 320, 240, 15, 440);
    }

    public static SyntheticPublisherSpec hd(String identity) {
        return new SyntheticPublisherSpec(identity, 1280, 720, 30, 440);
    }
}
