package dev.mintrecorder.worker.room;

import dev.mintrecorder.worker.media.FrameQueues;
import dev.mintrecorder.worker.media.PlayoutLag;
import dev.onvoid.webrtc.RTCStatsReport;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.video.VideoTrack;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * The target's media as it enters the recorder: the two sinks that fill the bounded queues, their stall detectors,
 * the receiver statistics and the queue meters. One per room session, for its whole life (a rejoin keeps it: the
 * queues stay). The room's loop calls it; only the sinks run on libwebrtc's threads.
 */
final class TargetMedia implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TargetMedia.class);
    /** Opus's RTP clock rate (RFC 7587: always 48 kHz). */
    private static final int OPUS_CLOCK_RATE = 48_000;

    private final FrameQueues queues;
    private final StallDetector videoStall;
    private final StallDetector audioStall;
    private final VideoQueueSink videoSink;
    private final AudioQueueSink audioSink;
    /** The audio's playout excess, read from the receiver by {@link #pollPlayout}, applied by the audio sink. */
    private final PlayoutLag playoutLag = new PlayoutLag(OPUS_CLOCK_RATE);
    private final ReceiverStats stats;
    private final QueueMeters videoMeters;
    private final QueueMeters audioMeters;
    private boolean videoAttached;
    private boolean audioAttached;

    /** @param events where stall and stall-end events go (the room's listener, on the loop) */
    TargetMedia(FrameQueues queues, Duration stallThreshold, MeterRegistry registry, Tags tags,
                Consumer<RoomEvent> events) {
        this.queues = queues;
        StallDetector.Listener stallListener = new StallDetector.Listener() {
            @Override
            public void stalled(String track, Duration gap) {
                log.warn("{} track stalled: no frame for {} ms", track, gap.toMillis());
                events.accept(new RoomEvent.Stalled(track, gap));
            }

            @Override
            public void resumed(String track, Duration gap) {
                log.info("{} track flows again after {} ms", track, gap.toMillis());
                events.accept(new RoomEvent.StallEnded(track, gap));
            }
        };
        this.videoStall = new StallDetector("video", stallThreshold, System::nanoTime, stallListener, registry, tags);
        this.audioStall = new StallDetector("audio", stallThreshold, System::nanoTime, stallListener, registry, tags);
        this.videoSink = new VideoQueueSink(queues.video(), videoStall);
        this.audioSink = new AudioQueueSink(queues.audio(), audioStall, playoutLag);
        this.stats = new ReceiverStats(registry, tags);
        this.videoMeters = new QueueMeters(queues.video(), registry, tags.and("track", "video"));
        this.audioMeters = new QueueMeters(queues.audio(), registry, tags.and("track", "audio"));
    }

    /** Records {@code track} as the camera; the stall clock starts at subscription. */
    void attach(SubscriberPeer peer, VideoTrack track) {
        peer.attach(track, videoSink);
        videoAttached = true;
        videoStall.onFrame();
    }

    void attach(SubscriberPeer peer, AudioTrack track) {
        peer.attach(track, audioSink);
        audioAttached = true;
        audioStall.onFrame();
    }

    /** The camera was unpublished: its sink comes off the track (a reused transceiver must not feed it twice). */
    void cameraGone(SubscriberPeer peer) {
        if (peer != null) {
            peer.detach(videoSink);
        }
        videoAttached = false;
    }

    void microphoneGone(SubscriberPeer peer) {
        if (peer != null) {
            peer.detach(audioSink);
        }
        audioAttached = false;
    }

    /** The peer connection is gone (closed with its sinks). */
    void peerClosed() {
        videoAttached = false;
        audioAttached = false;
    }

    boolean videoAttached() {
        return videoAttached;
    }

    /** Reports stalls of the attached tracks (the loop calls it a few times per stall threshold). */
    void checkStalls() {
        if (videoAttached) {
            videoStall.check();
        }
        if (audioAttached) {
            audioStall.check();
        }
    }

    /**
     * Reads what the audio receiver last played out (see {@link PlayoutLag}). An exception would end the periodic task
     * silently, so it is logged and the audio keeps its last correction.
     */
    void pollPlayout(SubscriberPeer peer) {
        if (peer != null && audioAttached) {
            try {
                peer.reportAudioPlayout(playoutLag);
            } catch (RuntimeException e) {
                log.warn("reading the audio receiver's playout failed; the A/V correction stays at {} ms",
                        playoutLag.excessNanos() / 1_000_000, e);
            }
        }
    }

    void updateStats(RTCStatsReport report) {
        stats.update(report);
    }

    long videoDelivered() {
        return videoSink.delivered();
    }

    long videoSinkMeanNanos() {
        return videoSink.meanCallbackNanos();
    }

    long audioDelivered() {
        return audioSink.delivered();
    }

    /**
     * For the room's last log line: the video's whole way in, so a frame missing from a recording can be placed (the
     * receiver's counts as of the last stats read, the sink's, the queue's).
     */
    String summary() {
        return "video frames by the receiver " + stats.videoFrames() + "; video " + videoSink.delivered() + " delivered, "
                + queues.video().stats() + "; audio " + audioSink.delivered() + " delivered, " + queues.audio().stats();
    }

    /** Removes the meters; the sinks are off their tracks by now (the peer connection closed). */
    @Override
    public void close() {
        videoStall.close();
        audioStall.close();
        stats.close();
        videoMeters.close();
        audioMeters.close();
    }
}
