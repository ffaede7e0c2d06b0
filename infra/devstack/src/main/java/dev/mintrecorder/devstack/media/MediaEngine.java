package dev.mintrecorder.devstack.media;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mintrecorder.webrtc.H264Profiles;
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
import dev.onvoid.webrtc.RTCRtpCodecCapability;
import dev.onvoid.webrtc.RTCRtpSender;
import dev.onvoid.webrtc.RTCRtpTransceiver;
import dev.onvoid.webrtc.RTCRtpTransceiverDirection;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.RTCStats;
import dev.onvoid.webrtc.RTCStatsReport;
import dev.onvoid.webrtc.RTCStatsType;
import dev.onvoid.webrtc.media.MediaStreamTrack;
import dev.onvoid.webrtc.media.MediaType;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Owns the sending {@link PeerConnectionFactory} (on {@code AudioDeviceModule(kDummyAudio)}; docs/design.md,
 * "webrtc-java"), the synthetic sources and the subscriber peer connections. Commands run one at a time on the reader
 * thread; native callbacks only emit events and return.
 *
 * <p>Commands ({@code op}): {@code source} {room, fps, toneHz, scene} · {@code sourceStall} {room, stalled} ·
 * {@code closeSource} {room} · {@code pc} {pc, room, identity} · {@code offer} {pc, iceRestart} → event
 * {@code offer} {pc, sdp, mids} · {@code answer} {pc, sdp} · {@code candidate} {pc, candidate, sdpMid, sdpMLineIndex} · {@code addTrack} {pc,
 * room, track, kind, stream, width, height, every, codec, profile} · {@code removeTrack} {pc, track} · {@code layer} {pc, track,
 * width, height, every} (every: send every n-th frame, a temporal layer) · {@code closePc} {pc}. Other events:
 * {@code ready}, {@code candidate} {pc, candidate, sdpMid, sdpMLineIndex, final}, {@code pcState} {pc, state},
 * {@code error} {pc, message}, {@code videoSent} {pc, room, identity, given, source, encoded, sent} (a subscriber
 * connection closed: its video frames given to its sources, counted by them, encoded, sent).
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
        /** The room and participant identity of a subscriber connection, for its {@code videoSent} event. */
        final String room;
        final String identity;
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
        /**
         * H.264 profile-level-id to announce instead of the encoder's (a High-only publisher, as the subscriber sees
         * it), or null; {@link #localH264} keeps the real ones to read the answer with.
         */
        String announcedH264;
        Map<Integer, String> localH264 = Map.of();
        boolean descriptionSent;
        boolean gatheringComplete;
        boolean remoteSet;

        Peer(String id, String room, String identity, boolean publisher) {
            this.id = id;
            this.room = room;
            this.identity = identity;
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
            case "pc" -> peers.put(c.path("pc").asText(), new Peer(c.path("pc").asText(), c.path("room").asText(),
                    c.path("identity").asText(), false));
            case "pubPc" -> peers.put(c.path("pc").asText(), new Peer(c.path("pc").asText(), "", "", true));
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
            RTCRtpSender sender = send(s, track, streams);
            if ("h264".equalsIgnoreCase(c.path("codec").asText())) {
                sendH264(s, sender, c.path("profile").asText(null));
            }
            s.outlets.put(trackSid, new Outlet(source, track, sender, video, null));
            source.addVideo(video);
        } else {
            CustomAudioSource audioSource = new CustomAudioSource();
            MediaStreamTrack track = factory.createAudioTrack(trackSid, audioSource);
            RTCRtpSender sender = send(s, track, streams);
            s.outlets.put(trackSid, new Outlet(source, track, sender, null, audioSource));
            source.addAudio(audioSource);
        }
    }

    /**
     * Sends {@code track} on a transceiver that no longer sends, if one of its kind is left, as livekit-server does
     * (pion's {@code AddTrack} reuses a transceiver with no sender track whose current direction does not send;
     * {@code pkg/rtc/mediatracksubscriptions.go} relies on it "to prevent SDP from bloating"); else on a new one.
     * libwebrtc's own {@code addTrack} never reuses a transceiver that has sent, so the reuse is done by hand. The
     * subscriber then sees its old receiver's track (with the old track id) fire again, under the new stream id.
     */
    private static RTCRtpSender send(Peer s, MediaStreamTrack track, List<String> streams) {
        for (RTCRtpTransceiver transceiver : s.pc.getTransceivers()) {
            RTCRtpTransceiverDirection current = transceiver.getCurrentDirection();
            if (!transceiver.stopped() && transceiver.getSender().getTrack() == null
                    && track.getKind().equals(transceiver.getReceiver().getTrack().getKind())
                    && current != RTCRtpTransceiverDirection.SEND_ONLY && current != RTCRtpTransceiverDirection.SEND_RECV) {
                RTCRtpSender sender = transceiver.getSender();
                sender.replaceTrack(track);
                sender.setStreams(streams);
                transceiver.setDirection(RTCRtpTransceiverDirection.SEND_ONLY);
                return sender;
            }
        }
        return s.pc.addTrack(track, streams);
    }

    /**
     * The subscriber gets this track in H.264, the publisher's codec, as livekit-server forwards it (the SFU does not
     * transcode, so a down track has its published track's codec): the transceiver is limited to one H.264 format. The
     * encoder here is OpenH264 (Constrained Baseline); with {@code profile} set, the offer names that profile (640c1f:
     * a High-only publisher) and the answer is read back with the real one.
     */
    private void sendH264(Peer s, RTCRtpSender sender, String profile) {
        // One format: Constrained Baseline 3.1, packetization-mode 1 (what livekit-client's H.264 publishes).
        List<RTCRtpCodecCapability> h264 = factory.getRtpSenderCapabilities(MediaType.VIDEO).getCodecs().stream()
                .filter(codec -> codec.getName().equalsIgnoreCase("rtx") || codec.getName().equalsIgnoreCase("H264")
                        && "42e01f".equalsIgnoreCase(codec.getSDPFmtp().get("profile-level-id"))
                        && "1".equals(codec.getSDPFmtp().get("packetization-mode")))
                .toList();
        if (h264.stream().noneMatch(codec -> codec.getName().equalsIgnoreCase("H264"))) {
            throw new IllegalStateException("this WebRTC build has no H.264 encoder");
        }
        for (RTCRtpTransceiver transceiver : s.pc.getTransceivers()) {
            if (transceiver.getSender().equals(sender) || transceiver.getSender().getTrack() != null
                    && transceiver.getSender().getTrack().getId().equals(sender.getTrack().getId())) {
                transceiver.setCodecPreferences(h264);
            }
        }
        if (profile != null && !profile.isBlank()) {
            s.announcedH264 = profile.toLowerCase();
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

    /**
     * A publisher's offer: set it, answer, and emit the answer (candidates follow, as for our own offers). A
     * simulcast offer gets its top layer accepted in the answer sent ({@link SimulcastAnswer}).
     */
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
            MediaMain.emit(MediaMain.event("answer").put("pc", s.id)
                    .put("sdp", SimulcastAnswer.acceptTopLayer(sdp, answer.sdp)));
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
        String sdp = offer.sdp;
        if (s.announcedH264 != null) {
            s.localH264 = H264Profiles.of(sdp);
            Map<Integer, String> announced = new HashMap<>();
            s.localH264.keySet().forEach(pt -> announced.put(pt, s.announcedH264));
            sdp = H264Profiles.replace(sdp, announced);
        }
        ObjectNode event = MediaMain.event("offer").put("pc", s.id).put("sdp", sdp);
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
        await(Sdp.setRemote(s.pc, new RTCSessionDescription(RTCSdpType.ANSWER, H264Profiles.replace(sdp, s.localH264))));
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
        if (s.publisher) {
            logVideoReceived(s);
        } else {
            reportVideoSent(s);
        }
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

    /**
     * Logs and emits ({@code videoSent}) what this subscriber connection's video sender did with the frames it was
     * given: frames given to its sources, counted by libwebrtc as coming from them, encoded, sent. A frame missing from
     * a recording that the recorder did not count is then placed: this sender never encoded it (libwebrtc drops frames
     * before the encoder when it is busy; a relay re-encodes, so it can skip frames the publisher sent) or the
     * recorder lost it.
     */
    private static void reportVideoSent(Peer s) {
        try {
            long given = 0;
            for (Outlet outlet : s.retired) {
                given += outlet.video() != null ? outlet.video().given.get() : 0;
            }
            for (Outlet outlet : s.outlets.values()) {
                given += outlet.video() != null ? outlet.video().given.get() : 0;
            }
            long source = 0;
            long encoded = 0;
            long sent = 0;
            Object limitation = null;
            for (RTCStats stats : stats(s).getStats().values()) {
                Map<String, Object> a = stats.getAttributes();
                if (!"video".equals(a.get("kind"))) {
                    continue;
                }
                if (stats.getType() == RTCStatsType.MEDIA_SOURCE && a.get("frames") instanceof Number n) {
                    source += n.longValue();
                } else if (stats.getType() == RTCStatsType.OUTBOUND_RTP) {
                    encoded += a.get("framesEncoded") instanceof Number n ? n.longValue() : 0;
                    sent += a.get("framesSent") instanceof Number n ? n.longValue() : 0;
                    limitation = a.get("qualityLimitationDurations");
                }
            }
            // Seconds spent limited by cpu or bandwidth tell libwebrtc's adaptation apart from a busy encoder.
            MediaMain.log("pc " + s.id + " closes; video frames given " + given + ", into the source " + source
                    + ", encoded " + encoded + ", sent " + sent + "; quality limited (s): " + limitation);
            MediaMain.emit(MediaMain.event("videoSent").put("pc", s.id).put("room", s.room).put("identity", s.identity)
                    .put("given", given).put("source", source).put("encoded", encoded).put("sent", sent));
        } catch (ExecutionException | TimeoutException e) {
            MediaMain.log("pc " + s.id + " closes; its video stats did not come: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Logs what a publisher connection's video receiver got and decoded: frames lost before the relay's sink. */
    private static void logVideoReceived(Peer s) {
        try {
            for (RTCStats stats : stats(s).getStats().values()) {
                Map<String, Object> a = stats.getAttributes();
                if (stats.getType() == RTCStatsType.INBOUND_RTP && "video".equals(a.get("kind"))) {
                    MediaMain.log("publisher pc " + s.id + " closes; video frames received " + a.get("framesReceived")
                            + ", decoded " + a.get("framesDecoded") + ", dropped " + a.get("framesDropped")
                            + ", packets lost " + a.get("packetsLost"));
                }
            }
        } catch (ExecutionException | TimeoutException e) {
            MediaMain.log("publisher pc " + s.id + " closes; its video stats did not come: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static RTCStatsReport stats(Peer s) throws ExecutionException, TimeoutException, InterruptedException {
        CompletableFuture<RTCStatsReport> report = new CompletableFuture<>();
        s.pc.getStats(report::complete);
        return report.get(2, TimeUnit.SECONDS);
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
