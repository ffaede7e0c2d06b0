package dev.mintrecorder.devstack.media;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mintrecorder.webrtc.Sdp;
import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCBundlePolicy;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelInit;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCIceGatheringState;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtpSender;
import dev.onvoid.webrtc.RTCRtpTransceiver;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.media.MediaStreamTrack;
import dev.onvoid.webrtc.media.audio.AudioDeviceModule;
import dev.onvoid.webrtc.media.audio.AudioLayer;
import dev.onvoid.webrtc.media.audio.CustomAudioSource;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;
import dev.onvoid.webrtc.media.video.CustomVideoSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Owns the sending {@link PeerConnectionFactory} (on {@code AudioDeviceModule(kDummyAudio)}; docs/design.md,
 * "webrtc-java"), the synthetic sources and the subscriber peer connections. Commands run one at a time on the reader
 * thread; native callbacks only emit events and return.
 *
 * <p>Commands ({@code op}): {@code source} {room, fps, toneHz, scene} · {@code sourceStall} {room, stalled} ·
 * {@code closeSource} {room} · {@code pc} {pc} · {@code offer} {pc, iceRestart} → event {@code offer} {pc, sdp,
 * mids} · {@code answer} {pc, sdp} · {@code candidate} {pc, candidate, sdpMid, sdpMLineIndex} · {@code addTrack} {pc,
 * room, track, kind, stream, width, height, every} · {@code removeTrack} {pc, track} · {@code layer} {pc, track,
 * width, height, every} (every: send every n-th frame, a temporal layer) · {@code closePc} {pc}. Other events:
 * {@code ready}, {@code candidate} {pc, candidate, sdpMid, sdpMLineIndex, final}, {@code pcState} {pc, state},
 * {@code error} {pc, message}.
 *
 * <p>External publishers: {@code pubPc} {pc} · {@code pubOffer} {pc, sdp} → event {@code answer} {pc, sdp} ·
 * event {@code track} {pc, trackId, kind} when media arrives · {@code relay} {pc, trackId, track} makes that remote
 * track the source of subscriber tracks named {@code track} (then {@code addTrack} takes {@code relay} instead of
 * {@code room}). Publisher connections use a second, receiving factory on a {@code HeadlessAudioDeviceModule}, built
 * on first use in the order docs/design.md gives ("webrtc-java": factory, then playout); the two factories must stay
 * apart because headless playout and a {@code CustomAudioSource} in one factory abort the process.
 */
final class MediaEngine implements AutoCloseable {
    private final String iceAddress;
    private final AudioDeviceModule adm;
    private final PeerConnectionFactory factory;
    private final Map<String, SyntheticSource> sources = new HashMap<>();
    private final Map<String, Relay> relays = new HashMap<>();
    private final Map<String, Peer> peers = new HashMap<>();
    private HeadlessAudioDeviceModule receiveAdm;
    private PeerConnectionFactory receiveFactory;

    /**
     * One peer connection: a subscriber one (we offer, we send outlets) or a publisher one (the client offers, we
     * receive and relay). Both share the trickle logic.
     */
    private final class Peer {
        final String id;
        final RTCPeerConnection pc;
        final boolean publisher;
        final List<RTCDataChannel> channels = new ArrayList<>();
        final Map<String, Outlet> outlets = new LinkedHashMap<>();
        final Map<String, MediaStreamTrack> remoteTracks = new HashMap<>();
        final List<String> relayed = new ArrayList<>();
        final List<Outlet> retired = new ArrayList<>();
        final List<RTCIceCandidate> pendingRemote = new ArrayList<>();
        // Candidates found before our offer or answer went out wait here, and the newest is held back so the last one
        // sent can carry final=true (as livekit-server does) once gathering completes.
        final List<RTCIceCandidate> unsent = new ArrayList<>();
        boolean descriptionSent;
        boolean gatheringComplete;
        boolean remoteSet;

