package dev.mintrecorder.devstack.media;

import dev.onvoid.webrtc.media.video.CustomVideoSource;

/**
 * One subscriber's video send source and the size it should carry (its layer). Width 0 pauses it (track disabled or
 * quality OFF); a negative width passes relayed frames through at whatever size the publisher sends.
 */
final class VideoOutlet {
    final CustomVideoSource source;
    volatile int width;
    volatile int height;

    VideoOutlet(CustomVideoSource source, int width, int height) {
        this.source = source;
        this.width = width;
        this.height = height;
    }
}
