package dev.mintrecorder.worker.room;

import dev.mintrecorder.devstack.media.FramePattern;
import dev.mintrecorder.devstack.room.RoomServer;
import dev.mintrecorder.devstack.room.RoomServerOptions;
import dev.mintrecorder.devstack.room.SyntheticPublisherSpec;
import dev.mintrecorder.worker.media.AudioChunk;
import dev.mintrecorder.worker.media.BoundedFrameQueue;
import dev.mintrecorder.worker.media.FrameQueues;
import dev.mintrecorder.worker.media.RawVideoFrame;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import livekit.LivekitModels;
import livekit.LivekitRtc;
import livekit.LivekitRtc.SignalRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The room client against the devstack's LiveKit-protocol room server, with real WebRTC media between this JVM and
 * the server's media process (inside the test network namespace). Small frames (320×240 at 15 fps) save CPU.
 */
class RoomSessionIT {
    private static RoomServer server;
    private static WebRtcRuntime runtime;
    private static RoomClient client;
    private static RoomConfig config;
    private static final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private final List<RoomSession> sessions = new ArrayList<>();
    private final List<Thread> consumers = new ArrayList<>();
    private final List<FrameQueues> queues = new ArrayList<>();

    @BeforeAll
    static void start() {
        // Rooms are made by the tests; an unknown one answers 404 as livekit-server with room.auto_create off does.
        server = RoomServer.start(RoomServerOptions.defaults().withTraceSignals(true).withCreateRoomsOnJoin(false));
        runtime = WebRtcRuntime.start();
        config = RoomConfig.from(Map.of())
                .withServer(server.url(), server.apiKey(), server.apiSecret())
                .withTimeouts(Duration.ofSeconds(6), Duration.ofSeconds(3), Duration.ofMillis(1500), Duration.ofSeconds(1),
                        Duration.ofSeconds(20));
        client = new RoomClient(config, runtime, registry);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (runtime != null) {
            runtime.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @AfterEach
    void closeSessions() throws InterruptedException {
        sessions.forEach(RoomSession::close);
        for (Thread consumer : consumers) {
            consumer.join(5_000);
        }
        queues.forEach(FrameQueues::close);
    }

    /** What one session saw, filled by its listener and its consumers. */
    static final class Watch implements RoomListener {
        final List<RoomEvent> events = new CopyOnWriteArrayList<>();
        final ConcurrentLinkedQueue<String> sizes = new ConcurrentLinkedQueue<>();
        final AtomicLong videoFrames = new AtomicLong();
        final AtomicLong audioChunks = new AtomicLong();
        final AtomicLong lastFrameNumber = new AtomicLong(-1);
        final AtomicLong patternMisses = new AtomicLong();
        final AtomicReference<String> lastSize = new AtomicReference<>();
        final AtomicReference<AudioChunk> lastChunk = new AtomicReference<>();
        /** A frame's timestamp minus System.nanoTime() when it was taken: shows which clock frames use. */
        final AtomicLong clockSkewNanos = new AtomicLong();
        /** The queues the session fills (the test owns them, as the recording does). */
        FrameQueues queues;

        @Override
        public void onEvent(RoomEvent event) {
            events.add(event);
        }

        <T extends RoomEvent> List<T> all(Class<T> type) {
            return events.stream().filter(type::isInstance).map(type::cast).toList();
        }
    }

    private RoomSession open(String room, String target, LayerCap cap, Watch watch) {
        return open(client, room, target, cap, watch);
    }

    private RoomSession open(RoomClient via, String room, String target, LayerCap cap, Watch watch) {
        watch.queues = FrameQueues.create(room, config.videoQueue(), config.audioQueue());
        queues.add(watch.queues);
        RoomSession session = via.open(new RoomRequest(room, target, cap, "Mint" + room, UUID.randomUUID().toString()),
                watch.queues, watch);
        sessions.add(session);
        consumers.add(Thread.ofVirtual().start(() -> consumeVideo(watch.queues.video(), watch)));
        consumers.add(Thread.ofVirtual().start(() -> consumeAudio(watch.queues.audio(), watch)));
        return session;
    }

    private static void consumeVideo(BoundedFrameQueue<RawVideoFrame> queue, Watch watch) {
        try {
            while (!queue.isDrained()) {
                try (RawVideoFrame frame = queue.poll(Duration.ofMillis(200))) {
                    if (frame == null) {
                        continue;
                    }
                    watch.videoFrames.incrementAndGet();
                    watch.clockSkewNanos.set(frame.timestampNanos() - System.nanoTime());
                    String size = frame.width() + "x" + frame.height();
                    watch.lastSize.set(size);
                    watch.sizes.add(size);
                    FramePattern.decode(frame.dataY(), frame.strideY(), frame.width(), frame.height())
                            .ifPresentOrElse(watch.lastFrameNumber::set, watch.patternMisses::incrementAndGet);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void consumeAudio(BoundedFrameQueue<AudioChunk> queue, Watch watch) {
        try {
            while (!queue.isDrained()) {
                AudioChunk chunk = queue.poll(Duration.ofMillis(200));
                if (chunk != null) {
                    watch.audioChunks.incrementAndGet();
                    watch.lastChunk.set(chunk);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String newRoom(String label) {
        String room = label + "-" + UUID.randomUUID().toString().substring(0, 8);
        server.createRoom(room, SyntheticPublisherSpec.small("streamer"));
        return room;
    }

    private static void awaitSubscribed(RoomSession session) {
        await().atMost(Duration.ofSeconds(20)).until(() -> session.state() == RoomState.SUBSCRIBED);
    }

    @Test
    void subscribesOnlyToTheTargetsTracksAndFramesArriveAtRateAndSize() {
        String room = newRoom("flow");
        Watch watch = new Watch();
        RoomSession session = open(room, "streamer", new LayerCap(720, 30), watch);
        awaitSubscribed(session);
        await().atMost(Duration.ofSeconds(15)).until(() -> watch.videoFrames.get() >= 30 && watch.audioChunks.get() >= 100);

        assertEquals("320x240", watch.lastSize.get());
        assertTrue(watch.lastFrameNumber.get() > 0, "frame numbers decode from the pattern");
        // Frame timestamps are libwebrtc's render times on this machine's monotonic clock, the one of System.nanoTime().
        assertTrue(Math.abs(watch.clockSkewNanos.get()) < TimeUnit.SECONDS.toNanos(2),
                "frame clock vs System.nanoTime(): " + watch.clockSkewNanos.get() + " ns");
        AudioChunk chunk = watch.lastChunk.get();
        assertEquals(480 * chunk.channels() * 2, chunk.pcm().length, "10 ms at 48 kHz");

        // Rate: about 15 fps from the publisher over a 4 s window (generous bounds: 2 shared cores).
        long frames0 = session.videoFramesDelivered();
        long number0 = watch.lastFrameNumber.get();
        long t0 = System.nanoTime();
        await().pollDelay(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).until(() -> true);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double fps = (session.videoFramesDelivered() - frames0) / seconds;
        assertTrue(fps > 10 && fps < 20, "fps " + fps);
        assertTrue(watch.lastFrameNumber.get() - number0 >= 40, "frame numbers advance");

        // Only the target's camera and microphone were ever requested.
        RoomEvent.TracksSubscribed subscribed = watch.all(RoomEvent.TracksSubscribed.class).getFirst();
        Set<String> requested = new HashSet<>();
        for (SignalRequest request : server.signalTrace(room, recorderIdentity(session))) {
            if (request.hasSubscription()) {
                assertTrue(request.getSubscription().getSubscribe());
                requested.addAll(request.getSubscription().getTrackSidsList());
            }
        }
        assertEquals(Set.of(subscribed.videoSid(), subscribed.audioSid()), requested);
        assertTrue(watch.all(RoomEvent.StateChanged.class).stream().map(RoomEvent.StateChanged::to).toList()
                .containsAll(List.of(RoomState.JOINED, RoomState.SUBSCRIBED)));
    }

    @Test
    void nothingFlowsWithoutASubscriptionAndAMissingTargetFailsClearly() {
        String room = newRoom("notarget");
        Watch watch = new Watch();
        RoomSession session = open(room, "somebody-else", new LayerCap(720, 30), watch);
        await().atMost(Duration.ofSeconds(10)).until(() -> session.state() == RoomState.JOINED);
        // auto_subscribe=0: the streamer publishes, but nothing reaches this subscriber.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> session.videoFramesDelivered() == 0 && session.audioChunksDelivered() == 0);
        RoomEnd end = session.completion().orTimeout(15, TimeUnit.SECONDS).join();
        assertEquals(RoomEnd.Reason.FAILED, end.reason());
        // Rooms auto-create on livekit-server, so a target that never shows up is said plainly, with who was there.
        assertEquals(RoomException.Kind.TARGET_NOT_FOUND, end.error().kind(), end.detail());
        assertTrue(end.detail().contains("somebody-else") && end.detail().contains("participants seen: [streamer]"),
                end.detail());
        assertEquals(RoomException.Scope.SESSION, end.error().scope());
        assertEquals(RoomState.CLOSED, session.state());
    }

    @Test
    void thePeerConnectionTakesTheServersIceServersAndNewOnesOnResume() {
        LivekitRtc.ICEServer turn = LivekitRtc.ICEServer.newBuilder().addUrls("turn:127.0.0.2:3478?transport=udp")
                .setUsername("rec").setCredential("turn-secret").build();
        LivekitRtc.ICEServer tls = LivekitRtc.ICEServer.newBuilder().addUrls("turns:127.0.0.2:5349?transport=tcp")
                .setUsername("rec").setCredential("turn-secret").build();
        String room = newRoom("ice");
        Watch watch = new Watch();
        try {
            server.network(List.of(turn), LivekitModels.ClientConfiguration.getDefaultInstance());
            RoomSession session = open(room, "streamer", new LayerCap(720, 30), watch);
            awaitSubscribed(session);
            assertEquals(new RoomEvent.PeerConfigured(List.of("turn:127.0.0.2:3478?transport=udp"), false),
                    watch.all(RoomEvent.PeerConfigured.class).getFirst());

            // A resume brings the servers the ReconnectResponse names (client-sdk-js resumeConnection).
            server.network(List.of(tls), LivekitModels.ClientConfiguration.getDefaultInstance());
            server.killSignal(room, recorderIdentity(session));
            await().atMost(Duration.ofSeconds(20)).until(() -> !watch.all(RoomEvent.Resumed.class).isEmpty());
            assertEquals(new RoomEvent.PeerConfigured(List.of("turns:127.0.0.2:5349?transport=tcp"), false),
                    watch.all(RoomEvent.PeerConfigured.class).getLast());
        } finally {
            server.network(List.of(), LivekitModels.ClientConfiguration.getDefaultInstance());
        }
    }

    @Test
    void forcedRelayWithoutAReachableTurnServerIsAConnectError() {
        // No TURN server listens there: with force_relay only relay candidates may be used, so ICE cannot connect
        // even though the SFU's host candidates are reachable. The job must say so, not wait for tracks.
        LivekitRtc.ICEServer turn = LivekitRtc.ICEServer.newBuilder().addUrls("turn:127.0.0.2:9?transport=udp")
                .setUsername("rec").setCredential("turn-secret").build();
        String room = newRoom("relay");
        Watch watch = new Watch();
        try {
            server.network(List.of(turn), LivekitModels.ClientConfiguration.newBuilder()
                    .setForceRelay(LivekitModels.ClientConfigSetting.ENABLED).build());
            RoomSession session = open(room, "streamer", new LayerCap(720, 30), watch);
            RoomEnd end = session.completion().orTimeout(45, TimeUnit.SECONDS).join();
            assertEquals(new RoomEvent.PeerConfigured(List.of("turn:127.0.0.2:9?transport=udp"), true),
                    watch.all(RoomEvent.PeerConfigured.class).getFirst());
            assertEquals(RoomEnd.Reason.FAILED, end.reason());
            assertEquals(RoomException.Kind.CONNECT_FAILED, end.error().kind(), end.detail());
            assertTrue(end.detail().contains("peer connection"), end.detail());
            assertEquals(0, session.videoFramesDelivered());
        } finally {
            server.network(List.of(), LivekitModels.ClientConfiguration.getDefaultInstance());
        }
    }

    @Test
    void resumeDisabledByTheServerRejoinsInstead() {
        String room = newRoom("noresume");
        Watch watch = new Watch();
        try {
            server.network(List.of(), LivekitModels.ClientConfiguration.newBuilder()
                    .setResumeConnection(LivekitModels.ClientConfigSetting.DISABLED).build());
            RoomSession session = open(room, "streamer", new LayerCap(720, 30), watch);
            awaitSubscribed(session);
            server.killSignal(room, recorderIdentity(session));
            await().atMost(Duration.ofSeconds(25)).until(() -> !watch.all(RoomEvent.Rejoined.class).isEmpty());
            awaitSubscribed(session);
            long before = watch.videoFrames.get();
            await().atMost(Duration.ofSeconds(15)).until(() -> watch.videoFrames.get() > before + 30);
            assertTrue(watch.all(RoomEvent.Resumed.class).isEmpty(), "never resumed: " + watch.events);
            assertTrue(server.signalTrace(room, recorderIdentity(session)).stream().noneMatch(SignalRequest::hasSyncState),
                    "no sync_state: the rejoin is a new session");
        } finally {
            server.network(List.of(), LivekitModels.ClientConfiguration.getDefaultInstance());
        }
    }

    @Test
    void aServerThatNeverAnswersTheJoinIsAConnectError() {
        String room = newRoom("mute");
        Watch watch = new Watch();
        server.silenceSignal(true);
        try {
            RoomSession session = open(room, "streamer", new LayerCap(720, 30), watch);
            // The first-message watchdog: ping_timeout (15 s before any join) with no answer at all.
            RoomEnd end = session.completion().orTimeout(30, TimeUnit.SECONDS).join();
            assertEquals(RoomEnd.Reason.FAILED, end.reason());
            assertEquals(RoomException.Kind.CONNECT_FAILED, end.error().kind(), end.detail());
            assertTrue(end.detail().contains("no answer (join or reconnect) on the signal socket"), end.detail());
        } finally {
            server.silenceSignal(false);
        }
    }

    @Test
    void aSignalThatFallsSilentIsNoticedByPingTimeoutAndRecovered() {
        String room = newRoom("silent");
        Watch watch = new Watch();
        RoomSession session = open(room, "streamer", new LayerCap(720, 30), watch);
        awaitSubscribed(session);
        long silentAt = System.nanoTime();
        server.silenceSignal(true);
        try {
            // No socket is closed: only the missing pongs (ping_timeout 15 s) tell the client.
            await().atMost(Duration.ofSeconds(25)).until(() -> session.state() == RoomState.RECONNECTING);
        } finally {
            server.silenceSignal(false);
        }
        long noticedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - silentAt);
        assertTrue(noticedMs >= 14_000, "noticed after " + noticedMs + " ms, not before ping_timeout");
        // Recovered by resuming or, if the resume came too late for the server, by rejoining.
        await().atMost(Duration.ofSeconds(40)).until(() -> !watch.all(RoomEvent.Resumed.class).isEmpty()
                || !watch.all(RoomEvent.Rejoined.class).isEmpty());
        awaitSubscribed(session);
        long before = watch.videoFrames.get();
        await().atMost(Duration.ofSeconds(15)).until(() -> watch.videoFrames.get() > before + 30);
    }

    @Test
    void aSubscriptionTheServerCannotServeEndsTheJobWithItsReason() {
        Map<LivekitModels.SubscriptionError, RoomException.Kind> cases = Map.of(
                LivekitModels.SubscriptionError.SE_TRACK_NOTFOUND, RoomException.Kind.TRACK_NOT_FOUND,
                LivekitModels.SubscriptionError.SE_CODEC_UNSUPPORTED, RoomException.Kind.CODEC_UNSUPPORTED);
        cases.forEach((error, kind) -> {
            String room = newRoom("suberr");
            server.refuseSubscriptions(room, error);
            RoomSession session = open(room, "streamer", new LayerCap(720, 30), new Watch());
            RoomEnd end = session.completion().orTimeout(15, TimeUnit.SECONDS).join();
            assertEquals(RoomEnd.Reason.FAILED, end.reason());
            assertEquals(kind, end.error().kind(), end.detail());
            assertTrue(end.detail().contains(error.name()), end.detail());
        });
    }

    @Test
    void withoutATargetNameTheFirstVideoPublisherIsRecorded() {
        String room = newRoom("anytarget");
        Watch watch = new Watch();
        RoomSession session = open(room, null, new LayerCap(720, 30), watch);
        awaitSubscribed(session);
        assertEquals("streamer", watch.all(RoomEvent.TargetChosen.class).getFirst().identity());
    }

    @Test
    void theTrackSettingsCapAndLowerLayerChooseTheResolution() {
        String room = "cap-" + UUID.randomUUID().toString().substring(0, 8);
        server.createRoom(room, new SyntheticPublisherSpec("streamer", 640, 360, 15, 440));
        Watch watch = new Watch();
        RoomSession session = open(room, "streamer", new LayerCap(360, 15), watch);
        awaitSubscribed(session);
        await().atMost(Duration.ofSeconds(15)).until(() -> "640x360".equals(watch.lastSize.get()));

        assertEquals(new LayerCap(180, 15), session.lowerLayer().orTimeout(5, TimeUnit.SECONDS).join());
        // 320x180 is the smallest simulcast layer that covers a 320x180 request.
        await().atMost(Duration.ofSeconds(15)).until(() -> "320x180".equals(watch.lastSize.get()));
        assertEquals(new LayerCap(360, 15), session.restoreLayer().orTimeout(5, TimeUnit.SECONDS).join());
        await().atMost(Duration.ofSeconds(15)).until(() -> "640x360".equals(watch.lastSize.get()));

        Watch capped = new Watch();
        RoomSession small = open(room, "streamer", new LayerCap(90, 15), capped);
        awaitSubscribed(small);
        // The server never goes below the publisher's lowest layer (180p by livekit-client's defaults).
        await().atMost(Duration.ofSeconds(15)).until(() -> "320x180".equals(capped.lastSize.get()));
        assertTrue(capped.sizes.stream().noneMatch("640x360"::equals), "never more than the cap: " + capped.sizes);
    }

    /**
     * With livekit-client's default layers (180p, 360p and the camera), each lowering reaches the next layer down,
     * for a 1080p job on a 1080p publisher too (halving to 540p would still select the 1080p layer). The cap's fps
     * picks a temporal layer: 5 of a 10 fps publisher is every second frame.
     */
    @Test
    void loweringReducesTheDecodedSizeFor720pAnd1080pPublishers() {
        for (int[] camera : new int[][] {{1280, 720, 5}, {1920, 1080, 10}}) {
            String room = "lower-" + camera[1] + "-" + UUID.randomUUID().toString().substring(0, 8);
            server.createRoom(room, new SyntheticPublisherSpec("streamer", camera[0], camera[1], 10, 440));
            Watch watch = new Watch();
            RoomSession session = open(room, "streamer", new LayerCap(camera[1], camera[2]), watch);
            awaitSubscribed(session);
            await().atMost(Duration.ofSeconds(30)).until(() -> (camera[0] + "x" + camera[1]).equals(watch.lastSize.get()));
            if (camera[2] == 5) {
                long frames0 = watch.videoFrames.get();
                long number0 = watch.lastFrameNumber.get();
                await().atMost(Duration.ofSeconds(30)).until(() -> watch.lastFrameNumber.get() - number0 >= 40);
                double share = (watch.videoFrames.get() - frames0) / (double) (watch.lastFrameNumber.get() - number0);
                assertTrue(share > 0.3 && share < 0.7, "share of the publisher's frames received: " + share);
            }

            assertEquals(new LayerCap(360, camera[2]), session.lowerLayer().orTimeout(5, TimeUnit.SECONDS).join());
            await().atMost(Duration.ofSeconds(30)).until(() -> "640x360".equals(watch.lastSize.get()));
            assertEquals(new LayerCap(180, camera[2]), session.lowerLayer().orTimeout(5, TimeUnit.SECONDS).join());
            await().atMost(Duration.ofSeconds(30)).until(() -> "320x180".equals(watch.lastSize.get()));
            assertEquals(new LayerCap(180, camera[2]), session.lowerLayer().orTimeout(5, TimeUnit.SECONDS).join(),
                    "the lowest layer: nothing lower to ask for");
            session.close();
            server.deleteRoom(room);
        }
    }

    @Test
    void aKilledSocketResumesAndMediaKeepsFlowing() throws IOException {
        String room = newRoom("resume");
        Watch watch = new Watch();
        BreakableSockets network = new BreakableSockets();
        try (RoomClient breakable = new RoomClient(config, runtime, registry, network)) {
            killedSocketsResume(room, watch, open(breakable, room, "streamer", new LayerCap(720, 30), watch), network);
        }
    }

    private void killedSocketsResume(String room, Watch watch, RoomSession session, BreakableSockets network)
            throws IOException {
        awaitSubscribed(session);
        server.killSignal(room, recorderIdentity(session));
        await().atMost(Duration.ofSeconds(20)).until(() -> !watch.all(RoomEvent.Resumed.class).isEmpty());
        await().atMost(Duration.ofSeconds(10)).until(() -> session.state() == RoomState.SUBSCRIBED);
        long before = watch.videoFrames.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> watch.videoFrames.get() > before + 30);
        assertTrue(watch.all(RoomEvent.Rejoined.class).isEmpty());
        assertTrue(watch.all(RoomEvent.StateChanged.class).stream().anyMatch(c -> c.to() == RoomState.RECONNECTING));

        // The same from this side: the socket fails locally (as a network error would surface in OkHttp).
        network.breakAll();
        await().atMost(Duration.ofSeconds(20)).until(() -> watch.all(RoomEvent.Resumed.class).size() >= 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> session.state() == RoomState.SUBSCRIBED);
        long later = watch.videoFrames.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> watch.videoFrames.get() > later + 30);
        assertTrue(registry.get("recorder.room.reconnects").tags("room", room, "how", "resume").counter().count() >= 2);
        session.close(); // before its client closes
    }

    @Test
    void aRefusedResumeRejoins() {
        String room = newRoom("rejoin");
        Watch watch = new Watch();
        RoomSession session = open(room, "streamer", new LayerCap(720, 30), watch);
        awaitSubscribed(session);
        server.refuseResume(true);
        try {
            server.killSignal(room, recorderIdentity(session));
            await().atMost(Duration.ofSeconds(25)).until(() -> !watch.all(RoomEvent.Rejoined.class).isEmpty());
        } finally {
            server.refuseResume(false);
        }
        assertTrue(registry.get("recorder.room.reconnects").tags("room", room, "how", "rejoin").counter().count() >= 1);
        awaitSubscribed(session);
        long before = watch.videoFrames.get();
        await().atMost(Duration.ofSeconds(15)).until(() -> watch.videoFrames.get() > before + 30);
    }

    @Test
    void lostMediaReconnects() {
        String room = newRoom("media");
        Watch watch = new Watch();
        RoomSession session = open(room, "streamer", new LayerCap(720, 30), watch);
        awaitSubscribed(session);
        server.dropMedia(room, recorderIdentity(session));
        await().atMost(Duration.ofSeconds(60)).until(() -> !watch.all(RoomEvent.Rejoined.class).isEmpty());
        awaitSubscribed(session);
        long before = watch.videoFrames.get();
        await().atMost(Duration.ofSeconds(15)).until(() -> watch.videoFrames.get() > before + 30);
    }

    @Test
    void aResumeWhosePeerConnectionDoesNotComeBackRejoins() {
        String room = newRoom("pcwait");
        Watch watch = new Watch();
        RoomSession session = open(room, "streamer", new LayerCap(720, 30), watch);
        awaitSubscribed(session);
        // The peer connection fails; the resume is accepted, but its ICE restart cannot get through: after 15 s
        // (client-sdk-js waitForPCReconnected) the client gives up on the session and joins again.
        server.breakMedia(room, recorderIdentity(session));
        await().atMost(Duration.ofSeconds(60)).until(() -> !watch.all(RoomEvent.Rejoined.class).isEmpty());
        assertTrue(watch.all(RoomEvent.Resumed.class).isEmpty(), "a resume without media is no resume: " + watch.events);
        awaitSubscribed(session);
        long before = watch.videoFrames.get();
        await().atMost(Duration.ofSeconds(15)).until(() -> watch.videoFrames.get() > before + 30);
    }

    @Test
    void anOutageIsBoundedInAllNotPerAttempt() {
        String room = newRoom("bounded");
        Watch watch = new Watch();
        RoomSession session = open(room, "streamer", new LayerCap(720, 30), watch);
        awaitSubscribed(session);
        server.silenceSignal(true);
        try {
            // ping_timeout, then resumes that each wait 15 s for an answer: the outage's clock is not reset by
            // them, so the room fails once the whole outage passes ROOM_RECONNECT_TIMEOUT (20 s here).
            RoomEnd end = session.completion().orTimeout(90, TimeUnit.SECONDS).join();
            assertEquals(RoomEnd.Reason.FAILED, end.reason());
            assertEquals(RoomException.Kind.SIGNAL_LOST, end.error().kind(), end.detail());
            assertTrue(end.detail().contains("could not reconnect within PT20S"), end.detail());
        } finally {
            server.silenceSignal(false);
        }
    }

    @Test
    void receiverStatsBecomeMetrics() {
        String room = newRoom("stats");
        Watch watch = new Watch();
        RoomSession session = open(room, "streamer", new LayerCap(720, 30), watch);
        awaitSubscribed(session);
        await().atMost(Duration.ofSeconds(15)).until(() -> registry.find("recorder.webrtc.frames.decoded")
                .tags("room", room, "kind", "video").gauges().stream().anyMatch(g -> g.value() > 10));
        assertTrue(registry.find("recorder.webrtc.packets.lost").tags("room", room, "kind", "audio").gauge() != null);
        assertTrue(registry.find("recorder.track.gap").tags("room", room, "track", "video").gauge() != null);
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.find("recorder.queue.enqueued")
                .tags("room", room, "track", "video").functionCounters().stream().anyMatch(c -> c.count() > 10));
        session.close();
        assertTrue(registry.find("recorder.queue.bytes").tags("room", room).gauges().isEmpty(), "meters removed on close");
        assertTrue(registry.find("recorder.room.reconnects").tags("room", room).counters().isEmpty(), "counters too");
    }

    @Test
    void aClosedRoomEndsTheSessionWithTheReason() {
        String room = newRoom("closed");
        Watch watch = new Watch();
        RoomSession session = open(room, "streamer", new LayerCap(720, 30), watch);
        awaitSubscribed(session);
        server.endRoom(room);
        RoomEnd end = session.completion().orTimeout(10, TimeUnit.SECONDS).join();
        assertEquals(RoomEnd.Reason.ROOM_CLOSED, end.reason());
        assertTrue(end.detail().contains("ROOM_CLOSED"), end.detail());
        assertEquals(RoomState.CLOSED, session.state());
        await().atMost(Duration.ofSeconds(5)).until(() -> watch.queues.video().isDrained());
    }

    @Test
    void theTargetLeavingIsReportedAndEndsAfterTheGrace() {
        String room = newRoom("left");
        Watch watch = new Watch();
        RoomSession session = open(room, "streamer", new LayerCap(720, 30), watch);
        awaitSubscribed(session);
        server.removeTarget(room);
        await().atMost(Duration.ofSeconds(10)).until(() -> !watch.all(RoomEvent.TargetGone.class).isEmpty());
        RoomEnd end = session.completion().orTimeout(15, TimeUnit.SECONDS).join();
        assertEquals(RoomEnd.Reason.TARGET_LEFT, end.reason());
    }

    /**
     * Republishing twice in a row: the double, like livekit-server, sends the third camera on the transceiver the
     * first one left (the answer keeps two video sections, not three), whose track still has the first camera's id.
     * The worker knows it by its stream id and has taken its sink off the old track, so no frame arrives twice.
     */
    @Test
    void aTargetRepublishingTwiceIsSubscribedAgainAndNoFrameArrivesTwice() {
        String room = newRoom("republish");
        Watch watch = new Watch();
        RoomSession session = open(room, "streamer", new LayerCap(720, 30), watch);
        awaitSubscribed(session);
        Set<String> cameras = new HashSet<>();
        cameras.add(watch.all(RoomEvent.TracksSubscribed.class).getFirst().videoSid());
        for (int republish = 1; republish <= 2; republish++) {
            server.republish(room);
            int expected = republish + 1;
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                watch.all(RoomEvent.TracksSubscribed.class).forEach(s -> cameras.add(s.videoSid()));
                return cameras.size() == expected && session.state() == RoomState.SUBSCRIBED;
            });
        }
        long before = watch.videoFrames.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> watch.videoFrames.get() > before + 30);

        // Frames delivered against frame numbers advanced over 3 s: a sink on two tracks (or twice on one) doubles it.
        long frames0 = session.videoFramesDelivered();
        long number0 = watch.lastFrameNumber.get();
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> true);
        long frames = session.videoFramesDelivered() - frames0;
        long numbers = watch.lastFrameNumber.get() - number0;
        assertTrue(numbers >= 20, "frame numbers advance: " + numbers);
        assertTrue(frames <= numbers + numbers / 5 + 3, frames + " frames delivered for " + numbers + " frame numbers");

        String lastAnswer = server.signalTrace(room, recorderIdentity(session)).stream()
                .filter(SignalRequest::hasAnswer).reduce((a, b) -> b).orElseThrow().getAnswer().getSdp();
        long videoSections = lastAnswer.lines().filter(l -> l.startsWith("m=video")).count();
        assertTrue(videoSections <= 2, "the server reuses a transceiver that stopped sending: " + videoSections
                + " video sections");
        assertTrue(!session.completion().isDone());
    }

    /**
     * An H.264 publisher, its track forwarded in H.264 as livekit-server does: once offered only Constrained Baseline
     * (42e01f), once only High (640c1f, what OBS over WHIP sends), which libwebrtc here lists no decoder for. Both
     * negotiate, the answer names the offered profile, and the frames decode (the pattern reads back).
     */
    @Test
    void anH264CameraIsReceivedWhetherOfferedAsConstrainedBaselineOrOnlyAsHigh() {
        for (String profile : new String[] {null, "640c1f"}) {
            String room = "h264-" + (profile == null ? "cb" : profile) + "-" + UUID.randomUUID().toString().substring(0, 8);
            server.createRoom(room, SyntheticPublisherSpec.small("streamer").withH264(profile));
            Watch watch = new Watch();
            RoomSession session = open(room, "streamer", new LayerCap(720, 30), watch);
            awaitSubscribed(session);
            await().atMost(Duration.ofSeconds(15)).until(() -> watch.videoFrames.get() >= 30);
            long number = watch.lastFrameNumber.get();
            await().atMost(Duration.ofSeconds(5)).until(() -> watch.lastFrameNumber.get() > number + 10);
            assertEquals("320x240", watch.lastSize.get());
            assertTrue(watch.patternMisses.get() * 10 < watch.videoFrames.get(),
                    watch.patternMisses.get() + " of " + watch.videoFrames.get() + " frames unreadable");

            String answer = server.signalTrace(room, recorderIdentity(session)).stream()
                    .filter(SignalRequest::hasAnswer).reduce((a, b) -> b).orElseThrow().getAnswer().getSdp();
            String video = answer.substring(answer.indexOf("m=video"));
            assertTrue(video.contains(" H264/90000"), video);
            assertTrue(!video.contains(" VP8/90000"), "the publisher's codec only: " + video);
            assertTrue(video.contains("profile-level-id=" + (profile == null ? "42e01f" : profile)), video);
            session.close();
        }
    }

    @Test
    void aStalledPublisherIsReportedAndRecovers() {
        String room = newRoom("stall");
        Watch watch = new Watch();
        RoomSession session = open(room, "streamer", new LayerCap(720, 30), watch);
        awaitSubscribed(session);
        await().atMost(Duration.ofSeconds(10)).until(() -> watch.videoFrames.get() > 10);
        server.stallMedia(room, true);
        await().atMost(Duration.ofSeconds(10)).until(() -> watch.all(RoomEvent.Stalled.class).stream()
                .anyMatch(s -> s.track().equals("video")));
        server.stallMedia(room, false);
        await().atMost(Duration.ofSeconds(10)).until(() -> watch.all(RoomEvent.StallEnded.class).stream()
                .anyMatch(s -> s.track().equals("video")));
    }

    @Test
    void aBadTokenIsAClearError() {
        String room = newRoom("badtoken");
        RoomConfig wrongSecret = config.withServer(server.url(), server.apiKey(), "not-the-secret-not-the-secret-000");
        try (RoomClient wrong = new RoomClient(wrongSecret, runtime, new SimpleMeterRegistry())) {
            Watch watch = new Watch();
            RoomSession session = open(wrong, room, "streamer", new LayerCap(720, 30), watch);
            RoomEnd end = session.completion().orTimeout(10, TimeUnit.SECONDS).join();
            assertEquals(RoomEnd.Reason.FAILED, end.reason());
            assertEquals(RoomException.Kind.INVALID_TOKEN, end.error().kind(), end.detail());
            assertTrue(end.detail().startsWith("invalid token"), end.detail());
            session.close();
        }
    }

    @Test
    void anUnknownRoomIsAClearError() {
        Watch watch = new Watch();
        RoomSession session = open("no-such-room-" + UUID.randomUUID(), "streamer", new LayerCap(720, 30), watch);
        RoomEnd end = session.completion().orTimeout(10, TimeUnit.SECONDS).join();
        assertEquals(RoomEnd.Reason.FAILED, end.reason());
        assertEquals(RoomException.Kind.ROOM_NOT_FOUND, end.error().kind(), end.detail());
        assertTrue(end.detail().startsWith("room not found"), end.detail());
        assertNotNull(end.error());
    }

    private static String recorderIdentity(RoomSession session) {
        return session.request().recorderIdentity();
    }
}
