package dev.mintrecorder.devstack.room;

import dev.mintrecorder.devstack.media.Scene;

/**
 * The synthetic publisher of a room: a participant that publishes a frame-numbered camera ({@link Scene#GRID}, the
 * pattern alone, or {@link Scene#CAMERA}, a realistic scene with the pattern in a corner) and a tone (microphone)
 * from the media process.
 *
 * <p>{@code videoMime} is the camera's codec, {@code video/VP8} (livekit-client's default) or {@code video/H264}: the
 * track announces it and subscribers receive it, as livekit-server forwards a publisher's codec. The encoder here
 * is OpenH264 (Constrained Baseline); {@code h264Profile}, when set, is the profile-level-id subscribers are offered
 * instead (640c1f: a publisher that sends only High, as OBS over WHIP does).
 */
public record SyntheticPublisherSpec(String identity, int width, int height, int fps, double toneHz, String videoMime,
                                     String h264Profile, Scene scene) {
    public static final String VP8 = "video/VP8";
    public static final String H264 = "video/H264";

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
        if (!VP8.equals(videoMime) && !H264.equals(videoMime)) {
            throw new IllegalArgumentException("video codec must be " + VP8 + " or " + H264 + ": " + videoMime);
        }
        if (h264Profile != null && (!H264.equals(videoMime) || !h264Profile.matches("[0-9a-fA-F]{6}"))) {
            throw new IllegalArgumentException("an H.264 profile-level-id is six hex digits, for H.264: " + h264Profile);
        }
    }

    /** A VP8 camera showing {@link Scene#GRID}. */
    public SyntheticPublisherSpec(String identity, int width, int height, int fps, double toneHz) {
        this(identity, width, height, fps, toneHz, VP8, null, Scene.GRID);
    }

    /** 320×240 at 15 fps and 440 Hz: cheap enough for functional tests on 2 cores. */
    public static SyntheticPublisherSpec small(String identity) {
        return new SyntheticPublisherSpec(identity, 320, 240, 15, 440);
    }

    public static SyntheticPublisherSpec hd(String identity) {
        return new SyntheticPublisherSpec(identity, 1280, 720, 30, 440);
    }

    /** The same camera in H.264, offered to subscribers as {@code profile} (null: the encoder's own). */
    public SyntheticPublisherSpec withH264(String profile) {
        return new SyntheticPublisherSpec(identity, width, height, fps, toneHz, H264, profile, scene);
    }

    /** The same publisher showing {@code scene}. */
    public SyntheticPublisherSpec withScene(Scene scene) {
        return new SyntheticPublisherSpec(identity, width, height, fps, toneHz, videoMime, h264Profile, scene);
    }
}
