package dev.mintrecorder.contracts;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/** The highest video layer a recording asks for: the SFU layer choice and the encoder's scale limit. */
public record VideoCap(int maxHeight, int fps) {
    public static final VideoCap DEFAULT = new VideoCap(Validation.MAX_HEIGHT_DEFAULT, Validation.FPS_DEFAULT);

    public VideoCap {
        Validation.range("video.max_height", maxHeight, Validation.MAX_HEIGHT_MIN, Validation.MAX_HEIGHT_MAX);
        Validation.range("video.fps", fps, Validation.FPS_MIN, Validation.FPS_MAX);
    }

    /** Wire form: either field may be left out and takes its default. */
    @JsonCreator
    static VideoCap fromWire(@JsonProperty("max_height") Integer maxHeight, @JsonProperty("fps") Integer fps) {
        return new VideoCap(
                Objects.requireNonNullElse(maxHeight, Validation.MAX_HEIGHT_DEFAULT),
                Objects.requireNonNullElse(fps, Validation.FPS_DEFAULT));
    }
}
