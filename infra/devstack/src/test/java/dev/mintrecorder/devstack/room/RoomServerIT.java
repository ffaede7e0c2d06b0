package dev.mintrecorder.devstack.room;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        HttpResponse<String> unknown = get("/rtc/validate?access_token=" + recorderToken("rec", "no-such-room"), null);
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body().contains("room not found"), unknown.body());
        assertEquals(404, get("/rtc/v1?access_token=" + good, null).statusCode());
        assertEquals(404, get("/rtc/v1/validate?access_token=" + good, null).statusCode());

        assertEquals(401, upgradeStatus("garbage", "mint-validate"));
        assertEquals(404, upgradeStatus(recorderToken("rec", "no-such-room"), "no-such-room"));
        server.deleteRoom("mint-validate");
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
        server.createRoom("mint-media", SyntheticPublisherSpec.small("streamer"));
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
            assertEquals(320, peer.lastWidth.get());
            assertEquals(240, peer.lastHeight.get());
            assertEquals(0, peer.outOfOrder.get(), "frame numbers increase");
            assertTrue(peer.undecodable.get() <= 2, "frames carry their number: " + peer.undecodable.get() + " undecodable");

            client.send(SignalRequest.newBuilder().setTrackSetting(LivekitRtc.UpdateTrackSettings.newBuilder()
                    .addTrackSids(video).setQuality(LivekitModels.VideoQuality.LOW)).build());
            await().atMost(DEADLINE).until(() -> peer.lastWidth.get() == 80 && peer.lastHeight.get() == 60);
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
