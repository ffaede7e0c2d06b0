package dev.mintrecorder.worker.room;

import dev.mintrecorder.worker.media.FrameQueues;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.media.MediaStreamTrack;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.video.VideoTrack;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.VideoQuality;
import livekit.LivekitRtc.JoinResponse;
import livekit.LivekitRtc.LeaveRequest;
import livekit.LivekitRtc.Ping;
import livekit.LivekitRtc.SessionDescription;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;
import livekit.LivekitRtc.SignalTarget;
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
 * <p>Ending: the session ends itself ({@link #completion()}) when the room closes, the target stays away past
 * the grace period, or something fails. Ending stops the input: sinks removed, peer connection closed, queues
 * finished, so the consumer drains what is left. {@link #close()} is the owner's last call in every case; it ends
 * the session if needed and stops the loop. The queues are not the room's: their creator closes them after this.
 */
public final class RoomSession implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RoomSession.class);
    private static final Duration RETRY_DELAY = Duration.ofSeconds(1);

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
    private final ReceiverStats stats;
    private final QueueMeters videoMeters;
    private final QueueMeters audioMeters;

    // Loop-confined state.
    private volatile RoomState state = RoomState.CONNECTING;
    private ParticipantTracker tracker;
    private SignalClient signal;
    private SubscriberPeer peer;
    private String token;
    private String participantSid;
    private boolean joinedOnce;
    private boolean resuming;
    private boolean awaitingFirstMessage;
    private long lastMessageNanos;
    private Duration pingInterval = Duration.ofSeconds(5);
    private Duration pingTimeout = Duration.ofSeconds(15);
    private final Set<String> subscribed = new HashSet<>();
    private String videoSid;
    private String audioSid;
    private boolean videoAttached;
    private boolean audioAttached;
    private volatile LayerCap cap;
    private long reconnectDeadlineNanos;
    private ScheduledFuture<?> pinger;
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
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
                Thread.ofVirtual().name("room-" + request.room()).factory());
        // On close, pending timers (watchdogs, retries, grace) are dropped rather than waited for.
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setRemoveOnCancelPolicy(true);
        this.loop = executor;
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
        this.audioSink = new AudioQueueSink(queues.audio(), audioStall);
        this.stats = new ReceiverStats(registry, tags);
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
            periodic.add(loop.scheduleWithFixedDelay(() -> withMdc(this::pollStats),
                    config.statsInterval().toMillis(), config.statsInterval().toMillis(), TimeUnit.MILLISECONDS));
            join();
        });
    }

    private void join() {
        token = JoinToken.create(config.apiKey(), config.apiSecret(), request.room(), identity, config.tokenTtl());
        peer = runtime.newSubscriber(request.room(), peerListener());
        connect(SignalUrls.rtc(config.livekitUrl(), token, null));
    }

    private void connect(HttpUrl url) {
        awaitingFirstMessage = true;
        lastMessageNanos = System.nanoTime();
        signal = SignalClient.open(http, url, new SignalClient.Listener() {
            @Override
            public void onMessage(SignalClient socket, SignalResponse message) {
                post(() -> handle(socket, message));
            }

            @Override
            public void onGone(SignalClient socket, int upgradeStatus, String why) {
                post(() -> {
                    if (socket == signal) {
                        signalLost(upgradeStatus, why);
                    }
                });
            }
        });
        // A server that upgrades but never answers (no join, no reconnect) must not hang the room: the pings that
        // would notice start only after the first message.
        SignalClient opened = signal;
        loop.schedule(() -> withMdc(() -> {
            if (signal == opened && awaitingFirstMessage) {
                signal = null; // its own onGone, if OkHttp reports one, is now stale
                opened.abort();
                signalLost(0, "no answer on the signal socket within " + pingTimeout);
            }
        }), pingTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void handle(SignalClient socket, SignalResponse message) {
        if (socket != signal || state == RoomState.CLOSED) {
            return; // a superseded socket's last words
        }
        lastMessageNanos = System.nanoTime();
        boolean first = awaitingFirstMessage;
        awaitingFirstMessage = false;
        switch (message.getMessageCase()) {
            case JOIN -> onJoin(message.getJoin());
            case RECONNECT -> onResumed();
            case LEAVE -> onLeave(message.getLeave(), first);
            case OFFER -> onOffer(message.getOffer());
            case TRICKLE -> {
                TrickleRequest trickle = message.getTrickle();
                if (trickle.getTarget() == SignalTarget.SUBSCRIBER && peer != null) {
                    peer.addRemoteCandidate(trickle.getCandidateInit());
                }
            }
            case UPDATE -> applyParticipants(message.getUpdate().getParticipantsList());
            case REFRESH_TOKEN -> token = message.getRefreshToken();
            case SUBSCRIPTION_RESPONSE -> log.warn("subscription to {} failed: {}",
                    message.getSubscriptionResponse().getTrackSid(), message.getSubscriptionResponse().getErr());
            case PONG, PONG_RESP -> { } // lastMessageNanos is all a pong is for
            default -> log.debug("signal message {} ignored", message.getMessageCase());
        }
    }

    private void onJoin(JoinResponse join) {
        participantSid = join.getParticipant().getSid();
        if (join.getPingInterval() > 0) {
            pingInterval = Duration.ofSeconds(join.getPingInterval());
        }
        if (join.getPingTimeout() > 0) {
            pingTimeout = Duration.ofSeconds(join.getPingTimeout());
        }
        startPinging();
        boolean rejoin = joinedOnce;
        joinedOnce = true;
        resuming = false;
        moveTo(RoomState.JOINED);
        log.info("joined room {} (room sid {}, participant sid {}, {} others)", request.room(), join.getRoom().getSid(),
                participantSid, join.getOtherParticipantsCount());
        emit(new RoomEvent.Joined(join.getRoom().getSid(), participantSid));
        if (rejoin) {
            emit(new RoomEvent.Rejoined());
        }
        applyParticipants(join.getOtherParticipantsList());
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
        if (videoSid == null || signal == null) {
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
        if (!videoAttached && state != RoomState.CLOSED && goneTimer == null) {
            fail(RoomException.session(RoomException.Kind.TARGET_TRACKS_MISSING, "the target's camera did not arrive within "
                    + config.tracksTimeout() + " (target " + tracker.target().orElse("none publishing video") + ")"));
        }
    }

    private void onLeave(LeaveRequest leave, boolean firstMessage) {
        DisconnectReason reason = leave.getReason();
        log.info("server says leave: reason {}, action {}", reason, leave.getAction());
        if (reason == DisconnectReason.ROOM_CLOSED || reason == DisconnectReason.ROOM_DELETED) {
            end(new RoomEnd(RoomEnd.Reason.ROOM_CLOSED, "room " + request.room() + " ended: " + reason, null));
        } else if (resuming) {
            log.info("resume refused ({}); joining again", reason);
            rejoin();
        } else if (firstMessage && !joinedOnce) {
            fail(RoomException.session(RoomException.Kind.JOIN_REJECTED, "join rejected: " + reason));
        } else if (leave.getAction() == LeaveRequest.Action.RESUME) {
            startReconnect("server asked to resume (" + reason + ")");
        } else if (leave.getAction() == LeaveRequest.Action.RECONNECT) {
            reconnectDeadlineNanos = System.nanoTime() + config.reconnectTimeout().toNanos();
            moveTo(RoomState.RECONNECTING);
            rejoin();
        } else {
            end(new RoomEnd(RoomEnd.Reason.REMOVED, "removed from the room: " + reason, null));
        }
    }

    // ---- losing and regaining the signal ----

    private void signalLost(int upgradeStatus, String why) {
        if (state == RoomState.CLOSED) {
            return;
        }
        stopPinging();
        log.warn("signal lost: {}", why);
        if (upgradeStatus != 0 && resuming) {
            log.info("resume refused (HTTP {}); joining again", upgradeStatus);
            rejoin();
        } else if (upgradeStatus >= 500 && joinedOnce) {
            retryLater(why, this::rejoin); // the server is restarting; the room may come back
        } else if (upgradeStatus != 0) {
            // A refused join: ask /rtc/validate why (bad token, unknown room) and stop; retrying would not help.
            fail(SignalClient.explainRefusal(http, signal.url(), upgradeStatus));
        } else if (!joinedOnce) {
            fail(RoomException.session(RoomException.Kind.CONNECT_FAILED, "could not reach the signal server: " + why));
        } else if (state == RoomState.RECONNECTING) {
            retryLater(why, this::resume);
        } else if (state == RoomState.CONNECTING) {
            retryLater(why, this::rejoin); // a rejoin's socket failed (server restarting?)
        } else {
            startReconnect(why);
        }
    }

    private void startReconnect(String why) {
        reconnectDeadlineNanos = System.nanoTime() + config.reconnectTimeout().toNanos();
        moveTo(RoomState.RECONNECTING);
        resume();
    }

    /** Resumes the same participant session: {@code reconnect=1&sid=...} with the newest token. */
    private void resume() {
        resuming = true;
        abortSignal();
        log.info("resuming session {}", participantSid);
        connect(SignalUrls.rtc(config.livekitUrl(), token, participantSid));
    }

    private void onResumed() {
        resuming = false;
        startPinging();
        // sync_state tells the server what this side still has: the subscriber answer and the subscriptions.
        SyncState.Builder sync = SyncState.newBuilder()
                .setSubscription(UpdateSubscription.newBuilder().addAllTrackSids(subscribed).setSubscribe(true));
        String answer = peer.localAnswer();
        if (answer != null) {
            sync.setAnswer(SessionDescription.newBuilder().setType("answer").setSdp(answer));
        }
        signal.send(SignalRequest.newBuilder().setSyncState(sync).build());
        moveTo(videoAttached ? RoomState.SUBSCRIBED : RoomState.JOINED);
        log.info("resumed");
        emit(new RoomEvent.Resumed());
    }

    /** Starts over: a new participant session, peer connection and subscription; the queues stay. */
    private void rejoin() {
        resuming = false;
        abortSignal();
        closePeer();
        subscribed.clear();
        videoSid = null;
        audioSid = null;
        tracker = new ParticipantTracker(tracker.target().orElse(request.targetIdentity()), identity);
        moveTo(RoomState.CONNECTING);
        join();
    }

    /** Tries {@code again} after a pause, until the reconnect deadline passes. */
    private void retryLater(String why, Runnable again) {
        if (System.nanoTime() > reconnectDeadlineNanos) {
            fail(RoomException.session(RoomException.Kind.SIGNAL_LOST, "could not reconnect within "
                    + config.reconnectTimeout() + ": " + why));
            return;
        }
        RoomState waitingIn = state;
        loop.schedule(() -> withMdc(() -> {
            if (state == waitingIn) {
                again.run();
            }
        }), RETRY_DELAY.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void startPinging() {
        stopPinging();
        long every = pingInterval.toMillis();
        pinger = loop.scheduleWithFixedDelay(() -> withMdc(this::ping), every, every, TimeUnit.MILLISECONDS);
    }

    private void stopPinging() {
        cancel(pinger);
        pinger = null;
    }

    private void ping() {
        if (signal == null) {
            return;
        }
        long silent = System.nanoTime() - lastMessageNanos;
        if (silent > pingTimeout.toNanos()) {
            SignalClient dead = signal;
            signal = null; // its own onGone is now stale
            dead.abort();
            signalLost(0, "no message for " + Duration.ofNanos(silent).toMillis() + " ms (ping_timeout "
                    + pingTimeout.toSeconds() + " s)");
            return;
        }
        long now = System.currentTimeMillis();
        signal.send(SignalRequest.newBuilder().setPing(now).build());
        signal.send(SignalRequest.newBuilder().setPingReq(Ping.newBuilder().setTimestamp(now)).build());
    }

    // ---- media callbacks, stall and stats ----

    private SubscriberPeer.Listener peerListener() {
        return new SubscriberPeer.Listener() {
            @Override
            public void onLocalCandidate(String candidateInitJson) {
                post(() -> {
                    if (signal != null) {
                        signal.send(SignalRequest.newBuilder().setTrickle(TrickleRequest.newBuilder()
                                .setCandidateInit(candidateInitJson).setTarget(SignalTarget.SUBSCRIBER)).build());
                    }
                });
            }

            @Override
            public void onTrack(MediaStreamTrack track) {
                post(() -> RoomSession.this.onTrack(track));
            }

            @Override
            public void onConnectionState(RTCPeerConnectionState connection) {
                post(() -> {
                    log.info("subscriber peer connection {}", connection);
                    // Media lost while the signal lives (as LiveKit's SDKs do): resume, which restarts ICE, or
                    // rejoin when the server refuses. A closed (superseded) connection reports CLOSED, not FAILED.
                    if (connection == RTCPeerConnectionState.FAILED
                            && (state == RoomState.JOINED || state == RoomState.SUBSCRIBED)) {
                        startReconnect("subscriber peer connection failed");
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
        stopPinging();
        cancel(goneTimer);
        cancel(tracksTimer);
        periodic.forEach(this::cancel);
        if (signal != null) {
            signal.leave();
            signal = null;
        }
        closePeer();
        queues.finishInput();
        log.info("room ended: {} ({}); video {} delivered, {}; audio {} delivered, {}", end.reason(), end.detail(),
                videoSink.delivered(), queues.video().stats(), audioSink.delivered(), queues.audio().stats());
        completion.complete(end);
    }

    private void closePeer() {
        if (peer != null) {
            peer.close();
            peer = null;
        }
        videoAttached = false;
        audioAttached = false;
    }

    private void abortSignal() {
        if (signal != null) {
            SignalClient old = signal;
            signal = null;
            old.abort();
        }
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
