package dev.mintrecorder.worker.room;

import dev.mintrecorder.worker.media.FrameQueues;
import dev.mintrecorder.worker.ops.Metric;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.media.MediaStreamTrack;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.video.VideoTrack;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import livekit.LivekitModels.ClientConfigSetting;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitRtc.JoinResponse;
import livekit.LivekitRtc.LeaveRequest;
import livekit.LivekitRtc.ReconnectResponse;
import livekit.LivekitRtc.SessionDescription;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;
import livekit.LivekitRtc.SignalTarget;
import livekit.LivekitRtc.SubscriptionResponse;
import livekit.LivekitRtc.SyncState;
import livekit.LivekitRtc.TrickleRequest;
import livekit.LivekitRtc.UpdateSubscription;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Function;

/**
 * One recorder's presence in one room: the signal protocol, the subscription to the target's camera and
 * microphone, the subscriber peer connection, and the sinks that fill the bounded queues it is given.
 *
 * <p>Confinement: every state change runs on one virtual thread, the room's loop (like a per-track worker in
 * LiveKit Egress). Socket, WebRTC and timer callbacks only post work to it, so this class needs no locks, and
 * answering an offer (a few ms of blocking SDP calls) never runs on a media thread.
 *
 * <p>Parts: {@link SignalLink} holds the socket, the pings and the watchdogs; {@link ReconnectPolicy} decides, purely,
 * what a lost signal, a {@code leave} or a failed peer connection leads to, and this loop carries it out;
 * {@link IceSettings} turns the server's ICE servers into the peer connection's configuration;
 * {@link TargetSubscription} decides, purely, what to subscribe to, which remote track is which and the layer to ask
 * for; {@link TargetMedia} owns the sinks into the queues, their stall detectors and meters.
 *
 * <p>Ending: the session ends itself ({@link #completion()}) when the room closes, the target stays away past
 * the grace period, or something fails. Ending stops the input: sinks removed, peer connection closed, queues
 * finished, so the consumer drains what is left. {@link #close()} is the owner's last call in every case; it ends
 * the session if needed and stops the loop. The queues are not the room's: their creator closes them after this.
 */