        Peer(String id, boolean publisher) {
            this.id = id;
            this.publisher = publisher;
            RTCConfiguration config = new RTCConfiguration();
            config.bundlePolicy = RTCBundlePolicy.MAX_BUNDLE;
            PeerConnectionFactory owner = publisher ? receiveFactory() : factory;
            this.pc = owner.createPeerConnection(config, new PeerConnectionObserver() {
                @Override
                public void onIceCandidate(RTCIceCandidate candidate) {
                    onLocalCandidate(Peer.this, candidate);
                }

                @Override
                public void onIceGatheringChange(RTCIceGatheringState state) {
                    if (state == RTCIceGatheringState.COMPLETE) {
                        synchronized (Peer.this) {
                            gatheringComplete = true;
                        }
                        flushCandidates(Peer.this);
                    }
                }

                @Override
                public void onConnectionChange(RTCPeerConnectionState state) {
                    MediaMain.emit(MediaMain.event("pcState").put("pc", id).put("state", state.name()));
                }

                @Override
                public void onTrack(RTCRtpTransceiver transceiver) {
                    MediaStreamTrack track = transceiver.getReceiver().getTrack();
                    synchronized (Peer.this) {
                        remoteTracks.put(track.getId(), track);
                    }
                    MediaMain.emit(MediaMain.event("track").put("pc", id).put("trackId", track.getId())
                            .put("kind", track.getKind()));
                }
            });
            if (publisher) {
                return;
            }
            RTCDataChannelInit reliable = new RTCDataChannelInit();
            reliable.ordered = true;
            channels.add(pc.createDataChannel("_reliable", reliable));
            RTCDataChannelInit lossy = new RTCDataChannelInit();
            lossy.ordered = true;
            lossy.maxRetransmits = 0;
            channels.add(pc.createDataChannel("_lossy", lossy));
        }
    }

    /** A track sent to one subscriber, fed by a synthetic source or a relay. */
    private record Outlet(FrameSource host, MediaStreamTrack track, RTCRtpSender sender,
                          VideoOutlet video, CustomAudioSource audio) {
    }

    MediaEngine(String iceAddress) {
        this.iceAddress = iceAddress == null || iceAddress.isBlank() ? null : iceAddress;
        this.adm = new AudioDeviceModule(AudioLayer.kDummyAudio);
        this.factory = new PeerConnectionFactory(adm);
    }

    void handle(JsonNode c) {
        String op = c.path("op").asText();
        switch (op) {
            case "source" -> {
                String room = c.path("room").asText();
                SyntheticSource existing = sources.get(room);
                if (existing == null) {
                    sources.put(room, new SyntheticSource(room, c.path("fps").asInt(15), c.path("toneHz").asDouble(440),
                            Scene.valueOf(c.path("scene").asText(Scene.GRID.name()))));
                } else {
                    existing.setFps(c.path("fps").asInt(15));
                }
            }
            case "sourceStall" -> source(c.path("room").asText()).setStalled(c.path("stalled").asBoolean());
            case "closeSource" -> {
                SyntheticSource source = sources.remove(c.path("room").asText());
                if (source != null) {
                    source.close();
                }
            }
            case "pc" -> peers.put(c.path("pc").asText(), new Peer(c.path("pc").asText(), false));
            case "pubPc" -> peers.put(c.path("pc").asText(), new Peer(c.path("pc").asText(), true));
            case "pubOffer" -> answerOffer(peer(c), c.path("sdp").asText());
            case "relay" -> {
                Peer s = peer(c);
                MediaStreamTrack remote;
                synchronized (s) {
                    remote = s.remoteTracks.get(c.path("trackId").asText());
                }
                if (remote == null) {
                    throw new IllegalArgumentException("no remote track " + c.path("trackId").asText());
                }
                relays.put(c.path("track").asText(), new Relay(remote));
                s.relayed.add(c.path("track").asText());
            }
            case "offer" -> offer(peer(c), c.path("iceRestart").asBoolean(false));
            case "answer" -> answer(peer(c), c.path("sdp").asText());
            case "candidate" -> remoteCandidate(peer(c), new RTCIceCandidate(c.path("sdpMid").asText(),
                    c.path("sdpMLineIndex").asInt(), c.path("candidate").asText()));
            case "addTrack" -> addTrack(peer(c), c);
            case "removeTrack" -> removeTrack(peer(c), c.path("track").asText());
            case "layer" -> {
                Outlet outlet = peer(c).outlets.get(c.path("track").asText());
                if (outlet != null && outlet.video() != null) {
                    outlet.video().width = c.path("width").asInt();
                    outlet.video().height = c.path("height").asInt();
                    outlet.video().every = Math.max(1, c.path("every").asInt(1));
                }
            }
            case "closePc" -> {
                Peer s = peers.remove(c.path("pc").asText());
                if (s != null) {
                    closePeer(s);
                }
            }
            default -> throw new IllegalArgumentException("unknown op " + op);
        }
    }

