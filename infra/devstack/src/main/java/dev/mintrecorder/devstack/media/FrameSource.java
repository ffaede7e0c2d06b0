package dev.mintrecorder.devstack.media;

import dev.onvoid.webrtc.media.audio.CustomAudioSource;

/**
 * Where a subscriber's outgoing track gets its media: a room's synthetic publisher or a relayed external publisher.
 * Outlets are the per-subscriber send sources; the host pushes into every outlet it holds.
 */
interface FrameSource {
    void addVideo(VideoOutlet outlet);

    void removeVideo(VideoOutlet outlet);

    void addAudio(CustomAudioSource outlet);

    void removeAudio(CustomAudioSource outlet);
}
