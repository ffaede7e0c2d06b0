package dev.mintrecorder.devstack.media;

import dev.onvoid.webrtc.media.video.CustomVideoSource;
import dev.onvoid.webrtc.media.video.VideoFrame;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One subscriber's video send source and the layer it should carry: a size (its spatial layer) and a frame divisor
 * (its temporal layer: every frame, every second or every fourth). Width 0 pauses it (track disabled or quality
 * OFF); a negative width passes relayed frames through at whatever size the publisher sends. Relays are announced
 * without temporal layers, so their divisor is always 1.
 */
final class VideoOutlet {
    final CustomVideoSource source;
    volatile int width;
    volatile int height;
    volatile int every;
    /** Frames handed to {@link #source}: libwebrtc may drop some before its own count of source frames. */
    final AtomicLong given = new AtomicLong();

    VideoOutlet(CustomVideoSource source, int width, int height, int every) {
        this.source = source;
        this.width = width;
        this.height = height;
        this.every = Math.max(1, every);
    }

    void push(VideoFrame frame) {
        given.incrementAndGet();
        source.pushFrame(frame);
    }
}
