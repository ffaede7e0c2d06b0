package dev.mintrecorder.devstack.room;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onvoid.webrtc.RTCPeerConnectionState;
import io.livekit.server.AccessToken;
import io.livekit.server.CanPublish;
import io.livekit.server.CanSubscribe;
import io.livekit.server.Hidden;
import io.livekit.server.RoomJoin;
import io.livekit.server.RoomName;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import livekit.LivekitModels;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitRtc;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;
import livekit.LivekitRtc.SignalResponse.MessageCase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fault switches, seen from a real subscriber: resume, refused resume, stall, target leaving, republish. */
class RoomServerFaultsIT {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static RoomServer server;
    private ReceivingPeer peer;
    private SignalTestClient client;
    private String room;

    @BeforeAll
    static void start() {
        // Short livekit timers so the offer timeout, departure and token refresh show within a test.
        server = RoomServer.start(RoomServerOptions.defaults().withTimeouts(new RoomServerOptions.Timeouts(
                Duration.ofSeconds(15), Duration.ofSeconds(4), Duration.ofSeconds(2), Duration.ofSeconds(2),
                Duration.ofMinutes(1), Duration.ofSeconds(2))));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void cleanUp() {
        if (client != null) {
            client.close();
        }
        if (peer != null) {
            peer.close();
        }
        server.refuseResume(false);
        if (server.hasRoom(room)) {
            server.deleteRoom(room);
        }
    }

    private static String token(String room) {
        AccessToken token = new AccessToken(server.apiKey(), server.apiSecret());
        token.setIdentity("rec");
        token.addGrants(new RoomJoin(true), new RoomName(room), new CanPublish(false), new CanSubscribe(true),
                new Hidden(true));
        return token.toJwt();
    }

    /** Joins {@code name} with auto_subscribe=0 and subscribes to the streamer's tracks; frames flowing. */
    private ParticipantInfo joinAndSubscribe(String name) throws Exception {
        room = name;
        server.createRoom(name, SyntheticPublisherSpec.small("streamer"));
        peer = new ReceivingPeer();
        client = SignalTestClient.connect(server.url(), token(name), "protocol=16&auto_subscribe=0", false, peer::onSignal);
        peer.attach(client);
        await().atMost(DEADLINE).until(() -> !client.all(MessageCase.JOIN).isEmpty());
        LivekitRtc.JoinResponse join = client.all(MessageCase.JOIN).getFirst().getJoin();
        ParticipantInfo streamer = join.getOtherParticipants(0);
        client.send(SignalRequest.newBuilder().setSubscription(LivekitRtc.UpdateSubscription.newBuilder()
                .addTrackSids(streamer.getTracks(0).getSid()).addTrackSids(streamer.getTracks(1).getSid())
                .setSubscribe(true)).build());
        await().atMost(DEADLINE).until(() -> peer.videoFrames.get() >= 10);
        return join.getParticipant();
    }

    private SignalTestClient reconnect(ParticipantInfo self) throws Exception {
        SignalTestClient again = SignalTestClient.connect(server.url(), token(room),
                "protocol=16&auto_subscribe=0&reconnect=1&sid=" + self.getSid(), false, peer::onSignal);
        peer.attach(again);
        return again;
    }

    private static List<ParticipantInfo> updatesOf(SignalTestClient c, String identity) {
        return c.all(MessageCase.UPDATE).stream().flatMap(u -> u.getUpdate().getParticipantsList().stream())
                .filter(p -> p.getIdentity().equals(identity)).toList();
    }

    @Test
    void killedSocketResumesWithAnIceRestartAndMediaKeepsFlowing() throws Exception {
        ParticipantInfo self = joinAndSubscribe("mint-resume");
        server.killSignal(room, "rec");
        await().atMost(DEADLINE).until(() -> client.closed.isDone());
        SignalTestClient resumed = reconnect(self);
        client = resumed;
        await().atMost(DEADLINE).until(() -> !resumed.all(MessageCase.OFFER).isEmpty());
        // The refresh_token comes from the resumed session's own timer, so its place among these is not fixed.
        List<MessageCase> order = resumed.received.stream().map(SignalResponse::getMessageCase)
                .filter(c -> c != MessageCase.TRICKLE && c != MessageCase.REFRESH_TOKEN).limit(4).toList();
        assertEquals(List.of(MessageCase.RECONNECT, MessageCase.UPDATE, MessageCase.ROOM_UPDATE, MessageCase.OFFER), order);
        await().atMost(DEADLINE).until(() -> !resumed.all(MessageCase.REFRESH_TOKEN).isEmpty());
        assertTrue(resumed.all(MessageCase.OFFER).getFirst().getOffer().getSdp().contains("m=video"),
                "the subscription survived the resume");
        int before = peer.videoFrames.get();
        await().atMost(DEADLINE).until(() -> peer.videoFrames.get() >= before + 15);
        assertEquals(0, peer.outOfOrder.get());
    }

    @Test
    void refusedResumeAsksForAFullReconnect() throws Exception {
        ParticipantInfo self = joinAndSubscribe("mint-refused");
        server.refuseResume(true);
        server.killSignal(room, "rec");
        await().atMost(DEADLINE).until(() -> client.closed.isDone());
        SignalTestClient refused = reconnect(self);
        client = refused;
        await().atMost(DEADLINE).until(() -> !refused.all(MessageCase.LEAVE).isEmpty());
        LivekitRtc.LeaveRequest leave = refused.all(MessageCase.LEAVE).getFirst().getLeave();
        assertEquals(LivekitRtc.LeaveRequest.Action.RECONNECT, leave.getAction());
        assertEquals(MessageCase.LEAVE, refused.received.getFirst().getMessageCase(), "no join before the leave");
    }

    @Test
    void stalledPublisherStopsFramesAndResumesWithLaterNumbers() throws Exception {
        joinAndSubscribe("mint-stall");
        server.stallMedia(room, true);
        AtomicInteger last = new AtomicInteger(-1);
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(700))
                .until(() -> last.getAndSet(peer.videoFrames.get()) == peer.videoFrames.get());
        long numberAtStall = peer.lastNumber.get();
        server.stallMedia(room, false);
        await().atMost(DEADLINE).until(() -> peer.lastNumber.get() > numberAtStall + 5);
        assertEquals(0, peer.outOfOrder.get());
    }

