package dev.mintrecorder.worker.room;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mintrecorder.webrtc.H264Profiles;
import dev.mintrecorder.webrtc.Sdp;
import dev.mintrecorder.worker.media.PlayoutLag;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtpReceiver;
import dev.onvoid.webrtc.RTCRtpSynchronizationSource;
import dev.onvoid.webrtc.RTCRtpTransceiver;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.RTCStatsReport;
import dev.onvoid.webrtc.media.MediaStreamTrack;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.AudioTrackSink;
import dev.onvoid.webrtc.media.video.VideoTrack;
import dev.onvoid.webrtc.media.video.VideoTrackSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One room's subscriber {@link RTCPeerConnection}: answers the server's offers, trickles candidates and attaches
 * the sinks to the remote tracks.
 *
 * <p>The server (SFU) offers; this side only answers. Native callbacks ({@link Listener}) run on libwebrtc's
 * signaling thread and must return fast: the listener posts them to the room's loop. {@link #close()} removes the
 * sinks first, then closes the connection; remote tracks are not disposed (they die with the connection).
 */
final class SubscriberPeer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SubscriberPeer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SDP_TIMEOUT = Duration.ofSeconds(10);

    /** Called on libwebrtc threads; implementations only hand off. */
    interface Listener {
        void onLocalCandidate(String candidateInitJson);

        void onTrack(MediaStreamTrack track, List<String> streamIds);

        void onConnectionState(RTCPeerConnectionState state);
    }

    private final String name;
    private final WebRtcRuntime runtime;
    private final RTCPeerConnection pc;
    /** Each sink's removal from the one track it is attached to. */
    private final Map<Object, Runnable> attached = new IdentityHashMap<>();
    private boolean closed;
    /** The High formats of the last offer, by payload type: the answer names them as offered. */
    private Map<Integer, String> answeredHigh = Map.of();
    /** The remote audio's receiver, once its track arrived: it reports what it last played out. */
    private RTCRtpReceiver audioReceiver;

    SubscriberPeer(String name, WebRtcRuntime runtime, IceSettings ice, Listener listener) {
        this.name = name;
        this.runtime = runtime;
        this.pc = runtime.createPeerConnection(ice.toRtc(), new PeerConnectionObserver() {
            @Override
            public void onIceCandidate(RTCIceCandidate candidate) {
                listener.onLocalCandidate(candidateInit(candidate));
            }

            // libwebrtc fires it whenever a transceiver starts receiving, a reused one too. The stream ids
            // (PA_x|TR_y) name the track even then; webrtc-java 0.14.0's onAddTrack hands streams whose id() is
            // null, so they are read from the remote description's a=msid for the transceiver's mid.
            @Override
            public void onTrack(RTCRtpTransceiver transceiver) {
                RTCRtpReceiver receiver = transceiver.getReceiver();
                MediaStreamTrack track = receiver.getTrack();
                if (track instanceof AudioTrack) {
                    synchronized (SubscriberPeer.this) {
                        audioReceiver = receiver;
                    }
                }
                RTCSessionDescription remote = pc.getRemoteDescription();
                listener.onTrack(track, remote == null ? List.of() : streamIds(remote.sdp, transceiver.getMid()));
            }

            @Override
            public void onConnectionChange(RTCPeerConnectionState state) {
                listener.onConnectionState(state);
            }
        });
    }

    /**
     * Applies the server's offer and returns the answer SDP. Blocks the calling (virtual) thread briefly.
     *
     * <p>H.264 High (and Constrained High) is accepted: libwebrtc here lists no High decoder format, though its FFmpeg
     * decoder decodes High, so a High format is applied as Constrained Baseline and answered as offered
     * ({@link H264Profiles}). A publisher that sends only High (OBS over WHIP, many phones) then negotiates.
     */
    String answer(String offerSdp) {
        Map<Integer, String> offered = H264Profiles.of(offerSdp);
        await(Sdp.setRemote(pc, new RTCSessionDescription(RTCSdpType.OFFER,
                H264Profiles.replace(offerSdp, H264Profiles.decodable(offered)))));
        RTCSessionDescription answer = await(Sdp.createAnswer(pc, new RTCAnswerOptions()));
        await(Sdp.setLocal(pc, answer));
        answeredHigh = H264Profiles.high(offered);
        return H264Profiles.replace(answer.sdp, answeredHigh);
    }

    /** The current local answer as sent, for {@code sync_state} on resume; null before the first answer. */
    String localAnswer() {
        RTCSessionDescription local = pc.getLocalDescription();
        return local == null ? null : H264Profiles.replace(local.sdp, answeredHigh);
    }

    /** Takes the servers a resume names; they apply from the ICE restart the server offers next. */
    void configure(IceSettings ice) {
        pc.setConfiguration(ice.toRtc());
    }

    /** The ICE settings the connection holds now, read back from libwebrtc. */
    IceSettings ice() {
        return IceSettings.of(pc.getConfiguration());
    }

    /** Adds a server candidate given as the browser's {@code RTCIceCandidateInit} JSON. */
    void addRemoteCandidate(String candidateInitJson) {
        try {
            JsonNode init = JSON.readTree(candidateInitJson);
            String candidate = init.path("candidate").asText("");
            if (candidate.isEmpty()) {
                return; // end-of-candidates marker
            }
            pc.addIceCandidate(new RTCIceCandidate(init.path("sdpMid").asText(null),
                    init.path("sdpMLineIndex").asInt(0), candidate));
        } catch (IOException e) {
            log.warn("{}: unreadable remote candidate {}", name, candidateInitJson, e);
        }
    }

    /**
     * Attaches a video sink to a remote track, first taking it off the track it was on: a sink is on one track at
     * most, so a republished camera (a reused transceiver fires its track again) never delivers a frame twice.
     * The sink is removed again in {@link #detach} or {@link #close()}.
     */
    synchronized void attach(VideoTrack track, VideoTrackSink sink) {
        if (closed) {
            return;
        }
        detach(sink);
        track.addSink(sink);
        attached.put(sink, () -> track.removeSink(sink));
    }

    synchronized void attach(AudioTrack track, AudioTrackSink sink) {
        if (closed) {
            return;
        }
        detach(sink);
        track.addSink(sink);
        attached.put(sink, () -> track.removeSink(sink));
    }

    /** Takes {@code sink} off its track, if it is on one (its track was unpublished). */
    synchronized void detach(Object sink) {
        Runnable removal = attached.remove(sink);
        if (removal != null) {
            removal.run();
        }
    }

    /**
     * Tells {@code lag} the RTP timestamp of the audio last played out and when (nothing before the audio track
     * arrived, or once closed: the receiver is not touched after the connection closes).
     */
    synchronized void reportAudioPlayout(PlayoutLag lag) {
        if (closed || audioReceiver == null) {
            return;
        }
        List<RTCRtpSynchronizationSource> sources = audioReceiver.getSynchronizationSources();
        if (!sources.isEmpty()) {
            RTCRtpSynchronizationSource source = sources.getFirst(); // one sender per receiver
            lag.observe(source.timestamp, source.rtpTimestamp);
        }
    }

    CompletableFuture<RTCStatsReport> stats() {
        CompletableFuture<RTCStatsReport> report = new CompletableFuture<>();
        pc.getStats(report::complete);
        return report;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        // Sinks first, so no frame arrives into a queue that is about to close; then the connection.
        attached.values().forEach(Runnable::run);
        attached.clear();
        pc.close();
        runtime.closed(this);
    }

    /**
     * The stream ids of the media section {@code mid} in {@code sdp}: the first field of each {@code a=msid} line
     * (RFC 8830), which livekit-server sets to {@code <participant sid>|<track sid>}.
     */
    static List<String> streamIds(String sdp, String mid) {
        List<String> ids = new ArrayList<>();
        boolean inSection = false;
        List<String> section = new ArrayList<>();
        for (String line : sdp.split("\r?\n")) {
            if (line.startsWith("m=")) {
                if (inSection) {
                    break;
                }
                section.clear();
            }
            section.add(line);
            if (line.equals("a=mid:" + mid)) {
                inSection = true;
            }
        }
        if (!inSection) {
            return List.of();
        }
        for (String line : section) {
            if (line.startsWith("a=msid:")) {
                String stream = line.substring("a=msid:".length()).split(" ", 2)[0];
                if (!stream.equals("-")) {
                    ids.add(stream);
                }
            }
        }
        return List.copyOf(ids);
    }

    static String candidateInit(RTCIceCandidate candidate) {
        ObjectNode init = JSON.createObjectNode();
        init.put("candidate", candidate.sdp);
        init.put("sdpMid", candidate.sdpMid);
        init.put("sdpMLineIndex", candidate.sdpMLineIndex);
        try {
            return JSON.writeValueAsString(init);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(SDP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while negotiating", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("negotiation step took longer than " + SDP_TIMEOUT, e);
        }
    }
}
