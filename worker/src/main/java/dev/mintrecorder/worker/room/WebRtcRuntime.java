package dev.mintrecorder.worker.room;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The process's one receive-side {@link PeerConnectionFactory} and its headless audio device, and the owner of
 * their native lifetime.
 *
 * <p>Build order (probed; docs/design.md, "webrtc-java"): {@code new HeadlessAudioDeviceModule()}, then
 * {@code new PeerConnectionFactory(adm)}, then {@code initPlayout()}/{@code startPlayout()}. Starting playout
 * before the factory exists leaves remote audio undecoded (silent recordings); a factory without an audio
 * device aborts the JVM.
 *
 * <p>Teardown order ({@link #close()}): every peer connection still open is closed first (each removes its sinks,
 * then closes), then {@code stopPlayout()}, {@code factory.dispose()}, {@code adm.dispose()}. The JVM does not
 * exit until the factory is disposed, because native threads keep it alive.
 */
public final class WebRtcRuntime implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebRtcRuntime.class);

    private final HeadlessAudioDeviceModule adm;
    private final PeerConnectionFactory factory;
    private final Set<SubscriberPeer> open = new LinkedHashSet<>();
    private boolean closed;

    private WebRtcRuntime(HeadlessAudioDeviceModule adm, PeerConnectionFactory factory) {
        this.adm = adm;
        this.factory = factory;
    }

    /**
     * Starts the factory; one per process. A failure is a {@link RoomException.Scope#SYSTEM} error: this worker
     * cannot record at all.
     */
    public static WebRtcRuntime start() {
        HeadlessAudioDeviceModule adm = null;
        try {
            adm = new HeadlessAudioDeviceModule();
            PeerConnectionFactory factory = new PeerConnectionFactory(adm);
            adm.initPlayout();
            adm.startPlayout();
            log.info("WebRTC receive factory started (headless audio playout)");
            return new WebRtcRuntime(adm, factory);
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            if (adm != null) {
                adm.dispose();
            }
            throw new RoomException(RoomException.Scope.SYSTEM, RoomException.Kind.WEBRTC_UNAVAILABLE,
                    "the WebRTC factory could not start: " + e, e);
        }
    }

    /** Creates a subscriber peer connection with the ICE servers and policy the room's server named. */
    synchronized SubscriberPeer newSubscriber(String name, IceSettings ice, SubscriberPeer.Listener listener) {
        if (closed) {
            throw new RoomException(RoomException.Scope.SYSTEM, RoomException.Kind.WEBRTC_UNAVAILABLE,
                    "the WebRTC factory is closed");
        }
        SubscriberPeer peer = new SubscriberPeer(name, this, ice, listener);
        open.add(peer);
        return peer;
    }

    RTCPeerConnection createPeerConnection(RTCConfiguration config, PeerConnectionObserver observer) {
        return factory.createPeerConnection(config, observer);
    }

    synchronized void closed(SubscriberPeer peer) {
        open.remove(peer);
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        List<SubscriberPeer> left;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            left = List.copyOf(open);
        }
        left.forEach(SubscriberPeer::close);
        adm.stopPlayout();
        factory.dispose();
        adm.dispose();
        log.info("WebRTC receive factory disposed");
    }
}
