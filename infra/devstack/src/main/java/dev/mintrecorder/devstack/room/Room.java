package dev.mintrecorder.devstack.room;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mintrecorder.devstack.media.MediaControl;
import dev.mintrecorder.devstack.media.MediaProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;
import java.util.concurrent.TimeUnit;
import livekit.LivekitModels;
import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitRtc;
import livekit.LivekitRtc.LeaveRequest;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;
import livekit.LivekitRtc.SignalTarget;
import livekit.LivekitRtc.UpdateTrackSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One room: its participants, its synthetic publisher and the signal logic, following livekit-server
 * ({@code pkg/rtc/room.go}, {@code participant*.go}). Every method runs under this object's monitor, so signal
 * requests (Jetty threads), media events (the media reader thread) and fault switches (tests) are serialised.
 * Nothing here blocks for long: WebSocket sends are asynchronous and media commands are pipe writes.
 */
final class Room {
    private static final Logger log = LoggerFactory.getLogger(Room.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** livekit-server 1.13.5's {@code types.CurrentProtocol}, which its ServerInfo reports. */
    static final int PROTOCOL_VERSION = 17;
    /** The livekit-server release whose sources this double follows. */
    static final String SERVER_VERSION = "1.13.5";

    final String name;
    final String sid = Ids.next("RM_");
    final long createdAtMs = System.currentTimeMillis();
    private final MediaControl media;
    private final RoomServerOptions options;
    private final ScheduledExecutorService timers;
    private final Map<String, Participant> participants = new LinkedHashMap<>();
    private final TokenVerifier tokens;
    private final Consumer<Room> onDeparted;
    private SyntheticPublisher publisher;
    private boolean closed;
    private ScheduledFuture<?> departure;
    /** The refuse-subscriptions fault: every subscription is answered with this error instead of served. */
    private LivekitModels.SubscriptionError refusedSubscriptions;

    /** {@code onDeparted} is called (under this room's lock) when the departure timeout closes the room. */
    Room(String name, MediaControl media, RoomServerOptions options, ScheduledExecutorService timers,
         TokenVerifier tokens, Consumer<Room> onDeparted) {
        this.name = name;
        this.media = media;
        this.options = options;
        this.timers = timers;
        this.tokens = tokens;
        this.onDeparted = onDeparted;
    }

    synchronized void startPublisher(SyntheticPublisherSpec spec) {
        if (publisher != null && !publisher.left) {
            throw new IllegalStateException("room " + name + " already has a publisher");
        }
        publisher = new SyntheticPublisher(spec);
        cancelDeparture();
        media.send(MediaProcess.command("source").put("room", name).put("fps", spec.fps()).put("toneHz", spec.toneHz())
                .put("scene", spec.scene().name()));
        broadcast(publisher.info(), null);
    }

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized List<String> identities() {
        List<String> all = new ArrayList<>(participants.keySet());
        if (publisher != null && !publisher.left) {
            all.add(publisher.spec.identity());
        }
        return all;
    }

    synchronized Optional<Participant> participant(String identity) {
        return Optional.ofNullable(participants.get(identity));
    }

    // ---- join and resume ----------------------------------------------------------------------------------

    /**
     * What livekit-server tells a joining or resuming client about the network: its STUN/TURN servers
     * ({@code ice_servers}) and {@code client_configuration} (force_relay, resume_connection), in both the
     * JoinResponse and the ReconnectResponse ({@code pkg/rtc/room.go}: createJoinResponseLocked, ResumeParticipant).
     */
    record Network(List<LivekitRtc.ICEServer> iceServers, LivekitModels.ClientConfiguration clientConfiguration) {
        static final Network NONE = new Network(List.of(), LivekitModels.ClientConfiguration.getDefaultInstance());
    }

    synchronized Participant join(SignalConnection socket, JoinGrant grant, int protocol, boolean autoSubscribe,
                                  Network network) {
        Participant previous = participants.get(grant.identity());
        if (previous != null) {
            // livekit-server: a second join with the same identity replaces the first.
            leaveAndRemove(previous, DisconnectReason.DUPLICATE_IDENTITY, LeaveRequest.Action.DISCONNECT);
        }
        Participant p = new Participant(this, grant, protocol, autoSubscribe, socket);
        participants.put(grant.identity(), p);
        media.listen(p.pcId, event -> onMediaEvent(p, event));
        media.send(MediaProcess.command("pc").put("pc", p.pcId).put("room", name).put("identity", grant.identity()));

        LivekitRtc.JoinResponse.Builder join = LivekitRtc.JoinResponse.newBuilder()
                .setRoom(roomInfo()).setParticipant(p.info()).setServerVersion(SERVER_VERSION)
                .setSubscriberPrimary(protocol > 2 && grant.canSubscribe())
                .setPingInterval(5).setPingTimeout(15).setServerInfo(serverInfo())
                .addAllIceServers(network.iceServers()).setClientConfiguration(network.clientConfiguration());
        visibleOthers(p).forEach(join::addOtherParticipants);
        p.send(SignalResponse.newBuilder().setJoin(join).build());
        if (!grant.hidden()) {
            cancelDeparture();
            broadcast(p.info(), p);
        }
        startTokenRefresh(p);
        // livekit-server removes a participant whose connection has not come up a minute after joining.
        timers.schedule(() -> joinTimedOut(p), options.timeouts().joinTimeout().toMillis(), TimeUnit.MILLISECONDS);
        if (autoSubscribe && grant.canSubscribe()) {
            allTrackSids().forEach(trackSid -> addSubscription(p, trackSid));
        }
        // Right after join the server offers the subscriber connection (data channels, and any tracks).
        negotiate(p, false);
        log.info("room {}: {} joined (protocol {}, auto_subscribe {}, hidden {})", name, grant.identity(),
                protocol, autoSubscribe, grant.hidden());
        return p;
    }

    /**
     * A resume ({@code reconnect=1}): the session is found by identity. Refused (unknown, media gone, or the fault
     * switch) → Leave with action RECONNECT, so the client rejoins from scratch.
     */
    synchronized Optional<Participant> resume(SignalConnection socket, JoinGrant grant, boolean refuse, Network network) {
        Participant p = participants.get(grant.identity());
        if (p == null || refuse || (p.mediaDropped && !p.resumeWithoutMedia)) {
            log.info("room {}: resume of {} refused", name, grant.identity());
            if (p != null) {
                leaveAndRemove(p, DisconnectReason.STATE_MISMATCH, LeaveRequest.Action.RECONNECT);
            }
            SignalResponse leave = SignalResponse.newBuilder().setLeave(LeaveRequest.newBuilder().setCanReconnect(true)
                    .setReason(DisconnectReason.STATE_MISMATCH).setAction(LeaveRequest.Action.RECONNECT)).build();
            socket.sendThenClose(leave, "resume refused");
            return Optional.empty();
        }
        if (p.departure != null) {
            p.departure.cancel(false);
            p.departure = null;
        }
        SignalConnection old = p.socket;
        p.socket = socket;
        if (old != null && old != socket) {
            old.close("resumed elsewhere");
        }
        if (p.state == Participant.State.DETACHED) {
            p.moveTo(Participant.State.ACTIVE);
        }
        p.send(SignalResponse.newBuilder().setReconnect(LivekitRtc.ReconnectResponse.newBuilder()
                .setServerInfo(serverInfo()).addAllIceServers(network.iceServers())
                .setClientConfiguration(network.clientConfiguration())).build());
        // livekit-server (pkg/rtc/room.go ResumeParticipant): reconnect, one update with every participant (self
        // included), room_update, then the ICE-restart offer. Updates sent while the signal was down are lost, and
        // those who left meanwhile are simply absent from this update.
        LivekitRtc.ParticipantUpdate.Builder update = LivekitRtc.ParticipantUpdate.newBuilder().addParticipants(p.info());
        visibleOthers(p).forEach(update::addParticipants);
        p.send(SignalResponse.newBuilder().setUpdate(update).build());
        p.send(SignalResponse.newBuilder().setRoomUpdate(LivekitRtc.RoomUpdate.newBuilder().setRoom(roomInfo())).build());
        // livekit-server starts a new session worker, which refreshes the token at once and then every 5 minutes.
        startTokenRefresh(p);
        // A pending offer died with the old socket: offer again, with an ICE restart.
        p.awaitingAnswer = false;
        negotiate(p, true);
        log.info("room {}: {} resumed", name, grant.identity());
        return Optional.of(p);
    }

    synchronized void onSocketClosed(Participant p, SignalConnection socket) {
        if (p.socket != socket || p.state != Participant.State.ACTIVE) {
            return;
        }
        p.socket = null;
        p.moveTo(Participant.State.DETACHED);
        Duration window = options.timeouts().resumeWindow();
        log.info("room {}: signal of {} closed; resumable for {}", name, p.identity(), window);
        p.departure = timers.schedule(() -> departIfDetached(p), window.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void departIfDetached(Participant p) {
        if (p.state == Participant.State.DETACHED && participants.get(p.identity()) == p) {
            remove(p, DisconnectReason.SIGNAL_CLOSE);
        }
    }

    // ---- signal requests ----------------------------------------------------------------------------------

    synchronized void onRequest(Participant p, SignalRequest request) {
        if (p.state == Participant.State.GONE) {
            return;
        }
        if (options.traceSignals()) {
            p.trace.add(request);
        }
        log.debug("room {}: {} sent {}", name, p.identity(), request.getMessageCase());
        switch (request.getMessageCase()) {
            case ANSWER -> onAnswer(p, request.getAnswer());
            case TRICKLE -> onTrickle(p, request.getTrickle());
            case SUBSCRIPTION -> onSubscription(p, request.getSubscription());
            case TRACK_SETTING -> onTrackSettings(p, request.getTrackSetting());
            case PING -> p.send(SignalResponse.newBuilder().setPong(System.currentTimeMillis()).build());
            case PING_REQ -> p.send(SignalResponse.newBuilder().setPongResp(LivekitRtc.Pong.newBuilder()
                    .setLastPingTimestamp(request.getPingReq().getTimestamp())
                    .setTimestamp(System.currentTimeMillis())).build());
            case LEAVE -> {
                log.info("room {}: {} left ({})", name, p.identity(), request.getLeave().getReason());
                remove(p, DisconnectReason.CLIENT_INITIATED);
                if (p.socket != null) {
                    p.socket.close("left");
                }
            }
            // The server keeps the subscriptions across a resume, so the client's view is only recorded.
            case SYNC_STATE -> log.debug("room {}: {} sync_state {}", name, p.identity(), request.getSyncState());
            case ADD_TRACK -> onAddTrack(p, request.getAddTrack());
            case OFFER -> onPublisherOffer(p, request.getOffer());
            default -> log.debug("room {}: {} request {} ignored", name, p.identity(), request.getMessageCase());
        }
    }

    private void onAnswer(Participant p, LivekitRtc.SessionDescription answer) {
        if (answer.getId() != 0 && answer.getId() != p.offerId) {
            log.debug("room {}: stale answer {} from {} (offer {})", name, answer.getId(), p.identity(), p.offerId);
            return;
        }
        media.send(MediaProcess.command("answer").put("pc", p.pcId).put("sdp", answer.getSdp()));
        p.awaitingAnswer = false;
        if (p.renegotiate) {
            p.renegotiate = false;
            negotiate(p, p.pendingIceRestart);
        }
    }

    private void onTrickle(Participant p, LivekitRtc.TrickleRequest trickle) {
        String pc = trickle.getTarget() == SignalTarget.SUBSCRIBER ? p.pcId : p.publisherPcId;
        if (trickle.getTarget() == SignalTarget.PUBLISHER && !p.publisherPcCreated) {
            return;
        }
        JsonNode init;
        try {
            init = JSON.readTree(trickle.getCandidateInit());
        } catch (IOException e) {
            log.warn("room {}: bad candidateInit from {}: {}", name, p.identity(), trickle.getCandidateInit());
            return;
        }
        String candidate = init.path("candidate").asText("");
        if (candidate.isEmpty()) {
            return;
        }
        media.send(MediaProcess.command("candidate").put("pc", pc).put("candidate", candidate)
                .put("sdpMid", init.path("sdpMid").asText("0")).put("sdpMLineIndex", init.path("sdpMLineIndex").asInt(0)));
    }

    private void onSubscription(Participant p, LivekitRtc.UpdateSubscription update) {
        if (!p.grant.canSubscribe()) {
            log.warn("room {}: {} may not subscribe", name, p.identity());
            return;
        }
        List<String> sids = new ArrayList<>(update.getTrackSidsList());
        update.getParticipantTracksList().forEach(pt -> sids.addAll(pt.getTrackSidsList()));
        boolean changed = false;
        for (String trackSid : sids) {
            if (update.getSubscribe() && refusedSubscriptions != null) {
                // livekit-server's onSubscriptionError (pkg/rtc/participant.go): the subscription could not be served.
                p.send(SignalResponse.newBuilder().setSubscriptionResponse(LivekitRtc.SubscriptionResponse.newBuilder()
                        .setTrackSid(trackSid).setErr(refusedSubscriptions)).build());
            } else if (update.getSubscribe() && track(trackSid).isEmpty()) {
                awaitTrack(p, trackSid);
            } else if (update.getSubscribe()) {
                changed |= addSubscription(p, trackSid);
            } else {
                ScheduledFuture<?> waiting = p.awaitedTracks.remove(trackSid);
                if (waiting != null) {
                    waiting.cancel(false);
                }
                changed |= removeSubscription(p, trackSid);
            }
        }
        if (changed) {
            negotiate(p, false);
        }
    }

    /**
     * A subscription to a track that does not exist (yet): livekit-server keeps it desired, subscribes if the track
     * is published, and gives up after {@code notFoundTimeout} with SE_TRACK_NOTFOUND
     * ({@code pkg/rtc/subscriptionmanager.go}, {@code participant.go onSubscriptionError}).
     */
    private void awaitTrack(Participant p, String trackSid) {
        if (p.awaitedTracks.containsKey(trackSid)) {
            return;
        }
        Duration timeout = options.timeouts().trackNotFound();
        p.awaitedTracks.put(trackSid, timers.schedule(() -> trackNotFound(p, trackSid), timeout.toMillis(),
                TimeUnit.MILLISECONDS));
    }

    private synchronized void trackNotFound(Participant p, String trackSid) {
        if (p.state == Participant.State.GONE || p.awaitedTracks.remove(trackSid) == null) {
            return;
        }
        log.info("room {}: {} subscribed to unknown track {}: SE_TRACK_NOTFOUND", name, p.identity(), trackSid);
        p.send(SignalResponse.newBuilder().setSubscriptionResponse(LivekitRtc.SubscriptionResponse.newBuilder()
                .setTrackSid(trackSid).setErr(LivekitModels.SubscriptionError.SE_TRACK_NOTFOUND)).build());
    }

    private void onTrackSettings(Participant p, UpdateTrackSettings settings) {
        for (String trackSid : settings.getTrackSidsList()) {
            // As livekit-server: settings for a track not (yet) subscribed are discarded.
            if (p.subscriptions.containsKey(trackSid)) {
                p.subscriptions.put(trackSid, settings);
                sendLayer(p, trackSid);
            }
        }
    }

    /**
     * A track a subscriber can get: the synthetic publisher's (relay null) or an external publisher's. {@code fps}
     * and {@code temporalLayers} describe what the publisher encodes (0 and 1 when unknown: a relay).
     */
    private record TrackRef(LivekitModels.TrackInfo info, String streamId, int fps, int temporalLayers, String relay) {
        boolean video() {
            return info.getType() == LivekitModels.TrackType.VIDEO;
        }

        Layers.Choice layer(UpdateTrackSettings settings) {
            return Layers.select(info, fps, temporalLayers, settings);
        }
    }

    private Optional<TrackRef> track(String trackSid) {
        if (publisher != null && publisher.hasTrack(trackSid)) {
            LivekitModels.TrackInfo info = publisher.isVideo(trackSid) ? publisher.videoTrack() : publisher.audioTrack();
            return Optional.of(new TrackRef(info, publisher.streamId(trackSid), publisher.spec.fps(),
                    publisher.temporalLayers(), null));
        }
        for (Participant owner : participants.values()) {
            LivekitModels.TrackInfo info = owner.publishedTracks.get(trackSid);
            if (info != null) {
                return Optional.of(new TrackRef(info, owner.sid + "|" + trackSid, 0, 1, trackSid));
            }
        }
        return Optional.empty();
    }

    private boolean addSubscription(Participant p, String trackSid) {
        Optional<TrackRef> found = track(trackSid);
        // livekit-server never subscribes a participant to its own tracks (room.go skips the publisher).
        if (p.subscriptions.containsKey(trackSid) || found.isEmpty() || p.mediaDropped
                || p.publishedTracks.containsKey(trackSid)) {
            return false;
        }
        TrackRef track = found.get();
        UpdateTrackSettings high = UpdateTrackSettings.newBuilder().addTrackSids(trackSid)
                .setQuality(LivekitModels.VideoQuality.HIGH).build();
        p.subscriptions.put(trackSid, high);
        ObjectNode add = MediaProcess.command("addTrack").put("pc", p.pcId).put("track", trackSid)
                .put("kind", track.video() ? "video" : "audio").put("stream", track.streamId());
        if (track.relay() != null) {
            add.put("relay", track.relay());
        } else {
            add.put("room", name);
        }
        // The down track has the published track's codec (livekit-server forwards, it does not transcode).
        if (SyntheticPublisherSpec.H264.equalsIgnoreCase(track.info().getMimeType())) {
            add.put("codec", "h264");
            if (track.relay() == null && publisher.spec.h264Profile() != null) {
                add.put("profile", publisher.spec.h264Profile());
            }
        }
        if (track.video()) {
            Layers.Choice layer = track.layer(high);
            add.put("width", layer.width()).put("height", layer.height()).put("every", layer.frameDivisor());
        }
        media.send(add);
        return true;
    }

    private boolean removeSubscription(Participant p, String trackSid) {
        if (p.subscriptions.remove(trackSid) == null) {
            return false;
        }
        if (!p.mediaDropped) {
            media.send(MediaProcess.command("removeTrack").put("pc", p.pcId).put("track", trackSid));
        }
        return true;
    }

    private void sendLayer(Participant p, String trackSid) {
        Optional<TrackRef> track = track(trackSid);
        if (track.isEmpty() || !track.get().video()) {
            return;
        }
        Layers.Choice layer = track.get().layer(p.subscriptions.get(trackSid));
        media.send(MediaProcess.command("layer").put("pc", p.pcId).put("track", trackSid)
                .put("width", layer.width()).put("height", layer.height()).put("every", layer.frameDivisor()));
    }

    /**
     * AddTrackRequest: announce the track's sid now (TrackPublishedResponse); it is published when media arrives.
     * Its layers are announced as livekit-server does (sorted, spatial layer and rid filled; simulcast when more
     * than one).
     */
    @SuppressWarnings("deprecation")
    private void onAddTrack(Participant p, LivekitRtc.AddTrackRequest add) {
        if (!p.grant.canPublish()) {
            log.warn("room {}: {} may not publish", name, p.identity());
            return;
        }
        String mime = add.getType() == LivekitModels.TrackType.VIDEO ? PublisherCodecs.videoMime(add) : "audio/opus";
        List<LivekitModels.VideoLayer> layers = Layers.announced(add.getLayersList());
        LivekitModels.TrackInfo info = LivekitModels.TrackInfo.newBuilder().setSid(Ids.next("TR_"))
                .setType(add.getType()).setName(add.getName()).setSource(add.getSource()).setMuted(add.getMuted())
                .setWidth(add.getWidth()).setHeight(add.getHeight()).setStream(add.getStream())
                .setSimulcast(layers.size() > 1).addAllLayers(layers).setMimeType(mime)
                .addCodecs(LivekitModels.SimulcastCodecInfo.newBuilder().setMimeType(mime).setCid(add.getCid())
                        .addAllLayers(layers)).build();
        p.pendingTracks.put(add.getCid(), info);
        p.send(SignalResponse.newBuilder().setTrackPublished(LivekitRtc.TrackPublishedResponse.newBuilder()
                .setCid(add.getCid()).setTrack(info)).build());
    }

    /** The client's publisher offer: answered from the media process's receiving factory. */
    private void onPublisherOffer(Participant p, LivekitRtc.SessionDescription offer) {
        if (!p.grant.canPublish()) {
            log.warn("room {}: {} offered to publish without permission", name, p.identity());
            return;
        }
        if (!p.publisherPcCreated) {
            p.publisherPcCreated = true;
            media.listen(p.publisherPcId, event -> onPublisherMediaEvent(p, event));
            media.send(MediaProcess.command("pubPc").put("pc", p.publisherPcId));
        }
        p.publisherOfferId = offer.getId();
        // livekit-server reorders the offer so the answer picks the codec the pending track asked for
        // (setCodecPreferencesForPublisher); here per offer rather than per media section.
        String sdp = offer.getSdp();
        for (LivekitModels.TrackInfo pending : p.pendingTracks.values()) {
            if (pending.getType() == LivekitModels.TrackType.VIDEO) {
                sdp = PublisherCodecs.preferVideo(sdp, pending.getMimeType());
            }
        }
        media.send(MediaProcess.command("pubOffer").put("pc", p.publisherPcId).put("sdp", sdp));
    }

    private synchronized void onPublisherMediaEvent(Participant p, JsonNode event) {
        if (p.state == Participant.State.GONE) {
            return;
        }
        switch (event.path("ev").asText()) {
            case "answer" -> p.send(SignalResponse.newBuilder().setAnswer(LivekitRtc.SessionDescription.newBuilder()
                    .setType("answer").setSdp(event.path("sdp").asText()).setId(p.publisherOfferId)).build());
            case "candidate" -> p.send(SignalResponse.newBuilder().setTrickle(LivekitRtc.TrickleRequest.newBuilder()
                    .setCandidateInit(candidateInit(event)).setTarget(SignalTarget.PUBLISHER)
                    .setFinal(event.path("final").asBoolean())).build());
            case "track" -> onPublishedMedia(p, event.path("trackId").asText(), event.path("kind").asText());
            case "pcState" -> onPcState(p, "publisher", event.path("state").asText());
            case "error" -> log.warn("room {}: media error for {}'s publisher: {}", name, p.identity(),
                    event.path("message").asText());
            default -> log.debug("room {}: media event {}", name, event);
        }
    }

    /** Media arrived for a track: match it to its AddTrackRequest by cid (else by kind), relay it, announce it. */
    private void onPublishedMedia(Participant p, String trackId, String kind) {
        LivekitModels.TrackType type = "video".equals(kind) ? LivekitModels.TrackType.VIDEO : LivekitModels.TrackType.AUDIO;
        String cid = p.pendingTracks.containsKey(trackId) ? trackId : p.pendingTracks.entrySet().stream()
                .filter(e -> e.getValue().getType() == type).map(Map.Entry::getKey).findFirst().orElse(null);
        if (cid == null) {
            log.warn("room {}: {} sent {} media {} without an AddTrackRequest", name, p.identity(), kind, trackId);
            return;
        }
        LivekitModels.TrackInfo info = p.pendingTracks.remove(cid);
        p.publishedTracks.put(info.getSid(), info);
        media.send(MediaProcess.command("relay").put("pc", p.publisherPcId).put("trackId", trackId)
                .put("track", info.getSid()));
        p.version++;
        if (p.grant.hidden()) {
            p.send(SignalResponse.newBuilder().setUpdate(LivekitRtc.ParticipantUpdate.newBuilder()
                    .addParticipants(p.info())).build());
        } else {
            broadcast(p.info(), null);
        }
        autoSubscribeAll(List.of(info.getSid()));
        log.info("room {}: {} published {} track {}", name, p.identity(), kind, info.getSid());
    }

    private static String candidateInit(JsonNode event) {
        return JSON.createObjectNode().put("candidate", event.path("candidate").asText())
                .put("sdpMid", event.path("sdpMid").asText()).put("sdpMLineIndex", event.path("sdpMLineIndex").asInt())
                .toString();
    }

    /** Offers the subscriber connection now, or once the outstanding offer is answered (livekit-server's rule). */
    private void negotiate(Participant p, boolean iceRestart) {
        if (p.mediaDropped) {
            return;
        }
        if (p.awaitingAnswer) {
            p.renegotiate = true;
            p.pendingIceRestart |= iceRestart;
            return;
        }
        p.awaitingAnswer = true;
        p.pendingIceRestart = false;
        int offerId = ++p.offerId;
        media.send(MediaProcess.command("offer").put("pc", p.pcId).put("iceRestart", iceRestart));
        timers.schedule(() -> offerExpired(p, offerId), options.timeouts().offerTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** livekit-server: a subscriber offer left unanswered forces a full reconnect (Leave, action RECONNECT). */
    private synchronized void offerExpired(Participant p, int offerId) {
        if (p.state != Participant.State.GONE && p.awaitingAnswer && p.offerId == offerId) {
            log.warn("room {}: {} did not answer offer {} within {}", name, p.identity(), offerId,
                    options.timeouts().offerTimeout());
            leaveAndRemove(p, DisconnectReason.UNKNOWN_REASON, LeaveRequest.Action.RECONNECT);
        }
    }

    private void onPcState(Participant p, String which, String state) {
        log.info("room {}: {} connection of {} is {}", name, which, p.identity(), state);
        // livekit-server's participant turns ACTIVE when a peer connection first connects.
        p.connected |= state.equals("CONNECTED");
    }

    /** livekit-server ({@code pkg/rtc/room.go Join}): not ACTIVE a minute after joining → removed, JOIN_FAILURE. */
    private synchronized void joinTimedOut(Participant p) {
        if (p.state != Participant.State.GONE && !p.connected && participants.get(p.identity()) == p) {
            log.warn("room {}: {} did not connect within {}", name, p.identity(), options.timeouts().joinTimeout());
            leaveAndRemove(p, DisconnectReason.JOIN_FAILURE, LeaveRequest.Action.DISCONNECT);
        }
    }

    /**
     * livekit-server's session worker ({@code pkg/service/roommanager.go rtcSessionWorker}): a fresh token at once,
     * then every 5 minutes; a resume starts a new worker. The token lives 10 minutes ({@code tokenDefaultTTL}).
     */
    private void startTokenRefresh(Participant p) {
        if (p.refresh != null) {
            p.refresh.cancel(false);
            p.refresh = null;
        }
        Duration every = options.timeouts().refreshToken();
        if (!every.isZero()) {
            p.refresh = timers.scheduleAtFixedRate(() -> refreshToken(p), 0, every.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private synchronized void refreshToken(Participant p) {
        if (p.state == Participant.State.ACTIVE) {
            p.send(SignalResponse.newBuilder().setRefreshToken(tokens.reissue(p.grant, Duration.ofMinutes(10))).build());
        }
    }

    /** When no visible participant is left, the room closes after the departure timeout unless someone comes back. */
    private void scheduleDepartureIfEmpty() {
        boolean visible = (publisher != null && !publisher.left)
                || participants.values().stream().anyMatch(p -> !p.grant.hidden());
        if (!visible && !closed && departure == null) {
            Duration timeout = options.timeouts().departureTimeout();
            log.info("room {}: no visible participant left; closing in {}", name, timeout);
            departure = timers.schedule(this::departed, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private synchronized void departed() {
        if (departure != null && !closed) {
            departure = null;
            onDeparted.accept(this);
            close(DisconnectReason.ROOM_CLOSED);
        }
    }

    private void cancelDeparture() {
        if (departure != null) {
            departure.cancel(false);
            departure = null;
        }
    }

    // ---- media events -------------------------------------------------------------------------------------

    private synchronized void onMediaEvent(Participant p, JsonNode event) {
        if (p.state == Participant.State.GONE) {
            return;
        }
        switch (event.path("ev").asText()) {
            case "offer" -> p.send(SignalResponse.newBuilder().setOffer(LivekitRtc.SessionDescription.newBuilder()
                    .setType("offer").setSdp(event.path("sdp").asText()).setId(p.offerId)).build());
            case "candidate" -> p.send(SignalResponse.newBuilder().setTrickle(LivekitRtc.TrickleRequest.newBuilder()
                    .setCandidateInit(candidateInit(event)).setTarget(SignalTarget.SUBSCRIBER)
                    .setFinal(event.path("final").asBoolean())).build());
            case "pcState" -> onPcState(p, "subscriber", event.path("state").asText());
            case "error" -> log.warn("room {}: media error for {}: {}", name, p.identity(), event.path("message").asText());
            default -> log.debug("room {}: media event {}", name, event);
        }
    }

    // ---- faults and room life -----------------------------------------------------------------------------

    synchronized void killSignal(String identity) {
        Participant p = require(identity);
        if (p.socket != null) {
            p.socket.disconnect();
        }
    }

    synchronized void breakMedia(String identity) {
        dropMedia(identity);
        require(identity).resumeWithoutMedia = true;
    }

    synchronized void dropMedia(String identity) {
        Participant p = require(identity);
        p.mediaDropped = true;
        p.subscriptions.clear();
        media.send(MediaProcess.command("closePc").put("pc", p.pcId));
    }

    synchronized void refuseSubscriptions(LivekitModels.SubscriptionError error) {
        refusedSubscriptions = error;
    }

    synchronized void stallMedia(boolean stalled) {
        requirePublisher();
        media.send(MediaProcess.command("sourceStall").put("room", name).put("stalled", stalled));
    }

    synchronized void removePublisher() {
        requirePublisher();
        unsubscribeAll(List.of(publisher.videoSid, publisher.audioSid));
        publisher.left = true;
        publisher.version++;
        broadcast(publisher.info(), null);
        media.send(MediaProcess.command("closeSource").put("room", name));
        scheduleDepartureIfEmpty();
    }

    synchronized void republish() {
        requirePublisher();
        unsubscribeAll(List.of(publisher.videoSid, publisher.audioSid));
        publisher.published = false;
        publisher.version++;
        broadcast(publisher.info(), null);
        publisher.newTracks();
        publisher.version++;
        broadcast(publisher.info(), null);
        autoSubscribeAll(List.of(publisher.videoSid, publisher.audioSid));
    }

    synchronized void publishResolution(int width, int height) {
        requirePublisher();
        publisher.width = width;
        publisher.height = height;
        publisher.version++;
        broadcast(publisher.info(), null);
        for (Participant p : participants.values()) {
            if (p.subscriptions.containsKey(publisher.videoSid)) {
                sendLayer(p, publisher.videoSid);
            }
        }
    }

    synchronized void removeParticipant(String identity) {
        leaveAndRemove(require(identity), DisconnectReason.PARTICIPANT_REMOVED, LeaveRequest.Action.DISCONNECT);
    }

    /** Ends the room: every participant gets a Leave with {@code reason}, then the media is torn down. */
    synchronized void close(DisconnectReason reason) {
        if (closed) {
            return;
        }
        closed = true;
        cancelDeparture();
        for (Participant p : new ArrayList<>(participants.values())) {
            leaveAndRemove(p, reason, LeaveRequest.Action.DISCONNECT);
        }
        if (publisher != null && !publisher.left) {
            media.send(MediaProcess.command("closeSource").put("room", name));
        }
        log.info("room {} closed ({})", name, reason);
    }

    synchronized List<SignalRequest> trace(String identity) {
        return List.copyOf(require(identity).trace);
    }

    private void unsubscribeAll(List<String> trackSids) {
        for (Participant p : participants.values()) {
            boolean changed = false;
            for (String trackSid : trackSids) {
                changed |= removeSubscription(p, trackSid);
            }
            if (changed) {
                negotiate(p, false);
            }
        }
    }

    /** New tracks: subscribed for auto-subscribers and for those who asked for them before they existed. */
    private void autoSubscribeAll(List<String> trackSids) {
        for (Participant p : participants.values()) {
            if (!p.grant.canSubscribe()) {
                continue;
            }
            boolean changed = false;
            for (String trackSid : trackSids) {
                ScheduledFuture<?> awaited = p.awaitedTracks.remove(trackSid);
                if (awaited != null) {
                    awaited.cancel(false);
                }
                if (p.autoSubscribe || awaited != null) {
                    changed |= addSubscription(p, trackSid);
                }
            }
            if (changed) {
                negotiate(p, false);
            }
        }
    }

    private void leaveAndRemove(Participant p, DisconnectReason reason, LeaveRequest.Action action) {
        p.send(SignalResponse.newBuilder().setLeave(LeaveRequest.newBuilder().setReason(reason).setAction(action)
                .setCanReconnect(action != LeaveRequest.Action.DISCONNECT)).build());
        SignalConnection socket = p.socket;
        remove(p, reason);
        if (socket != null) {
            socket.close(reason.name());
        }
    }

    private void remove(Participant p, DisconnectReason reason) {
        if (p.state == Participant.State.GONE) {
            return;
        }
        if (p.departure != null) {
            p.departure.cancel(false);
        }
        if (p.refresh != null) {
            p.refresh.cancel(false);
        }
        p.awaitedTracks.values().forEach(waiting -> waiting.cancel(false));
        p.awaitedTracks.clear();
        List<String> published = List.copyOf(p.publishedTracks.keySet());
        p.moveTo(Participant.State.GONE);
        participants.remove(p.identity(), p);
        // Others stop receiving its tracks before its publisher connection (the relays' source) closes.
        unsubscribeAll(published);
        media.unlisten(p.pcId);
        if (!p.mediaDropped) {
            media.send(MediaProcess.command("closePc").put("pc", p.pcId));
        }
        if (p.publisherPcCreated) {
            media.unlisten(p.publisherPcId);
            media.send(MediaProcess.command("closePc").put("pc", p.publisherPcId));
        }
        p.version++;
        if (!p.grant.hidden()) {
            ParticipantInfo gone = p.info().toBuilder().setDisconnectReason(reason).build();
            broadcast(gone, p);
            scheduleDepartureIfEmpty();
        }
    }

    /** Sends a ParticipantUpdate to everyone but {@code except}; callers never pass a hidden participant's info. */
    private void broadcast(ParticipantInfo info, Participant except) {
        SignalResponse update = SignalResponse.newBuilder()
                .setUpdate(LivekitRtc.ParticipantUpdate.newBuilder().addParticipants(info)).build();
        for (Participant p : participants.values()) {
            if (p != except) {
                p.send(update);
            }
        }
    }

    private List<String> allTrackSids() {
        List<String> sids = new ArrayList<>();
        if (publisher != null && publisher.published && !publisher.left) {
            sids.add(publisher.videoSid);
            sids.add(publisher.audioSid);
        }
        participants.values().forEach(owner -> sids.addAll(owner.publishedTracks.keySet()));
        return sids;
    }

    private List<ParticipantInfo> visibleOthers(Participant self) {
        List<ParticipantInfo> others = new ArrayList<>();
        if (publisher != null && !publisher.left) {
            others.add(publisher.info());
        }
        for (Participant p : participants.values()) {
            if (p != self && !p.grant.hidden()) {
                others.add(p.info());
            }
        }
        return others;
    }

    private LivekitModels.Room roomInfo() {
        int visible = (int) participants.values().stream().filter(p -> !p.grant.hidden()).count();
        int publishing = (int) participants.values().stream().filter(p -> !p.publishedTracks.isEmpty()).count();
        boolean hasPublisher = publisher != null && !publisher.left;
        return LivekitModels.Room.newBuilder().setSid(sid).setName(name).setEmptyTimeout(300)
                .setDepartureTimeout((int) options.timeouts().departureTimeout().toSeconds())
                .setCreationTime(createdAtMs / 1000).setCreationTimeMs(createdAtMs)
                .setNumParticipants(visible + (hasPublisher ? 1 : 0)).setNumPublishers(publishing + (hasPublisher ? 1 : 0))
                .setActiveRecording(participants.values().stream().anyMatch(p -> p.grant.recorder())).build();
    }

    /** As livekit-server 1.13.5 reports itself ({@code pkg/service/roommanager.go}); the node id names the double. */
    private static LivekitModels.ServerInfo serverInfo() {
        return LivekitModels.ServerInfo.newBuilder().setEdition(LivekitModels.ServerInfo.Edition.Standard)
                .setVersion(SERVER_VERSION).setProtocol(PROTOCOL_VERSION).setAgentProtocol(1).setNodeId("ND_devstack")
                .build();
    }

    private Participant require(String identity) {
        Participant p = participants.get(identity);
        if (p == null) {
            throw new IllegalArgumentException("no participant " + identity + " in room " + name);
        }
        return p;
    }

    private void requirePublisher() {
        if (publisher == null || publisher.left) {
            throw new IllegalStateException("room " + name + " has no synthetic publisher");
        }
    }
}
