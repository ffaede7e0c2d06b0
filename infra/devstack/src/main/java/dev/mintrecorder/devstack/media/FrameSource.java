package dev.mintrecorder.devstack.media;

import dev.onvoid.webrtc.media.audio.CustomAudioSource;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Where a subscriber's outgoing track gets its media: a room's synthetic publisher or a relayed external publisher.
 * Outlets are the per-subscriber send sources, owned by the media engine; the source pushes into every outlet it holds.
 */
abstract class FrameSource {
    /** Copy-on-write: outlets change rarely, and the push threads iterate without locking. */
    protected final List<VideoOutlet> videoOutlets = new CopyOnWriteArrayList<>();
    protected final List<CustomAudioSource> audioOutlets = new CopyOnWriteArrayList<>();

    final void addVideo(VideoOutlet outlet) {
        videoOutlets.add(outlet);
    }

    final void removeVideo(VideoOutlet outlet) {
        videoOutlets.remove(outlet);
    }

    final void addAudio(CustomAudioSource outlet) {
        audioOutlets.add(outlet);
    }

    final void removeAudio(CustomAudioSource outlet) {
        audioOutlets.remove(outlet);
    }
}