    private SyntheticSource source(String room) {
        SyntheticSource source = sources.get(room);
        if (source == null) {
            throw new IllegalArgumentException("no synthetic source in room " + room);
        }
        return source;
    }

    private Peer peer(JsonNode c) {
        Peer s = peers.get(c.path("pc").asText());
        if (s == null) {
            throw new IllegalArgumentException("no peer connection " + c.path("pc").asText());
        }
        return s;
    }

    private void addTrack(Peer s, JsonNode c) {
        String trackSid = c.path("track").asText();
        if (s.outlets.containsKey(trackSid)) {
            return;
        }
        FrameSource source;
        if (c.hasNonNull("relay")) {
            source = relays.get(c.path("relay").asText());
            if (source == null) {
                throw new IllegalArgumentException("no relayed track " + c.path("relay").asText());
            }
        } else {
            source = source(c.path("room").asText());
        }
        List<String> streams = List.of(c.path("stream").asText());
        if ("video".equals(c.path("kind").asText())) {
            CustomVideoSource videoSource = new CustomVideoSource();
            VideoOutlet video = new VideoOutlet(videoSource,
                    c.path("width").asInt(), c.path("height").asInt(), c.path("every").asInt(1));
            MediaStreamTrack track = factory.createVideoTrack(trackSid, videoSource);
            RTCRtpSender sender = s.pc.addTrack(track, streams);
            s.outlets.put(trackSid, new Outlet(source, track, sender, video, null));
            source.addVideo(video);
        } else {
            CustomAudioSource audioSource = new CustomAudioSource();
            MediaStreamTrack track = factory.createAudioTrack(trackSid, audioSource);
            RTCRtpSender sender = s.pc.addTrack(track, streams);
            s.outlets.put(trackSid, new Outlet(source, track, sender, null, audioSource));
            source.addAudio(audioSource);
        }
    }

    private void removeTrack(Peer s, String trackSid) {
        Outlet outlet = s.outlets.remove(trackSid);
        if (outlet == null) {
            return;
        }
        detach(outlet);
        s.pc.removeTrack(outlet.sender());
        // Disposed with the peer connection: disposing a source the sender may still reference is unsafe.
        s.retired.add(outlet);
    }

    private void detach(Outlet outlet) {
        if (outlet.video() != null) {
            outlet.host().removeVideo(outlet.video());
        } else {
            outlet.host().removeAudio(outlet.audio());
        }
    }

    /**
     * The receiving factory, built on first use: ADM, factory, and only then playout (docs/design.md, "webrtc-java").
     */
    private PeerConnectionFactory receiveFactory() {
        if (receiveFactory == null) {
            receiveAdm = new HeadlessAudioDeviceModule();
            receiveFactory = new PeerConnectionFactory(receiveAdm);
            receiveAdm.initPlayout();
            receiveAdm.startPlayout();
        }
        return receiveFactory;
    }

    /** A publisher's offer: set it, answer, and emit the answer (candidates follow, as for our own offers). */
    private void answerOffer(Peer s, String sdp) {
        synchronized (s) {
            s.descriptionSent = false;
        }
        await(Sdp.setRemote(s.pc, new RTCSessionDescription(RTCSdpType.OFFER, sdp)));
        s.remoteSet = true;
        s.pendingRemote.forEach(s.pc::addIceCandidate);
        s.pendingRemote.clear();
        RTCSessionDescription answer = await(Sdp.createAnswer(s.pc, new RTCAnswerOptions()));
        await(Sdp.setLocal(s.pc, answer));
        synchronized (s) {
            MediaMain.emit(MediaMain.event("answer").put("pc", s.id).put("sdp", answer.sdp));
            s.descriptionSent = true;
        }
        flushCandidates(s);
    }

