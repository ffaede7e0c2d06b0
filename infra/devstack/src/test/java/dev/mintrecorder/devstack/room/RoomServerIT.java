package dev.mintrecorder.devstack.room;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mintrecorder.devstack.media.Scene;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import io.livekit.server.AccessToken;
import io.livekit.server.CanPublish;
import io.livekit.server.CanPublishData;
import io.livekit.server.CanSubscribe;
import io.livekit.server.Hidden;
import io.livekit.server.RoomJoin;
import io.livekit.server.RoomName;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import livekit.LivekitModels;
import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitRtc;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse.MessageCase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The room server end to end: signal protocol v0 over a real socket, and real WebRTC media from its child process. */
class RoomServerIT {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static RoomServer server;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = RoomServer.start(RoomServerOptions.defaults().withTraceSignals(true));
    }

    @AfterAll
    static void stop() {
        long pid = server.mediaPid();
        server.close();
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "media child process ended");
    }

    private static String recorderToken(String identity, String room) {
        AccessToken token = new AccessToken(server.apiKey(), server.apiSecret());
        token.setIdentity(identity);
        token.addGrants(new RoomJoin(true), new RoomName(room), new CanPublish(false), new CanPublishData(false),
                new CanSubscribe(true), new Hidden(true));
        return token.toJwt();
    }

    private static HttpResponse<String> get(String pathAndQuery, String bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.httpUrl() + pathAndQuery));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int upgradeStatus(String token, String room) throws Exception {
        try {
            SignalTestClient.connect(server.url(), token, "protocol=16", false, r -> { }).close();
            return 101;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException handshake) {
                return handshake.getResponse().statusCode();
            }
            throw e;
        }
    }

    @Test
    void validateAndFailedUpgradesExplainThemselves() throws Exception {
        server.createRoom("mint-validate", null);
        String good = recorderToken("rec", "mint-validate");
        assertEquals(200, get("/rtc/validate?access_token=" + good, null).statusCode());
        assertEquals(200, get("/rtc/validate", good).statusCode(), "token in an Authorization: Bearer header");

        HttpResponse<String> badToken = get("/rtc/validate?access_token=garbage", null);
        assertEquals(401, badToken.statusCode());
        assertTrue(badToken.body().contains("invalid token"), badToken.body());
        assertEquals(404, get("/rtc/v1?access_token=" + good, null).statusCode());
        assertEquals(404, get("/rtc/v1/validate?access_token=" + good, null).statusCode());
        assertEquals(401, upgradeStatus("garbage", "mint-validate"));

        // livekit-server (pkg/service/utils.go ValidateConnectRequest): no join grant 401, no room or identity 400,
        // each an HTTP answer before any upgrade.
        AccessToken noJoin = new AccessToken(server.apiKey(), server.apiSecret());
        noJoin.setIdentity("rec");
        noJoin.addGrants(new RoomName("mint-validate"), new CanSubscribe(true));
        assertEquals(401, get("/rtc/validate?access_token=" + noJoin.toJwt(), null).statusCode());
        assertEquals(401, upgradeStatus(noJoin.toJwt(), "mint-validate"));
        AccessToken noRoom = new AccessToken(server.apiKey(), server.apiSecret());
        noRoom.setIdentity("rec");
        noRoom.addGrants(new RoomJoin(true));
        HttpResponse<String> roomless = get("/rtc/validate?access_token=" + noRoom.toJwt(), null);
        assertEquals(400, roomless.statusCode());
        assertTrue(roomless.body().contains("room name cannot be empty"), roomless.body());
        assertEquals(400, upgradeStatus(noRoom.toJwt(), "mint-validate"));
        server.deleteRoom("mint-validate");
    }

    @Test
    void unknownRoomsAreCreatedOnJoinUnlessTurnedOff() throws Exception {
        String unknown = recorderToken("rec", "mint-auto");
        assertEquals(200, get("/rtc/validate?access_token=" + unknown, null).statusCode());
        assertFalse(server.hasRoom("mint-auto"), "validate creates nothing");
        try (SignalTestClient client = SignalTestClient.connect(server.url(), unknown, "protocol=16", false, r -> { })) {
            await().atMost(Duration.ofSeconds(20)).until(() -> !client.all(MessageCase.JOIN).isEmpty());
            assertEquals("mint-auto", client.all(MessageCase.JOIN).getFirst().getJoin().getRoom().getName());
            assertTrue(server.hasRoom("mint-auto"));
        }
        server.deleteRoom("mint-auto");

        // livekit-server with room.auto_create off: 404 before the upgrade.
        try (RoomServer strict = RoomServer.start(RoomServerOptions.defaults().withCreateRoomsOnJoin(false))) {
            AccessToken token = new AccessToken(strict.apiKey(), strict.apiSecret());
            token.setIdentity("rec");
            token.addGrants(new RoomJoin(true), new RoomName("no-such-room"), new CanSubscribe(true), new Hidden(true));
            HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(URI.create(strict.httpUrl()
                    + "/rtc/validate?access_token=" + token.toJwt())).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, refused.statusCode());
            assertTrue(refused.body().contains("room not found"), refused.body());
            ExecutionException upgrade = assertThrows(ExecutionException.class, () -> SignalTestClient.connect(strict.url(),
                    token.toJwt(), "protocol=16", false, r -> { }).close());
            assertEquals(404, ((WebSocketHandshakeException) upgrade.getCause()).getResponse().statusCode());
        }
    }

    @Test
    void corsAllowsEveryOriginAsLivekitServerDoes() throws Exception {
        String origin = "http://127.0.0.1:5173";
        // The browser SDK's first call: a cross-origin fetch of /rtc/v1/validate, whose 404 it must be able to read.
        HttpResponse<String> v1 = HTTP.send(HttpRequest.newBuilder(URI.create(server.httpUrl() + "/rtc/v1/validate"))
                .header("Origin", origin).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, v1.statusCode());
        assertEquals(origin, v1.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertEquals("*", v1.headers().firstValue("Access-Control-Expose-Headers").orElse(null));

        HttpResponse<String> preflight = HTTP.send(HttpRequest.newBuilder(URI.create(server.httpUrl() + "/rtc/validate"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", origin)
                .header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "authorization").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(204, preflight.statusCode());
        assertEquals(origin, preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertEquals("GET", preflight.headers().firstValue("Access-Control-Allow-Methods").orElse(null));
        assertEquals("authorization", preflight.headers().firstValue("Access-Control-Allow-Headers").orElse(null));
        assertEquals("86400", preflight.headers().firstValue("Access-Control-Max-Age").orElse(null));

        HttpResponse<String> sameOrigin = get("/rtc/v1/validate", null);
        assertTrue(sameOrigin.headers().firstValue("Access-Control-Allow-Origin").isEmpty(), "no Origin, no CORS");
    }

    private static int admin(String method, String pathAndQuery) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.httpUrl() + pathAndQuery))
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void adminApiCreatesRoomsAndThrowsFaults() throws Exception {
        assertEquals(201, admin("PUT", "/admin/rooms/mint-admin?publisher=cam&width=160&height=120&fps=10"));
        assertTrue(server.participants("mint-admin").contains("cam"));
        assertEquals(409, admin("PUT", "/admin/rooms/mint-admin"), "a room exists once");
        assertEquals(200, admin("POST", "/admin/rooms/mint-admin/stall"));
        assertEquals(200, admin("POST", "/admin/rooms/mint-admin/unstall"));
        assertEquals(200, admin("POST", "/admin/rooms/mint-admin/republish"));
        assertEquals(404, admin("POST", "/admin/rooms/mint-admin/no-such-fault"));
        assertEquals(404, admin("POST", "/admin/rooms/mint-admin/kill-signal?identity=nobody"));
        assertEquals(200, admin("POST", "/admin/rooms/mint-admin/end"));
        assertFalse(server.hasRoom("mint-admin"));
        assertEquals(404, admin("DELETE", "/admin/rooms/mint-admin"));
    }

    @Test
    void joinPingAndRoomClosedFollowTheProtocol() throws Exception {
        server.createRoom("mint-signal", SyntheticPublisherSpec.small("streamer"));
        try (SignalTestClient client = SignalTestClient.connect(server.url(), recorderToken("rec", "mint-signal"),
                "protocol=16&auto_subscribe=0&sdk=java", true, r -> { })) {
            await().atMost(DEADLINE).until(() -> !client.all(MessageCase.OFFER).isEmpty());
            LivekitRtc.SignalResponse first = client.received.getFirst();
            assertEquals(MessageCase.JOIN, first.getMessageCase(), "the first response is join");
            LivekitRtc.JoinResponse join = first.getJoin();
            assertTrue(join.getSubscriberPrimary());
            assertEquals(5, join.getPingInterval());
            assertEquals(15, join.getPingTimeout());
            assertEquals(0, join.getIceServersCount());
            assertEquals(1, join.getOtherParticipantsCount(), "the hidden recorder sees only the publisher");
            LivekitModels.ParticipantInfo streamer = join.getOtherParticipants(0);
            assertEquals("streamer", streamer.getIdentity());
            assertEquals(List.of(LivekitModels.TrackType.VIDEO, LivekitModels.TrackType.AUDIO),
                    streamer.getTracksList().stream().map(LivekitModels.TrackInfo::getType).toList());
            assertEquals(320, streamer.getTracks(0).getWidth());
            String offer = client.all(MessageCase.OFFER).getFirst().getOffer().getSdp();
            assertTrue(offer.contains("m=application"), "the first offer carries the data channels");
            assertFalse(offer.contains("m=video"), "nothing is subscribed with auto_subscribe=0");
            await().atMost(DEADLINE).until(() -> client.all(MessageCase.TRICKLE).stream()
                    .anyMatch(t -> t.getTrickle().getFinal()));

            client.send(SignalRequest.newBuilder().setPing(1234).build());
            client.send(SignalRequest.newBuilder().setPingReq(LivekitRtc.Ping.newBuilder().setTimestamp(777)).build());
            await().atMost(DEADLINE).until(() -> !client.all(MessageCase.PONG).isEmpty()
                    && !client.all(MessageCase.PONG_RESP).isEmpty());
            assertEquals(777, client.all(MessageCase.PONG_RESP).getFirst().getPongResp().getLastPingTimestamp());

            server.endRoom("mint-signal");
            await().atMost(DEADLINE).until(() -> !client.all(MessageCase.LEAVE).isEmpty());
            assertEquals(DisconnectReason.ROOM_CLOSED, client.all(MessageCase.LEAVE).getFirst().getLeave().getReason());
            assertEquals(1000, client.closed.get().intValue());
        }
    }

    @Test
    void subscriberReceivesNumberedFramesOnlyAfterSubscribingAndTheCapLowersTheSize() throws Exception {
        // Two default layers (livekit-client's 180p preset and the camera), so LOW is a smaller picture. The CAMERA
        // scene, so its corner frame number is shown to survive VP8 (the other tests' recordings carry the GRID).
        server.createRoom("mint-media", new SyntheticPublisherSpec("streamer", 640, 360, 15, 440).withScene(Scene.CAMERA));
        try (ReceivingPeer peer = new ReceivingPeer();
             SignalTestClient client = SignalTestClient.connect(server.url(), recorderToken("rec", "mint-media"),
                     "protocol=16&auto_subscribe=0&sdk=java", false, peer::onSignal)) {
            peer.attach(client);
            await().atMost(DEADLINE).until(() -> peer.state.get() == RTCPeerConnectionState.CONNECTED);
            assertEquals(0, peer.tracks.get(), "no track flows before the subscription");
            assertEquals(0, peer.videoFrames.get());

            LivekitModels.ParticipantInfo streamer = client.all(MessageCase.JOIN).getFirst().getJoin().getOtherParticipants(0);
            String video = streamer.getTracks(0).getSid();
            String audio = streamer.getTracks(1).getSid();
            client.send(SignalRequest.newBuilder().setSubscription(LivekitRtc.UpdateSubscription.newBuilder()
                    .addTrackSids(video).addTrackSids(audio).setSubscribe(true)).build());
            await().atMost(DEADLINE).until(() -> peer.videoFrames.get() >= 30 && peer.audioCallbacks.get() >= 100);
            assertEquals(640, peer.lastWidth.get());
            assertEquals(360, peer.lastHeight.get());
            assertEquals(0, peer.outOfOrder.get(), "frame numbers increase");
            assertTrue(peer.undecodable.get() <= 2, "frames carry their number: " + peer.undecodable.get() + " undecodable");

            client.send(SignalRequest.newBuilder().setTrackSetting(LivekitRtc.UpdateTrackSettings.newBuilder()
                    .addTrackSids(video).setQuality(LivekitModels.VideoQuality.LOW)).build());
            await().atMost(DEADLINE).until(() -> peer.lastWidth.get() == 320 && peer.lastHeight.get() == 180);
            int before = peer.videoFrames.get();
            await().atMost(DEADLINE).until(() -> peer.videoFrames.get() >= before + 15);
            assertEquals(0, peer.outOfOrder.get());

            List<SignalRequest> trace = server.signalTrace("mint-media", "rec");
            assertTrue(trace.stream().anyMatch(SignalRequest::hasSubscription));
            assertTrue(trace.stream().anyMatch(SignalRequest::hasAnswer));
            client.send(SignalRequest.newBuilder().setLeave(LivekitRtc.LeaveRequest.newBuilder()
                    .setReason(DisconnectReason.CLIENT_INITIATED)).build());
            await().atMost(DEADLINE).until(() -> !server.participants("mint-media").contains("rec"));
        }
        server.deleteRoom("mint-media");
    }
}