public final class RoomSession implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RoomSession.class);
    /** How often the audio receiver is asked what it played out: its delay moves about 1 ms per 50 ms. */
    private static final Duration PLAYOUT_POLL = Duration.ofMillis(50);
    /**
     * How long a peer connection may take to connect after a join or resume before the attempt counts as failed
     * (client-sdk-js {@code peerConnectionTimeout}, 15 s, used by {@code waitForPCReconnected}).
     */
    static final Duration PEER_CONNECT_TIMEOUT = Duration.ofSeconds(15);

    private final RoomConfig config;
    private final RoomRequest request;
    private final RoomListener listener;
    private final OkHttpClient http;
    private final WebRtcRuntime runtime;
    private final String identity;
    private final RoomLoop loop;
    private final CompletableFuture<RoomEnd> completion = new CompletableFuture<>();

    private final FrameQueues queues;
    private final TargetMedia media;
    private final ReconnectPolicy policy;
    private final MeterRegistry registry;
    private final Counter resumes;
    private final Counter rejoins;

    // Loop-confined state.
    private volatile RoomState state = RoomState.CONNECTING;
    private final TargetSubscription target;
    private final SignalLink signal;
    private SubscriberPeer peer;
    private String token;
    private String participantSid;
    private ReconnectPolicy.Phase phase = ReconnectPolicy.Phase.JOINING;
    /** The server's client_configuration.resume_connection is DISABLED: every reconnect is a rejoin. */
    private boolean resumeDisabled;
    /** The subscriber connection has been connected at least once. */
    private boolean mediaConnected;
    private RTCPeerConnectionState peerState = RTCPeerConnectionState.NEW;
    /** When the current outage began (System.nanoTime), or null when none is in progress. */
    private Long outageStartNanos;
    private int peerGeneration;
    private ScheduledFuture<?> peerWatchdog;
    private ScheduledFuture<?> goneTimer;
    private ScheduledFuture<?> tracksTimer;
    private final List<ScheduledFuture<?>> periodic = new ArrayList<>();

    RoomSession(RoomConfig config, RoomRequest request, FrameQueues queues, RoomListener listener, OkHttpClient http,
                WebRtcRuntime runtime, MeterRegistry registry) {
        this.config = config;
        this.request = request;
        this.queues = queues;
        this.listener = listener;
        this.http = http;
        this.runtime = runtime;
        this.identity = request.recorderIdentity();
        this.target = new TargetSubscription(request.targetIdentity(), identity, request.layerCap());
        this.policy = new ReconnectPolicy(config.reconnectTimeout());
        this.loop = new RoomLoop(request, this::loopTaskFailed);
        this.signal = new SignalLink(http, loop, new SignalLink.Listener() {
            @Override
            public void onMessage(SignalResponse message) {
                handle(message);
            }

            @Override
            public void onLost(HttpUrl url, int upgradeStatus, String why) {
                signalLost(url, upgradeStatus, why);
            }
        });
        Tags tags = Tags.of("room", request.room());
        this.media = new TargetMedia(queues, config.stallThreshold(), registry, tags, this::emit);
        this.resumes = Metric.ROOM_RECONNECTS.counter(registry, tags.and("how", "resume"));
        this.rejoins = Metric.ROOM_RECONNECTS.counter(registry, tags.and("how", "rejoin"));
        this.registry = registry;
    }

    // ---- the API the recording session uses ----

    /** Completes once, with why the room ended; never exceptionally. */
    public CompletableFuture<RoomEnd> completion() {
        return completion;
    }

    public RoomRequest request() {
        return request;
    }

    /** The current state, read from any thread (for status views). */
    public RoomState state() {
        return state;
    }

    /** Frames libwebrtc delivered to the video sink (tests compare it with native releases). */
    public long videoFramesDelivered() {
        return media.videoDelivered();
    }

    /** Mean nanoseconds the video sink spends per frame on libwebrtc's decoder thread (wrap + offer). */
    public long videoSinkMeanNanos() {
        return media.videoSinkMeanNanos();
    }

    public long audioChunksDelivered() {
        return media.audioDelivered();
    }

    /**
     * Asks the SFU for the next lower of the layers it announces for the target's camera (not below 180p); the
     * memory governor calls it under pressure. Completes with the cap now requested.
     */
    public CompletableFuture<LayerCap> lowerLayer() {
        return changeLayer(TargetSubscription::lower, "lowering");
    }

    /** Asks for the job's own cap again (the memory governor calls it when pressure is over). */
    public CompletableFuture<LayerCap> restoreLayer() {
        return changeLayer(TargetSubscription::restore, "restoring");
    }

    private CompletableFuture<LayerCap> changeLayer(Function<TargetSubscription, Optional<LayerCap>> how, String doing) {
        CompletableFuture<LayerCap> result = new CompletableFuture<>();
        loop.post(() -> {
            how.apply(target).ifPresentOrElse(cap -> {
                log.info("{} the video layer to {}p{}", doing, cap.maxHeight(), cap.fps());
                sendTrackSettings();
                emit(new RoomEvent.LayerChanged(cap));
            }, () -> log.info("video layer stays {}p{} (announced layers {})", target.cap().maxHeight(),
                    target.cap().fps(), target.announcedHeights()));
            result.complete(target.cap());
        });
        return result;
    }

    /**
     * Leaves the room (if still in it), stops the media (the queues' input is finished) and stops the loop.
     * Teardown order: sinks removed and peer connection closed (in {@link SubscriberPeer#close()}), then the
     * meters. The queues' owner closes them after this, which releases any frame still queued. Idempotent; waits
     * up to a few seconds for the loop, so never call it from a {@link RoomListener} (which runs on that loop).
     */
    @Override
    public void close() {
        if (!loop.offer(() -> end(new RoomEnd(RoomEnd.Reason.CLOSED, "closed by the recorder", null)))) {
            return; // closed before
        }
        loop.stop(Duration.ofSeconds(10));
        media.close();
        registry.remove(resumes);
        registry.remove(rejoins);
    }

    // ---- the loop ----

    void start() {
        loop.post(() -> {
            log.info("joining room {} as {} (target {}, cap {}p{})", request.room(), identity,
                    request.targetIdentity() == null ? "first video publisher" : request.targetIdentity(),
                    target.cap().maxHeight(), target.cap().fps());
            tracksTimer = loop.schedule(this::checkTracksArrived, config.tracksTimeout());
            periodic.add(loop.every(this::checkStalls,
                    Duration.ofMillis(Math.max(50, config.stallThreshold().toMillis() / 4))));
            periodic.add(loop.every(this::pollStats, config.statsInterval()));
            periodic.add(loop.every(this::pollPlayout, PLAYOUT_POLL));
            join();
        });
    }

    /** Joins as a new participant session; the peer connection follows the JoinResponse, with its ICE servers. */
    private void join() {
        token = JoinToken.create(config.apiKey(), config.apiSecret(), request.room(), identity, config.tokenTtl());
        signal.open(SignalUrls.rtc(config.livekitUrl(), token, null));
    }

    private void handle(SignalResponse message) {
        if (state == RoomState.CLOSED) {
            return;
        }
        switch (message.getMessageCase()) {
            case JOIN -> onJoin(message.getJoin());
            case RECONNECT -> onResumed(message.getReconnect());
            case LEAVE -> onLeave(message.getLeave());
            case OFFER -> onOffer(message.getOffer());
            case TRICKLE -> {
                TrickleRequest trickle = message.getTrickle();
                if (trickle.getTarget() == SignalTarget.SUBSCRIBER && peer != null) {
                    peer.addRemoteCandidate(trickle.getCandidateInit());
                }
            }
            case UPDATE -> applyParticipants(message.getUpdate().getParticipantsList());
            case REFRESH_TOKEN -> token = message.getRefreshToken();
            case SUBSCRIPTION_RESPONSE -> onSubscriptionError(message.getSubscriptionResponse());
            case PONG, PONG_RESP -> { } // any message feeds the link's ping_timeout watchdog
            default -> log.debug("signal message {} ignored", message.getMessageCase());
        }
    }

    private void onJoin(JoinResponse join) {
        participantSid = join.getParticipant().getSid();
        signal.keepAlive(join.getPingInterval(), join.getPingTimeout());
        boolean rejoin = phase != ReconnectPolicy.Phase.JOINING;
        if (!rejoin) {
            phase = ReconnectPolicy.Phase.CONNECTED;
        }
        resumeDisabled = join.getClientConfiguration().getResumeConnection() == ClientConfigSetting.DISABLED;
        // As client-sdk-js (RTCEngine.configure): the peer connection is made after the JoinResponse, with the ICE
        // servers it names, so a deployment reachable only through TURN (TCP/TLS 443) connects.
        peer = runtime.newSubscriber(request.room(), IceSettings.of(join.getIceServersList(),
                join.getClientConfiguration()), peerListener(++peerGeneration));
        peerState = RTCPeerConnectionState.NEW;
        peerConfigured();
        watchPeer();
        moveTo(RoomState.JOINED);
        log.info("joined room {} (room sid {}, participant sid {}, {} others)", request.room(), join.getRoom().getSid(),
                participantSid, join.getOtherParticipantsCount());
        emit(new RoomEvent.Joined(join.getRoom().getSid(), participantSid));
        if (rejoin) {
            emit(new RoomEvent.Rejoined());
        }
        applyParticipants(join.getOtherParticipantsList());
    }

    private void peerConfigured() {
        IceSettings ice = peer.ice();
        log.info("subscriber peer connection: ICE servers {}{}", ice.servers(), ice.relayOnly() ? ", relay only" : "");
        emit(new RoomEvent.PeerConfigured(ice.urls(), ice.relayOnly()));
    }

    /**
     * After a join or resume the connection must be connected within {@link #PEER_CONNECT_TIMEOUT}
     * (client-sdk-js {@code waitForPCReconnected}); else the policy decides (a rejoin, or a connect error).
     */
    private void watchPeer() {
        cancel(peerWatchdog);
        SubscriberPeer watched = peer;
        peerWatchdog = loop.schedule(() -> {
            if (peer == watched && peerState != RTCPeerConnectionState.CONNECTED && state != RoomState.CLOSED) {
                log.warn("subscriber peer connection still {} after {}", peerState, PEER_CONNECT_TIMEOUT);
                act(policy.decide(new ReconnectPolicy.Trouble.PeerTimeout(PEER_CONNECT_TIMEOUT), situation()), null);
            }
        }, PEER_CONNECT_TIMEOUT);
    }

    private void applyParticipants(List<ParticipantInfo> infos) {
        for (TargetSubscription.Step step : target.apply(infos)) {
            switch (step) {
                case TargetSubscription.Step.TargetChosen chosen -> {
                    log.info("target is {}", chosen.identity());
                    emit(new RoomEvent.TargetChosen(chosen.identity()));
                }
                case TargetSubscription.Step.TrackPublished published ->
                        log.info("target published {} {}", published.track().getType(), published.track().getSid());
                case TargetSubscription.Step.MicrophoneGone gone -> media.microphoneGone(peer);
                case TargetSubscription.Step.CameraGone gone -> {
                    if (gone.trackSid() != null) {
                        media.cameraGone(peer);
                    }
                    targetGone(gone.identity(), gone.why());
                }
                case TargetSubscription.Step.Subscribe subscribe -> {
                    log.info("subscribing to {}", subscribe.trackSids());
                    signal.send(SignalRequest.newBuilder().setSubscription(UpdateSubscription.newBuilder()
                            .addAllTrackSids(subscribe.trackSids()).setSubscribe(true)).build());
                    // Track settings follow the subscription's offer (onOffer): sent earlier, the server discards them.
                }
            }
        }
    }

    private void onOffer(SessionDescription offer) {
        String answer;
        try {
            answer = peer.answer(offer.getSdp());
        } catch (RuntimeException e) {
            fail(new RoomException(RoomException.Scope.SESSION, RoomException.Kind.MEDIA_FAILED,
                    "could not answer the subscriber offer: " + e.getMessage(), e));
            return;
        }
        signal.send(SignalRequest.newBuilder().setAnswer(SessionDescription.newBuilder()
                .setType("answer").setSdp(answer).setId(offer.getId())).build());
        sendTrackSettings();
    }

    /** Caps the video layer; idempotent, so it is sent after every offer while the camera is subscribed. */
    private void sendTrackSettings() {
        target.trackSettings().ifPresent(settings -> signal.send(SignalRequest.newBuilder()
                .setTrackSetting(settings).build()));
    }

    /** A remote track started receiving; which subscribed track it carries is read from its stream id. */
    private void onTrack(MediaStreamTrack track, List<String> streamIds) {
        if (state == RoomState.CLOSED || peer == null) {
            return;
        }
        TargetSubscription.Role role = target.roleOf(streamIds, track.getId());
        if (track instanceof VideoTrack video) {
            if (role != TargetSubscription.Role.CAMERA) {
                log.warn("video track {} (streams {}) is not the subscribed camera {}; recording it anyway",
                        track.getId(), streamIds, target.videoSid());
            }
            media.attach(peer, video);
            if (state == RoomState.JOINED) {
                moveTo(RoomState.SUBSCRIBED);
                cancel(goneTimer);
                goneTimer = null;
                int[] size = target.sentSize();
                emit(new RoomEvent.TracksSubscribed(target.target().orElse(null), target.videoSid(),
                        target.audioSid(), size[0], size[1]));
            }
        } else if (track instanceof AudioTrack audio) {
            if (role != TargetSubscription.Role.MICROPHONE) {
                log.warn("audio track {} (streams {}) is not the subscribed microphone {}; recording it anyway",
                        track.getId(), streamIds, target.audioSid());
            }
            media.attach(peer, audio);
        }
    }

    private void targetGone(String who, String why) {
        log.info("target {} {}; waiting up to {} for it", who, why, config.targetLeftGrace());
        if (state == RoomState.SUBSCRIBED) {
            moveTo(RoomState.JOINED);
        }
        emit(new RoomEvent.TargetGone(who, why));
        if (goneTimer == null) {
            goneTimer = loop.schedule(() -> {
                goneTimer = null;
                if (state != RoomState.SUBSCRIBED && state != RoomState.CLOSED) {
                    end(new RoomEnd(RoomEnd.Reason.TARGET_LEFT, "target " + who + " " + why
                            + " and did not return within " + config.targetLeftGrace(), null));
                }
            }, config.targetLeftGrace());
        }
    }

    private void checkTracksArrived() {
        if (media.videoAttached() || state == RoomState.CLOSED || goneTimer != null) {
            return;
        }
        if (!mediaConnected) {
            // The peer connection's own watchdog decides about a connection that never came up; look again later.
            tracksTimer = loop.schedule(this::checkTracksArrived, config.tracksTimeout());
            return;
        }
        String who = target.target().orElse(null);
        if (!target.targetPresent()) {
            // Rooms auto-create on livekit-server, so a wrong room or identity looks like an empty room: say so.
            fail(RoomException.session(RoomException.Kind.TARGET_NOT_FOUND, (who == null
                    ? "no participant published video" : "target " + who + " did not appear") + " in room "
                    + request.room() + " within " + config.tracksTimeout() + "; participants seen: " + target.seen()));
        } else {
            fail(RoomException.session(RoomException.Kind.TARGET_TRACKS_MISSING, "the camera of target " + who
                    + " did not arrive within " + config.tracksTimeout()));
        }
    }

    /**
     * livekit-server answers a subscription it cannot serve with {@code subscription_response}
     * ({@code pkg/rtc/subscriptionmanager.go}): the track is gone, or no codec the subscriber accepts. Either way the
     * recording cannot go on with that track, so it ends with that reason instead of waiting for media.
     */
    private void onSubscriptionError(SubscriptionResponse response) {
        String sid = response.getTrackSid();
        log.warn("subscription to {} failed: {}", sid, response.getErr());
        if (!target.isSubscribed(sid)) {
            return; // not (or no longer) one of the target's tracks
        }
        String what = target.describe(sid);
        switch (response.getErr()) {
            case SE_TRACK_NOTFOUND -> fail(RoomException.session(RoomException.Kind.TRACK_NOT_FOUND, "the server has no "
                    + what + " track " + sid + " of target " + target.target().orElse("?") + " (SE_TRACK_NOTFOUND)"));
            case SE_CODEC_UNSUPPORTED -> fail(RoomException.session(RoomException.Kind.CODEC_UNSUPPORTED, "the server "
                    + "cannot send the " + what + " track " + sid + " in a codec this worker accepts (SE_CODEC_UNSUPPORTED)"));
            default -> { } // SE_UNKNOWN: logged; the tracks timeout still decides
        }
    }

    private void onLeave(LeaveRequest leave) {
        log.info("server says leave: reason {}, action {}", leave.getReason(), leave.getAction());
        act(policy.decide(new ReconnectPolicy.Trouble.Leave(leave.getReason(), leave.getAction()), situation()), null);
    }

    // ---- losing and regaining the connection ----

    private void signalLost(HttpUrl url, int upgradeStatus, String why) {
        if (state == RoomState.CLOSED) {
            return;
        }
        log.warn("signal lost: {}", why);
        act(policy.decide(new ReconnectPolicy.Trouble.SignalLost(upgradeStatus, why), situation()), url);
    }

    private ReconnectPolicy.Situation situation() {
        Duration outage = outageStartNanos == null ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - outageStartNanos);
        return new ReconnectPolicy.Situation(phase, resumeDisabled, mediaConnected, outage);
    }

    /** Carries out the policy's decision; {@code url} is the refused socket's, for a refused upgrade. */
    private void act(ReconnectPolicy.Action action, HttpUrl url) {
        switch (action) {
            case ReconnectPolicy.Action.Resume resume -> {
                outageBegins();
                resumes.increment();
                resume();
            }
            case ReconnectPolicy.Action.Rejoin rejoin -> {
                outageBegins();
                rejoins.increment();
                rejoin();
            }
            case ReconnectPolicy.Action.RetryLater later -> {
                outageBegins();
                int waitingFor = signal.attempt();
                loop.schedule(() -> {
                    if (signal.attempt() == waitingFor && state != RoomState.CLOSED) {
                        act(later.then(), null);
                    }
                }, later.delay());
            }
            // A refused upgrade: ask /rtc/validate why (bad token, unknown room); retrying would not help.
            case ReconnectPolicy.Action.Fail fail -> fail(fail.refusedStatus() != 0
                    ? SignalClient.explainRefusal(http, url, fail.refusedStatus())
                    : RoomException.session(fail.kind(), fail.why()));
            case ReconnectPolicy.Action.End end -> end(new RoomEnd(end.reason(), "room " + request.room() + ": "
                    + end.why(), null));
            case ReconnectPolicy.Action.Wait wait -> log.info("reconnect already under way; waiting for it");
        }
    }

    /** The first trouble starts the outage's clock; later ones within the same outage do not reset it. */
    private void outageBegins() {
        if (outageStartNanos == null) {
            outageStartNanos = System.nanoTime();
        }
    }

    /** Resumes the same participant session: {@code reconnect=1&sid=...} with the newest token. */
    private void resume() {
        phase = ReconnectPolicy.Phase.RESUMING;
        moveTo(RoomState.RECONNECTING);
        log.info("resuming session {}", participantSid);
        signal.open(SignalUrls.rtc(config.livekitUrl(), token, participantSid));
    }

    private void onResumed(ReconnectResponse reconnect) {
        signal.keepAlive();
        if (reconnect.hasClientConfiguration()) {
            resumeDisabled = reconnect.getClientConfiguration().getResumeConnection() == ClientConfigSetting.DISABLED;
        }
        // The servers may have changed (client-sdk-js resumeConnection: pcManager.updateConfiguration); they apply
        // from the ICE restart the server offers next.
        peer.configure(IceSettings.of(reconnect.getIceServersList(), reconnect.getClientConfiguration()));
        peerConfigured();
        // sync_state tells the server what this side still has: the subscriber answer and the subscriptions.
        SyncState.Builder sync = SyncState.newBuilder()
                .setSubscription(UpdateSubscription.newBuilder().addAllTrackSids(target.subscribed()).setSubscribe(true));
        String answer = peer.localAnswer();
        if (answer != null) {
            sync.setAnswer(SessionDescription.newBuilder().setType("answer").setSdp(answer));
        }
        signal.send(SignalRequest.newBuilder().setSyncState(sync).build());
        log.info("signal resumed; waiting for the peer connection (now {})", peerState);
        watchPeer();
        reconnectedIfPeerUp();
    }

    /**
     * A resume or rejoin is over only when its peer connection is connected (client-sdk-js
     * {@code waitForPCReconnected}); until then the outage's clock runs on.
     */
    private void reconnectedIfPeerUp() {
        if (peerState != RTCPeerConnectionState.CONNECTED || !signal.answered()) {
            return;
        }
        mediaConnected = true;
        cancel(peerWatchdog);
        peerWatchdog = null;
        ReconnectPolicy.Phase was = phase;
        phase = ReconnectPolicy.Phase.CONNECTED;
        Long began = outageStartNanos;
        outageStartNanos = null;
        if (began != null) {
            log.info("reconnected after {} ms", Duration.ofNanos(System.nanoTime() - began).toMillis());
        }
        if (was == ReconnectPolicy.Phase.RESUMING) {
            moveTo(media.videoAttached() ? RoomState.SUBSCRIBED : RoomState.JOINED);
            log.info("resumed");
            emit(new RoomEvent.Resumed());
        }
    }

    /** Starts over: a new participant session, peer connection and subscription; the queues stay. */
    private void rejoin() {
        phase = ReconnectPolicy.Phase.REJOINING;
        signal.abort();
        closePeer();
        target.rejoin();
        if (state != RoomState.CONNECTING) {
            moveTo(RoomState.RECONNECTING);
            moveTo(RoomState.CONNECTING);
        }
        join();
    }

    // ---- media callbacks, stall and stats ----

    /** Callbacks of the peer connection number {@code generation}; those of a superseded one are dropped. */
    private SubscriberPeer.Listener peerListener(int generation) {
        return new SubscriberPeer.Listener() {
            @Override
            public void onLocalCandidate(String candidateInitJson) {
                loop.post(() -> {
                    if (generation == peerGeneration) {
                        signal.send(SignalRequest.newBuilder().setTrickle(TrickleRequest.newBuilder()
                                .setCandidateInit(candidateInitJson).setTarget(SignalTarget.SUBSCRIBER)).build());
                    }
                });
            }

            @Override
            public void onTrack(MediaStreamTrack track, List<String> streamIds) {
                loop.post(() -> {
                    if (generation == peerGeneration) {
                        RoomSession.this.onTrack(track, streamIds);
                    }
                });
            }

            @Override
            public void onConnectionState(RTCPeerConnectionState connection) {
                loop.post(() -> {
                    if (generation != peerGeneration || state == RoomState.CLOSED) {
                        return; // a superseded connection's last words
                    }
                    log.info("subscriber peer connection {}", connection);
                    peerState = connection;
                    if (connection == RTCPeerConnectionState.CONNECTED) {
                        mediaConnected = true;
                        reconnectedIfPeerUp();
                    } else if (connection == RTCPeerConnectionState.FAILED) {
                        act(policy.decide(new ReconnectPolicy.Trouble.PeerFailed(), situation()), null);
                    }
                });
            }
        };
    }

    private void checkStalls() {
        if (state == RoomState.SUBSCRIBED || state == RoomState.RECONNECTING) {
            media.checkStalls();
        }
    }

    private void pollPlayout() {
        media.pollPlayout(peer);
    }

    private void pollStats() {
        if (peer != null && state != RoomState.CLOSED) {
            peer.stats().thenAccept(media::updateStats);
        }
    }

    // ---- state and ending ----

    /** Every state change goes through here; {@link RoomState} says which are allowed. */
    private void moveTo(RoomState next) {
        if (next == state) {
            return;
        }
        if (!state.canMoveTo(next)) {
            throw new IllegalStateException("room state " + state + " -> " + next + " is not allowed");
        }
        RoomState previous = state;
        state = next;
        log.info("room state {} -> {}", previous, next);
        emit(new RoomEvent.StateChanged(previous, next));
    }

    private void fail(RoomException error) {
        log.warn("room failed ({} scope, {}): {}", error.scope(), error.kind(), error.getMessage());
        end(RoomEnd.failed(error));
    }

    private void end(RoomEnd end) {
        if (state == RoomState.CLOSED) {
            return;
        }
        moveTo(RoomState.CLOSED);
        cancel(peerWatchdog);
        cancel(goneTimer);
        cancel(tracksTimer);
        periodic.forEach(this::cancel);
        signal.leave();
        closePeer();
        queues.finishInput();
        log.info("room ended: {} ({}); {}", end.reason(), end.detail(), media.summary());
        completion.complete(end);
    }

    private void closePeer() {
        if (peer != null) {
            peer.close();
            peer = null;
        }
        peerGeneration++; // its late callbacks are stale now
        peerState = RTCPeerConnectionState.CLOSED;
        media.peerClosed();
    }

    private void cancel(ScheduledFuture<?> future) {
        if (future != null) {
            future.cancel(false);
        }
    }

    private void emit(RoomEvent event) {
        try {
            listener.onEvent(event);
        } catch (RuntimeException e) {
            log.warn("room listener failed on {}", event, e);
        }
    }

    /** A loop task let an exception escape: the recording cannot trust its state any more. */
    private void loopTaskFailed(RuntimeException e) {
        if (state != RoomState.CLOSED) {
            fail(e instanceof RoomException re ? re : new RoomException(RoomException.Scope.SESSION,
                    RoomException.Kind.MEDIA_FAILED, "room client error: " + e, e));
        }
    }
}
