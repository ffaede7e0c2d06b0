package dev.mintrecorder.devstack.room;

import livekit.LivekitModels.VideoQuality;
import livekit.LivekitRtc.UpdateTrackSettings;

/**
 * The simulcast layers the room server pretends a publisher sends: HIGH = full size, MEDIUM = half, LOW = a quarter
 * of each side, as LiveKit clients publish by default. A subscriber's {@code UpdateTrackSettings} picks one the way
 * livekit-server does: {@code width > 0} (or height) wins over quality and selects the smallest layer that still
 * covers the requested size.
 */
public final class Layers {
    private Layers() {
    }

    /** A width and height; 0×0 means the subscriber disabled the track or chose OFF. */
    public record Size(int width, int height) {
        public static final Size OFF = new Size(0, 0);
    }

    public static Size of(int width, int height, VideoQuality quality) {
        return switch (quality) {
            case HIGH -> new Size(width, height);
            case MEDIUM -> scaled(width, height, 2);
            case LOW -> scaled(width, height, 4);
            case OFF, UNRECOGNIZED -> Size.OFF;
        };
    }

    /** The layer a subscriber with these settings receives from a {@code width}×{@code height} publisher. */
    public static Size select(int width, int height, UpdateTrackSettings settings) {
        if (settings.getDisabled()) {
            return Size.OFF;
        }
        if (settings.getWidth() > 0 || settings.getHeight() > 0) {
            for (VideoQuality quality : new VideoQuality[] {VideoQuality.LOW, VideoQuality.MEDIUM}) {
                Size layer = of(width, height, quality);
                if (layer.width() >= settings.getWidth() && layer.height() >= settings.getHeight()) {
                    return layer;
                }
            }
            return new Size(width, height);
        }
        return of(width, height, settings.getQuality());
    }

    private static Size scaled(int width, int height, int divisor) {
        return new Size(Math.max(16, width / divisor & ~1), Math.max(16, height / divisor & ~1));
    }
}
