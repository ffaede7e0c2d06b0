package dev.mintrecorder.worker.room;

import dev.mintrecorder.worker.media.FrameQueues;
import dev.mintrecorder.worker.media.PlayoutLag;
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
import livekit.LivekitModels.VideoQuality;
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
import livekit.LivekitRtc.UpdateTrackSettings;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

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
 * {@link IceSettings} turns the server's ICE servers into the peer connection's configuration.
 *
 * <p>Ending: the session ends itself ({@link #completion()}) when the room closes, the target stays away past
 * the grace period, or something fails. Ending stops the input: sinks removed, peer connection closed, queues
 * finished, so the consumer drains what is left. {@link #close()} is the owner's last call in every case; it ends
 * the session if needed and stops the loop. The queues are not the room's: their creator closes them after this.
 */
public final class RoomSession implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RoomSession.class);
    /** How often the audio receiver is asked what it played out: its delay moves about 1 ms per 50 ms. */
    private static final long PLAYOUT_POLL_MILLIS = 50;
    /** Opus's RTP clock rate (RFC 7587: always 48 kHz). */
    private static final int OPUS_CLOCK_RATE = 48_000;
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
    private final ScheduledExecutorService loop;
    private final CompletableFuture<RoomEnd> completion = new CompletableFuture<>();

    private final FrameQueues queues;
    private final StallDetector videoStall;
    private final StallDetector audioStall;
    private final VideoQueueSink videoSink;
    private final AudioQueueSink audioSink;
    /** The audio's playout excess, read from the receiver every {@link #PLAYOUT_POLL_MILLIS}, applied by the sink. */
    private final PlayoutLag playoutLag = new PlayoutLag(OPUS_CLOCK_RATE);
    private final ReceiverStats stats;
    private final QueueMeters videoMeters;
    private final QueueMeters audioMeters;
    private final ReconnectPolicy policy;
    private final MeterRegistry registry;
    private final Counter resumes;
    private final Counter rejoins;

    // Loop-confined state.
    private volatile RoomState state = RoomState.CONNECTING;
    private ParticipantTracker tracker;
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
    private final Set<String> subscribed = new HashSet<>();
    private String videoSid;
    private String audioSid;
    private boolean videoAttached;
    private boolean audioAttached;
    private volatile LayerCap cap;
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
        this.cap = request.layerCap();
        this.tracker = new ParticipantTracker(request.targetIdentity(), identity);
        this.policy = new ReconnectPolicy(config.reconnectTimeout());
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
                Thread.ofVirtual().name("room-" + request.room()).factory());
        // On close, pending timers (watchdogs, retries, grace) are dropped rather than waited for.
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setRemoveOnCancelPolicy(true);
        this.loop = executor;
        this.signal = new SignalLink(http, new SignalLink.Loop() {
            @Override
            public void post(Runnable task) {
                RoomSession.this.post(task);
            }

            @Override
            public ScheduledFuture<?> schedule(Runnable task, Duration delay) {
                return loop.schedule(() -> withMdc(task), delay.toMillis(), TimeUnit.MILLISECONDS);
            }

            @Override
            public ScheduledFuture<?> every(Runnable task, Duration period) {
                return loop.scheduleWithFixedDelay(() -> withMdc(task), period.toMillis(), period.toMillis(),
                        TimeUnit.MILLISECONDS);
            }
        }, new SignalLink.Listener() {
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
        StallDetector.Listener stallListener = new StallDetector.Listener() {
            @Override
            public void stalled(String track, Duration gap) {
                log.warn("{} track stalled: no frame for {} ms", track, gap.toMillis());
                emit(new RoomEvent.Stalled(track, gap));
            }

            @Override
            public void resumed(String track, Duration gap) {
                log.info("{} track flows again after {} ms", track, gap.toMillis());
                emit(new RoomEvent.StallEnded(track, gap));
            }
        };
        this.videoStall = new StallDetector("video", config.stallThreshold(), System::nanoTime, stallListener, registry, tags);
        this.audioStall = new StallDetector("audio", config.stallThreshold(), System::nanoTime, stallListener, registry, tags);
        this.videoSink = new VideoQueueSink(queues.video(), videoStall);
        this.audioSink = new AudioQueueSink(queues.audio(), audioStall, playoutLag);
        this.stats = new ReceiverStats(registry, tags);
        this.resumes = Metric.ROOM_RECONNECTS.counter(registry, tags.and("how", "resume"));
        this.rejoins = Metric.ROOM_RECONNECTS.counter(registry, tags.and("how", "rejoin"));
        this.registry = registry;
        this.videoMeters = new QueueMeters(queues.video(), registry, tags.and("track", "video"));
        this.audioMeters = new QueueMeters(queues.audio(), registry, tags.and("track", "audio"));
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
        return videoSink.delivered();
    }

    /** Mean nanoseconds the video sink spends per frame on libwebrtc's decoder thread (wrap + offer). */
    public long videoSinkMeanNanos() {
        return videoSink.meanCallbackNanos();
    }

    public long audioChunksDelivered() {
        return audioSink.delivered();
    }

    /**
     * Asks the SFU for the next lower of the layers it announces for the target's camera (not below 180p); the
     * memory governor calls it under pressure. Completes with the cap now requested.
     */
    public CompletableFuture<LayerCap> lowerLayer() {
        CompletableFuture<LayerCap> result = new CompletableFuture<>();
        post(() -> {
            List<Integer> layers = tracker.targetTracks().video().map(LayerCap::announcedHeights).orElse(List.of());
            LayerCap lower = cap.lower(layers);
            if (lower.equals(cap)) {
                log.info("no lower video layer to ask for: {}p{} with announced layers {}", cap.maxHeight(), cap.fps(),
                        layers);
            } else {
                cap = lower;
                log.info("lowering the video layer to {}p{}", cap.maxHeight(), cap.fps());
                sendTrackSettings();
                emit(new RoomEvent.LayerChanged(cap));
            }
            result.complete(cap);
        });
        return result;
    }

    /** Asks for the job's own cap again (the memory governor calls it when pressure is over). */
    public CompletableFuture<LayerCap> restoreLayer() {
        CompletableFuture<LayerCap> result = new CompletableFuture<>();
        post(() -> {
            if (!cap.equals(request.layerCap())) {
                cap = request.layerCap();
                log.info("restoring the video layer to {}p{}", cap.maxHeight(), cap.fps());
                sendTrackSettings();
                emit(new RoomEvent.LayerChanged(cap));
            }
            result.complete(cap);
        });
        return result;
    }

    /** The cap currently requested from the SFU. */
    public LayerCap layerCap() {
        return cap;
    }

    /**
     * Leaves the room (if still in it), stops the media (the queues' input is finished) and stops the loop.
     * Teardown order: sinks removed and peer connection closed (in {@link SubscriberPeer#close()}), then the
     * meters. The queues' owner closes them after this, which releases any frame still queued. Idempotent; waits
     * up to a few seconds for the loop, so never call it from a {@link RoomListener} (which runs on that loop).
     */
    @Override
    public void close() {
        try {
            loop.execute(() -> withMdc(() -> end(new RoomEnd(RoomEnd.Reason.CLOSED, "closed by the recorder", null))));
        } catch (RejectedExecutionException alreadyStopped) {
            return;
        }
        loop.shutdown();
        try {
            if (!loop.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("room {} loop did not stop in time", request.room());
                loop.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        videoStall.close();
        audioStall.close();
        stats.close();
        videoMeters.close();
        audioMeters.close();
        registry.remove(resumes);
        registry.remove(rejoins);
    }

    // ---- the loop ----

    void start() {
        post(() -> {
            log.info("joining room {} as {} (target {}, cap {}p{})", request.room(), identity,
                    request.targetIdentity() == null ? "first video publisher" : request.targetIdentity(),
                    cap.maxHeight(), cap.fps());
            tracksTimer = loop.schedule(() -> withMdc(this::checkTracksArrived), config.tracksTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
            long checkMillis = Math.max(50, config.stallThreshold().toMillis() / 4);
            periodic.add(loop.scheduleWithFixedDelay(() -> withMdc(this::checkStalls), checkMillis, checkMillis,
                    TimeUnit.MILLISECONDS));
            periodic.add(loop.scheduleWithFixedDelay(this::pollPlayout, PLAYOUT_POLL_MILLIS, PLAYOUT_POLL_MILLIS,
                    TimeUnit.MILLISECONDS));
            periodic.add(loop.scheduleWithFixedDelay(() -> withMdc(this::pollStats),
                    config.statsInterval().toMillis(), config.statsInterval().toMillis(), TimeUnit.MILLISECONDS));
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
        peerWatchdog = loop.schedule(() -> withMdc(() -> {
            if (peer == watched && peerState != RTCPeerConnectionState.CONNECTED && state != RoomState.CLOSED) {
                log.warn("subscriber peer connection still {} after {}", peerState, PEER_CONNECT_TIMEOUT);
                act(policy.decide(new ReconnectPolicy.Trouble.PeerTimeout(PEER_CONNECT_TIMEOUT), situation()), null);
            }
        }), PEER_CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void applyParticipants(List<ParticipantInfo> infos) {
        for (ParticipantTracker.Change change : tracker.apply(infos)) {
            switch (change) {
                case ParticipantTracker.Change.TargetChosen chosen -> {
                    log.info("target is {}", chosen.identity());
                    emit(new RoomEvent.TargetChosen(chosen.identity()));
                }
                case ParticipantTracker.Change.TrackPublished published ->
                        log.info("target published {} {}", published.track().getType(), published.track().getSid());
                case ParticipantTracker.Change.TrackUnpublished unpublished -> {
                    subscribed.remove(unpublished.trackSid());
                    if (unpublished.trackSid().equals(audioSid)) {
                        audioSid = null;
                        audioAttached = false;
                    }
                    if (unpublished.trackSid().equals(videoSid)) {
                        videoSid = null;
                        videoAttached = false;
                        targetGone(unpublished.identity(), "unpublished its camera");
                    }
                }
                case ParticipantTracker.Change.TargetLeft left -> targetGone(left.identity(), "left (" + left.reason() + ")");
            }
        }
        subscribeToTarget();
    }

    /** Subscribes to the target's camera and microphone that are not subscribed yet (after a republish too). */
    private void subscribeToTarget() {
        ParticipantTracker.TargetTracks tracks = tracker.targetTracks();
        Set<String> fresh = new HashSet<>(tracks.sids());
        fresh.removeAll(subscribed);
        if (fresh.isEmpty()) {
            return;
        }
        tracks.video().ifPresent(t -> videoSid = t.getSid());
        tracks.audio().ifPresent(t -> audioSid = t.getSid());
        subscribed.addAll(fresh);
        log.info("subscribing to {}", fresh);
        signal.send(SignalRequest.newBuilder().setSubscription(UpdateSubscription.newBuilder()
                .addAllTrackSids(fresh).setSubscribe(true)).build());
        // Track settings follow the subscription's offer (onOffer): sent earlier, the server discards them.
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
        if (videoSid == null) {
            return;
        }
        VideoQuality quality = cap.maxHeight() <= 360 ? VideoQuality.LOW
                : cap.maxHeight() <= 540 ? VideoQuality.MEDIUM : VideoQuality.HIGH;
        signal.send(SignalRequest.newBuilder().setTrackSetting(UpdateTrackSettings.newBuilder()
                .addTrackSids(videoSid).setDisabled(false).setQuality(quality)
                .setWidth(cap.maxWidth()).setHeight(cap.maxHeight()).setFps(cap.fps())).build());
    }

    private void onTrack(MediaStreamTrack track) {
        if (state == RoomState.CLOSED || peer == null) {
            return;
        }
        String id = track.getId();
        if (track instanceof VideoTrack video) {
            if (!id.equals(videoSid)) {
                log.warn("video track {} is not the subscribed camera {}; recording it anyway", id, videoSid);
            }
            peer.attach(video, videoSink);
            videoAttached = true;
            videoStall.onFrame(); // the stall clock starts at subscription
            if (state == RoomState.JOINED) {
                moveTo(RoomState.SUBSCRIBED);
                cancel(goneTimer);
                goneTimer = null;
                emit(new RoomEvent.TracksSubscribed(tracker.target().orElse(null), videoSid, audioSid));
            }
        } else if (track instanceof AudioTrack audio) {
            if (!id.equals(audioSid)) {
                log.warn("audio track {} is not the subscribed microphone {}; recording it anyway", id, audioSid);
            }
            peer.attach(audio, audioSink);
            audioAttached = true;
            audioStall.onFrame();
        }
    }

    private void targetGone(String who, String why) {
        log.info("target {} {}; waiting up to {} for it", who, why, config.targetLeftGrace());
        if (state == RoomState.SUBSCRIBED) {
            moveTo(RoomState.JOINED);
        }
        emit(new RoomEvent.TargetGone(who, why));
        if (goneTimer == null) {
            goneTimer = loop.schedule(() -> withMdc(() -> {
                goneTimer = null;
                if (state != RoomState.SUBSCRIBED && state != RoomState.CLOSED) {
                    end(new RoomEnd(RoomEnd.Reason.TARGET_LEFT, "target " + who + " " + why
                            + " and did not return within " + config.targetLeftGrace(), null));
                }
            }), config.targetLeftGrace().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void checkTracksArrived() {
        if (videoAttached || state == RoomState.CLOSED || goneTimer != null) {
            return;
        }
        if (!mediaConnected) {
            // The peer connection's own watchdog decides about a connection that never came up; look again later.
            tracksTimer = loop.schedule(() -> withMdc(this::checkTracksArrived), config.tracksTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
            return;
        }
        String target = tracker.target().orElse(null);
        if (target == null || !tracker.seen().contains(target)) {
            // Rooms auto-create on livekit-server, so a wrong room or identity looks like an empty room: say so.
            fail(RoomException.session(RoomException.Kind.TARGET_NOT_FOUND, (target == null
                    ? "no participant published video" : "target " + target + " did not appear") + " in room "
                    + request.room() + " within " + config.tracksTimeout() + "; participants seen: " + tracker.seen()));
        } else {
            fail(RoomException.session(RoomException.Kind.TARGET_TRACKS_MISSING, "the camera of target " + target
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
        if (!subscribed.contains(sid)) {
            return; // not (or no longer) one of the target's tracks
        }
        String what = sid.equals(videoSid) ? "camera" : sid.equals(audioSid) ? "microphone" : "track";
        switch (response.getErr()) {
            case SE_TRACK_NOTFOUND -> fail(RoomException.session(RoomException.Kind.TRACK_NOT_FOUND, "the server has no "
                    + what + " track " + sid + " of target " + tracker.target().orElse("?") + " (SE_TRACK_NOTFOUND)"));
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
                loop.schedule(() -> withMdc(() -> {
                    if (signal.attempt() == waitingFor && state != RoomState.CLOSED) {
                        act(later.then(), null);
                    }
                }), later.delay().toMillis(), TimeUnit.MILLISECONDS);
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
                .setSubscription(UpdateSubscription.newBuilder().addAllTrackSids(subscribed).setSubscribe(true));
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
            moveTo(videoAttached ? RoomState.SUBSCRIBED : RoomState.JOINED);
            log.info("resumed");
            emit(new RoomEvent.Resumed());
        }
    }

    /** Starts over: a new participant session, peer connection and subscription; the queues stay. */
    private void rejoin() {
        phase = ReconnectPolicy.Phase.REJOINING;
        signal.abort();
        closePeer();
        subscribed.clear();
        videoSid = null;
        audioSid = null;
        tracker = new ParticipantTracker(tracker.target().orElse(request.targetIdentity()), identity);
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
                post(() -> {
                    if (generation == peerGeneration) {
                        signal.send(SignalRequest.newBuilder().setTrickle(TrickleRequest.newBuilder()
                                .setCandidateInit(candidateInitJson).setTarget(SignalTarget.SUBSCRIBER)).build());
                    }
                });
            }

            @Override
            public void onTrack(MediaStreamTrack track) {
                post(() -> {
                    if (generation == peerGeneration) {
                        RoomSession.this.onTrack(track);
                    }
                });
            }

            @Override
            public void onConnectionState(RTCPeerConnectionState connection) {
                post(() -> {
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
            if (videoAttached) {
                videoStall.check();
            }
            if (audioAttached) {
                audioStall.check();
            }
        }
    }

    /** An exception would end the periodic task silently, so it is logged and the audio keeps its last correction. */
    private void pollPlayout() {
        SubscriberPeer p = peer;
        if (p != null && audioAttached) {
            try {
                p.reportAudioPlayout(playoutLag);
            } catch (RuntimeException e) {
                log.warn("reading the audio receiver's playout failed; the A/V correction stays at {} ms",
                        playoutLag.excessNanos() / 1_000_000, e);
            }
        }
    }

    private void pollStats() {
        if (peer != null && state != RoomState.CLOSED) {
            peer.stats().thenAccept(stats::update);
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
        // The video's whole way in, so a frame missing from a recording can be placed: the receiver's counts (as of
        // the last stats read), the sink's, the queue's.
        log.info("room ended: {} ({}); video frames by the receiver {}; video {} delivered, {}; audio {} delivered, {}",
                end.reason(), end.detail(), stats.videoFrames(), videoSink.delivered(), queues.video().stats(),
                audioSink.delivered(), queues.audio().stats());
        completion.complete(end);
    }

    private void closePeer() {
        if (peer != null) {
            peer.close();
            peer = null;
        }
        peerGeneration++; // its late callbacks are stale now
        peerState = RTCPeerConnectionState.CLOSED;
        videoAttached = false;
        audioAttached = false;
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

    private void post(Runnable task) {
        try {
            loop.execute(() -> withMdc(task));
        } catch (RejectedExecutionException closed) {
            log.debug("room loop stopped; dropped a task");
        }
    }

    /** Runs {@code task} with the recording's ids in the MDC, and turns an escaped exception into a failure. */
    private void withMdc(Runnable task) {
        MDC.put("mint_id", request.mintId());
        MDC.put("job_id", request.jobId());
        MDC.put("room", request.room());
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("room loop task failed", e);
            if (state != RoomState.CLOSED) {
                fail(e instanceof RoomException re ? re : new RoomException(RoomException.Scope.SESSION,
                        RoomException.Kind.MEDIA_FAILED, "room client error: " + e, e));
            }
        } finally {
            MDC.remove("mint_id");
            MDC.remove("job_id");
            MDC.remove("room");
        }
    }
}