    @Test
    void targetLeavingIsAnnouncedAsDisconnected() throws Exception {
        joinAndSubscribe("mint-leave");
        server.removeTarget(room);
        await().atMost(DEADLINE).until(() -> updatesOf(client, "streamer").stream()
                .anyMatch(p -> p.getState() == ParticipantInfo.State.DISCONNECTED));
        ParticipantInfo gone = updatesOf(client, "streamer").getLast();
        assertEquals(LivekitModels.DisconnectReason.PARTICIPANT_REMOVED, gone.getDisconnectReason());
        // Only the hidden recorder is left, which does not keep the room alive: ROOM_CLOSED after the departure timeout.
        await().atMost(DEADLINE).until(() -> !client.all(MessageCase.LEAVE).isEmpty());
        assertEquals(LivekitModels.DisconnectReason.ROOM_CLOSED, client.all(MessageCase.LEAVE).getFirst().getLeave().getReason());
        assertTrue(!server.hasRoom(room));
    }

    @Test
    void unansweredOfferForcesAFullReconnect() throws Exception {
        room = "mint-no-answer";
        server.createRoom(room, SyntheticPublisherSpec.small("streamer"));
        client = SignalTestClient.connect(server.url(), token(room), "protocol=16&auto_subscribe=0", false, r -> { });
        await().atMost(DEADLINE).until(() -> !client.all(MessageCase.LEAVE).isEmpty());
        assertEquals(LivekitRtc.LeaveRequest.Action.RECONNECT, client.all(MessageCase.LEAVE).getFirst().getLeave().getAction());
        assertTrue(client.received.stream().anyMatch(SignalResponse::hasOffer), "the offer came first");
    }

    @Test
    void refreshTokenCarriesTheSameGrant() throws Exception {
        joinAndSubscribe("mint-refresh");
        await().atMost(DEADLINE).until(() -> !client.all(MessageCase.REFRESH_TOKEN).isEmpty());
        String fresh = client.all(MessageCase.REFRESH_TOKEN).getFirst().getRefreshToken();
        JoinGrant grant = new TokenVerifier(server.apiKey(), server.apiSecret()).verify(fresh);
        assertEquals("rec", grant.identity());
        assertEquals(room, grant.room());
        assertTrue(grant.hidden() && grant.canSubscribe() && !grant.canPublish());
    }

    @Test
    void republishAnnouncesNewTrackSidsWithHigherVersions() throws Exception {
        joinAndSubscribe("mint-republish");
        ParticipantInfo before = client.all(MessageCase.JOIN).getFirst().getJoin().getOtherParticipants(0);
        server.republish(room);
        await().atMost(DEADLINE).until(() -> updatesOf(client, "streamer").size() >= 2);
        List<ParticipantInfo> updates = updatesOf(client, "streamer");
        assertEquals(0, updates.get(0).getTracksCount(), "unpublished first");
        assertEquals(2, updates.get(1).getTracksCount());
        assertNotEquals(before.getTracks(0).getSid(), updates.get(1).getTracks(0).getSid());
        assertTrue(updates.get(1).getVersion() > updates.get(0).getVersion()
                && updates.get(0).getVersion() > before.getVersion());
    }

    @Test
    void higherPublishResolutionReachesTheSubscriber() throws Exception {
        joinAndSubscribe("mint-resolution");
        server.publishResolution(room, 640, 480);
        await().atMost(DEADLINE).until(() -> peer.lastWidth.get() == 640 && peer.lastHeight.get() == 480);
        assertEquals(640, updatesOf(client, "streamer").getLast().getTracks(0).getWidth());
    }

    @Test
    void droppedMediaDisconnectsThePeer() throws Exception {
        joinAndSubscribe("mint-drop");
        server.dropMedia(room, "rec");
        await().atMost(Duration.ofSeconds(40)).until(() -> peer.state.get() == RTCPeerConnectionState.DISCONNECTED
                || peer.state.get() == RTCPeerConnectionState.FAILED || peer.state.get() == RTCPeerConnectionState.CLOSED);
    }
}