    private void offer(Peer s, boolean iceRestart) {
        synchronized (s) {
            s.descriptionSent = false;
            if (iceRestart) {
                s.gatheringComplete = false;
            }
        }
        RTCOfferOptions options = new RTCOfferOptions();
        options.iceRestart = iceRestart;
        RTCSessionDescription offer = await(Sdp.createOffer(s.pc, options));
        await(Sdp.setLocal(s.pc, offer));
        ObjectNode event = MediaMain.event("offer").put("pc", s.id).put("sdp", offer.sdp);
        ObjectNode mids = event.putObject("mids");
        for (RTCRtpTransceiver transceiver : s.pc.getTransceivers()) {
            MediaStreamTrack track = transceiver.getSender().getTrack();
            if (track != null && transceiver.getMid() != null) {
                mids.put(transceiver.getMid(), track.getId());
            }
        }
        synchronized (s) {
            MediaMain.emit(event);
            s.descriptionSent = true;
        }
        flushCandidates(s);
    }

    private void answer(Peer s, String sdp) {
        await(Sdp.setRemote(s.pc, new RTCSessionDescription(RTCSdpType.ANSWER, sdp)));
        s.remoteSet = true;
        s.pendingRemote.forEach(s.pc::addIceCandidate);
        s.pendingRemote.clear();
    }

    private void remoteCandidate(Peer s, RTCIceCandidate candidate) {
        if (s.remoteSet) {
            s.pc.addIceCandidate(candidate);
        } else {
            s.pendingRemote.add(candidate);
        }
    }

    private void onLocalCandidate(Peer s, RTCIceCandidate candidate) {
        // Inside the devstack's network namespace the only usable address is the veth one; drop any other.
        if (iceAddress != null && !candidate.sdp.contains(" " + iceAddress + " ")) {
            return;
        }
        synchronized (s) {
            s.unsent.add(candidate);
        }
        flushCandidates(s);
    }

    /** Sends all but the newest unsent candidate, or all of them with the last marked final when gathering ended. */
    private void flushCandidates(Peer s) {
        synchronized (s) {
            if (!s.descriptionSent) {
                return;
            }
            int keep = s.gatheringComplete ? 0 : 1;
            while (s.unsent.size() > keep) {
                RTCIceCandidate candidate = s.unsent.removeFirst();
                boolean last = s.gatheringComplete && s.unsent.isEmpty();
                MediaMain.emit(MediaMain.event("candidate").put("pc", s.id).put("candidate", candidate.sdp)
                        .put("sdpMid", candidate.sdpMid).put("sdpMLineIndex", candidate.sdpMLineIndex)
                        .put("final", last));
            }
        }
    }

    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e.getCause() != null ? e.getCause().getMessage() : e.toString(), e);
        }
    }

    /**
     * Teardown order that runs clean (docs/design.md, "webrtc-java"): stop feeding, close the connection, then dispose
     * the sources.
     */
    private void closePeer(Peer s) {
        for (String track : s.relayed) {
            Relay relay = relays.remove(track);
            if (relay != null) {
                relay.close();
            }
        }
        s.outlets.values().forEach(this::detach);
        s.channels.forEach(RTCDataChannel::close);
        s.pc.close();
        List<Outlet> all = new ArrayList<>(s.retired);
        all.addAll(s.outlets.values());
        for (Outlet outlet : all) {
            if (outlet.video() != null) {
                outlet.video().source.dispose();
            } else {
                outlet.audio().dispose();
            }
        }
        s.channels.forEach(RTCDataChannel::dispose);
    }

    @Override
    public void close() {
        sources.values().forEach(SyntheticSource::close);
        sources.clear();
        // Subscribers first: they hold outlets fed by the publishers' relays.
        peers.values().stream().filter(s -> !s.publisher).forEach(this::closePeer);
        peers.values().stream().filter(s -> s.publisher).forEach(this::closePeer);
        peers.clear();
        factory.dispose();
        adm.dispose();
        if (receiveFactory != null) {
            receiveAdm.stopPlayout();
            receiveFactory.dispose();
            receiveAdm.dispose();
        }
    }
}
