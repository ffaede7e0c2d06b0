package dev.mintrecorder.devstack.media;

import dev.onvoid.webrtc.media.MediaStreamTrack;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.AudioTrackSink;
import dev.onvoid.webrtc.media.audio.CustomAudioSource;
import dev.onvoid.webrtc.media.video.VideoFrame;
import dev.onvoid.webrtc.media.video.VideoFrameBuffer;
import dev.onvoid.webrtc.media.video.VideoTrack;
import dev.onvoid.webrtc.media.video.VideoTrackSink;

/**
 * Forwards one external publisher's received track to subscriber outlets (the relay probe in docs/design.md,
 * "webrtc-java"): the sink pushes each decoded frame (scaled to the outlet's layer) into every outlet's source, then
 * releases it; audio chunks go to {@code CustomAudioSource.pushAudio}. Sinks run on libwebrtc's threads and only copy,
 * so they return fast.
 */
final class Relay extends FrameSource implements AutoCloseable {
    private final MediaStreamTrack remote;
    private final VideoTrackSink videoSink = this::onFrame;
    private final AudioTrackSink audioSink = this::onAudio;

    Relay(MediaStreamTrack remote) {
        this.remote = remote;
        if (remote instanceof VideoTrack video) {
            video.addSink(videoSink);
        } else if (remote instanceof AudioTrack audio) {
            audio.addSink(audioSink);
        }
    }

    private void onFrame(VideoFrame frame) {
        try {
            int fw = frame.buffer.getWidth();
            int fh = frame.buffer.getHeight();
            for (VideoOutlet outlet : videoOutlets) {
                int w = outlet.width;
                int h = outlet.height;
                if (w == 0 || h == 0) {
                    continue;
                }
                if (w < 0 || (w >= fw && h >= fh)) {
                    outlet.push(frame);
                } else {
                    VideoFrameBuffer scaled = frame.buffer.cropAndScale(0, 0, fw, fh, w, h);
                    VideoFrame copy = new VideoFrame(scaled, frame.rotation, frame.timestampNs);
                    try {
                        outlet.push(copy);
                    } finally {
                        copy.release();
                    }
                }
            }
        } catch (RuntimeException e) {
            MediaMain.log("relay frame failed: " + e);
        } finally {
            frame.release();
        }
    }

    private void onAudio(byte[] data, int bitsPerSample, int sampleRate, int channels, int frames) {
        for (CustomAudioSource outlet : audioOutlets) {
            outlet.pushAudio(data, bitsPerSample, sampleRate, channels, frames);
        }
    }

    /** Removes the sink before the publisher connection closes (the documented teardown order). */
    @Override
    public void close() {
        videoOutlets.clear();
        audioOutlets.clear();
        if (remote instanceof VideoTrack video) {
            video.removeSink(videoSink);
        } else if (remote instanceof AudioTrack audio) {
            audio.removeSink(audioSink);
        }
    }
}
