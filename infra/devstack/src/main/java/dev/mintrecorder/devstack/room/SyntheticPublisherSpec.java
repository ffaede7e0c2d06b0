package dev.mintrecorder.devstack.room;

import dev.mintrecorder.devstack.media.Scene;

/**
 * The synthetic publisher of a room: a participant that publishes a frame-numbered camera ({@link Scene#GRID}, the
 * pattern alone, or {@link Scene#CAMERA}, a realistic scene with the pattern in a corner) and a tone (microphone)
 * from the media process.
 */
public record SyntheticPublisherSpec(String identity, int width, int height, int fps, double toneHz, Scene scene) {

    /** The {@link Scene#GRID} publisher. */
    public SyntheticPublisherSpec(String identity, int width, int height, int fps, double toneHz) {
        this(identity, width, height, fps, toneHz, Scene.GRID);
    }

    public SyntheticPublisherSpec {
        if (scene == null) {
            throw new IllegalArgumentException("scene must be set");
        }
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

    /** The same publisher showing {@code scene}. */
    public SyntheticPublisherSpec withScene(Scene scene) {
        return new SyntheticPublisherSpec(identity, width, height, fps, toneHz, scene);
    }
}
