package dev.mintrecorder.devstack.room;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mintrecorder.devstack.media.MediaControl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import livekit.LivekitModels;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitRtc;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;
import livekit.LivekitRtc.SignalResponse.MessageCase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The room's signal logic without WebRTC: the media process is replaced by a scripted one that answers each
 * {@code offer} command with an offer event and two candidates (the last final), as the real child does.
 */
class RoomSignalTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "0123456789abcdef0123456789abcdef";

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final ScriptedMedia media = new ScriptedMedia();
    /** Timers that do not fire within a test, token refresh off. */
    private static final RoomServerOptions.Timeouts QUIET = new RoomServerOptions.Timeouts(Duration.ofHours(1),
            Duration.ofHours(1), Duration.ofHours(1), Duration.ZERO, Duration.ofHours(1), Duration.ofHours(1));
    private final Room room = room(QUIET);

    private Room room(RoomServerOptions.Timeouts timeouts) {
        return new Room("mint-unit", media, RoomServerOptions.defaults().withTimeouts(timeouts), timers,
                new TokenVerifier("devkey", SECRET), closed -> { });
    }

    @AfterEach
    void stopTimers() {
        timers.shutdownNow();
    }

    /** Records media commands and plays the child's part for offers. */
    private static final class ScriptedMedia implements MediaControl {
        final List<ObjectNode> commands = new ArrayList<>();
        final Map<String, Consumer<JsonNode>> listeners = new HashMap<>();

        @Override
        public void send(ObjectNode command) {
            commands.add(command);
            if (command.path("op").asText().equals("offer")) {
                Consumer<JsonNode> listener = listeners.get(command.path("pc").asText());
                String pc = command.path("pc").asText();
                listener.accept(JSON.createObjectNode().put("ev", "offer").put("pc", pc).put("sdp", "v=0 fake"));
                listener.accept(candidate(pc, "candidate:1 1 udp 1 127.0.0.2 5000 typ host", false));
                listener.accept(candidate(pc, "candidate:2 1 udp 1 127.0.0.2 5001 typ host", true));
            }
        }

        private static ObjectNode candidate(String pc, String sdp, boolean last) {
            return JSON.createObjectNode().put("ev", "candidate").put("pc", pc).put("candidate", sdp)
                    .put("sdpMid", "0").put("sdpMLineIndex", 0).put("final", last);
        }

        @Override
        public void listen(String pc, Consumer<JsonNode> listener) {
            listeners.put(pc, listener);
        }

        @Override
        public void unlisten(String pc) {
            listeners.remove(pc);
        }

        List<String> ops(String op) {
            return commands.stream().filter(c -> c.path("op").asText().equals(op)).map(JsonNode::toString).toList();
        }
    }

    /** A signal socket that keeps what the room sends. */
    private static final class RecordingConnection implements SignalConnection {
        final List<SignalResponse> sent = new CopyOnWriteArrayList<>();
        String closedWith;

        @Override
        public void send(SignalResponse response) {
            sent.add(response);
        }

        @Override
        public void sendThenClose(SignalResponse response, String reason) {
            sent.add(response);
            closedWith = reason;
        }

        @Override
        public void close(String reason) {
            closedWith = reason;
        }

        @Override
        public void disconnect() {
            closedWith = "disconnected";
        }

        List<SignalResponse> all(MessageCase kind) {
            return sent.stream().filter(r -> r.getMessageCase() == kind).toList();
        }
    }

    private static JoinGrant grant(String identity, boolean hidden, boolean canSubscribe) {
        return new JoinGrant(identity, identity, "", "mint-unit", true, !hidden, canSubscribe, !hidden, hidden, hidden);
    }

    private ParticipantInfo streamer(RecordingConnection connection) {
        return connection.all(MessageCase.JOIN).getFirst().getJoin().getOtherParticipants(0);
    }

    @Test
    void joinIsFirstThenTheSubscriberOfferAndTrickleEndingFinal() {
        room.startPublisher(SyntheticPublisherSpec.small("streamer"));
        RecordingConnection c = new RecordingConnection();
        room.join(c, grant("rec", true, true), 16, false, Room.Network.NONE);

        assertEquals(List.of(MessageCase.JOIN, MessageCase.OFFER, MessageCase.TRICKLE, MessageCase.TRICKLE),
                c.sent.stream().map(SignalResponse::getMessageCase).toList());
        LivekitRtc.JoinResponse join = c.sent.getFirst().getJoin();
        assertTrue(join.getSubscriberPrimary());
        assertEquals(5, join.getPingInterval());
        assertEquals(15, join.getPingTimeout());
        assertEquals("streamer", streamer(c).getIdentity());
        assertEquals(2, streamer(c).getTracksCount());
        assertEquals(1, c.all(MessageCase.OFFER).getFirst().getOffer().getId());
        List<LivekitRtc.TrickleRequest> trickles = c.all(MessageCase.TRICKLE).stream().map(SignalResponse::getTrickle).toList();
        assertEquals(List.of(false, true), trickles.stream().map(LivekitRtc.TrickleRequest::getFinal).toList());
        assertTrue(trickles.stream().allMatch(t -> t.getTarget() == LivekitRtc.SignalTarget.SUBSCRIBER));
        assertTrue(media.ops("addTrack").isEmpty(), "auto_subscribe=0 subscribes nothing");
    }

    @Test
    void subscriberPrimaryNeedsProtocolAboveTwoAndCanSubscribe() {
        RecordingConnection old = new RecordingConnection();
        room.join(old, grant("old", true, true), 2, false, Room.Network.NONE);
        assertFalse(old.sent.getFirst().getJoin().getSubscriberPrimary());
        RecordingConnection noSub = new RecordingConnection();
        room.join(noSub, grant("nosub", true, false), 16, false, Room.Network.NONE);
        assertFalse(noSub.sent.getFirst().getJoin().getSubscriberPrimary());
    }

    @Test
    void autoSubscribeAddsTheTracksToTheFirstOffer() {
        room.startPublisher(SyntheticPublisherSpec.small("streamer"));
        room.join(new RecordingConnection(), grant("rec", true, true), 16, true, Room.Network.NONE);
        assertEquals(2, media.ops("addTrack").size());
        assertEquals(1, media.ops("offer").size());
    }

    @Test
    void subscriptionRenegotiatesOnlyAfterTheOutstandingOfferIsAnswered() {
        room.startPublisher(SyntheticPublisherSpec.small("streamer"));
        RecordingConnection c = new RecordingConnection();
        Participant p = room.join(c, grant("rec", true, true), 16, false, Room.Network.NONE);
        String video = streamer(c).getTracks(0).getSid();
        room.onRequest(p, SignalRequest.newBuilder().setSubscription(LivekitRtc.UpdateSubscription.newBuilder()
                .addTrackSids(video).setSubscribe(true)).build());
        assertEquals(1, media.ops("addTrack").size());
        assertEquals(1, media.ops("offer").size(), "offer 1 is still unanswered");

        room.onRequest(p, SignalRequest.newBuilder().setAnswer(LivekitRtc.SessionDescription.newBuilder()
                .setType("answer").setSdp("v=0 answer").setId(1)).build());
        assertEquals(2, media.ops("offer").size(), "renegotiated once answered");
        assertEquals(2, c.all(MessageCase.OFFER).getLast().getOffer().getId());

        room.onRequest(p, SignalRequest.newBuilder().setAnswer(LivekitRtc.SessionDescription.newBuilder()
                .setType("answer").setSdp("v=0 stale").setId(1)).build());
        assertEquals(1, media.ops("answer").size(), "a stale answer is ignored");
    }

    @Test
    void trackSettingsApplyOnlyToSubscribedTracksAndWidthWins() {
        room.startPublisher(new SyntheticPublisherSpec("streamer", 640, 360, 15, 440));
        RecordingConnection c = new RecordingConnection();
        Participant p = room.join(c, grant("rec", true, true), 16, false, Room.Network.NONE);
        String video = streamer(c).getTracks(0).getSid();
        SignalRequest cap = SignalRequest.newBuilder().setTrackSetting(LivekitRtc.UpdateTrackSettings.newBuilder()
                .addTrackSids(video).setQuality(LivekitModels.VideoQuality.HIGH).setWidth(100).setHeight(70)).build();
        room.onRequest(p, cap);
        assertTrue(media.ops("layer").isEmpty(), "discarded before the subscription");

        room.onRequest(p, SignalRequest.newBuilder().setSubscription(LivekitRtc.UpdateSubscription.newBuilder()
                .addTrackSids(video).setSubscribe(true)).build());
        room.onRequest(p, cap);
        JsonNode layer = media.commands.stream().filter(x -> x.path("op").asText().equals("layer")).findFirst().orElseThrow();
        assertEquals(320, layer.path("width").asInt(), "the lowest of the two default layers covers 100x70");
        assertEquals(180, layer.path("height").asInt());
    }

    @Test
    void pingsAreAnswered() {
        RecordingConnection c = new RecordingConnection();
        Participant p = room.join(c, grant("rec", true, true), 16, false, Room.Network.NONE);
        room.onRequest(p, SignalRequest.newBuilder().setPing(5).build());
        room.onRequest(p, SignalRequest.newBuilder().setPingReq(LivekitRtc.Ping.newBuilder().setTimestamp(42)).build());
        assertEquals(1, c.all(MessageCase.PONG).size());
        assertEquals(42, c.all(MessageCase.PONG_RESP).getFirst().getPongResp().getLastPingTimestamp());
    }

    @Test
    void hiddenParticipantsAreNeverAnnounced() {
        RecordingConnection visible = new RecordingConnection();
        room.join(visible, grant("viewer", false, true), 16, false, Room.Network.NONE);
        room.join(new RecordingConnection(), grant("rec", true, true), 16, false, Room.Network.NONE);
        assertTrue(visible.all(MessageCase.UPDATE).isEmpty());
        RecordingConnection later = new RecordingConnection();
        room.join(later, grant("late", true, true), 16, false, Room.Network.NONE);
        assertEquals(List.of("viewer"), later.sent.getFirst().getJoin().getOtherParticipantsList().stream()
                .map(ParticipantInfo::getIdentity).toList());
    }

    @Test
    void joinAndResumeNameTheIceServersAndClientConfiguration() {
        LivekitRtc.ICEServer turn = LivekitRtc.ICEServer.newBuilder().addUrls("turn:127.0.0.2:3478?transport=udp")
                .setUsername("u").setCredential("p").build();
        LivekitModels.ClientConfiguration relay = LivekitModels.ClientConfiguration.newBuilder()
                .setForceRelay(LivekitModels.ClientConfigSetting.ENABLED).build();
        RecordingConnection c = new RecordingConnection();
        Participant p = room.join(c, grant("rec", true, true), 16, false, new Room.Network(List.of(turn), relay));
        LivekitRtc.JoinResponse join = c.all(MessageCase.JOIN).getFirst().getJoin();
        assertEquals(List.of(turn), join.getIceServersList());
        assertEquals(relay, join.getClientConfiguration());

        room.onSocketClosed(p, c);
        LivekitRtc.ICEServer other = turn.toBuilder().setUrls(0, "turns:127.0.0.2:5349?transport=tcp").build();
        LivekitModels.ClientConfiguration noResume = LivekitModels.ClientConfiguration.newBuilder()
                .setResumeConnection(LivekitModels.ClientConfigSetting.DISABLED).build();
        RecordingConnection again = new RecordingConnection();
        assertTrue(room.resume(again, grant("rec", true, true), false, new Room.Network(List.of(other), noResume)).isPresent());
        LivekitRtc.ReconnectResponse reconnect = again.all(MessageCase.RECONNECT).getFirst().getReconnect();
        assertEquals(List.of(other), reconnect.getIceServersList());
        assertEquals(noResume, reconnect.getClientConfiguration());
    }

    @Test
    void aSilencedConnectionSendsNothingUntilTurnedBack() {
        RecordingConnection inner = new RecordingConnection();
        boolean[] silenced = {true};
        SignalConnection socket = new SignalConnection.Silenceable(inner, () -> silenced[0]);
        Participant p = room.join(socket, grant("rec", true, true), 16, false, Room.Network.NONE);
        room.onRequest(p, SignalRequest.newBuilder().setPing(5).build());
        assertTrue(inner.sent.isEmpty(), "no join, offer or pong while silenced: " + inner.sent);
        silenced[0] = false;
        room.onRequest(p, SignalRequest.newBuilder().setPing(6).build());
        assertEquals(List.of(MessageCase.PONG), inner.sent.stream().map(SignalResponse::getMessageCase).toList());
    }

    @Test
    void refusedSubscriptionsAreAnsweredWithTheError() {
        room.startPublisher(SyntheticPublisherSpec.small("streamer"));
        room.refuseSubscriptions(LivekitModels.SubscriptionError.SE_CODEC_UNSUPPORTED);
        RecordingConnection c = new RecordingConnection();
        Participant p = room.join(c, grant("rec", true, true), 16, false, Room.Network.NONE);
        String video = streamer(c).getTracks(0).getSid();
        room.onRequest(p, SignalRequest.newBuilder().setSubscription(LivekitRtc.UpdateSubscription.newBuilder()
                .addTrackSids(video).setSubscribe(true)).build());
        LivekitRtc.SubscriptionResponse response = c.all(MessageCase.SUBSCRIPTION_RESPONSE).getFirst()
                .getSubscriptionResponse();
        assertEquals(video, response.getTrackSid());
        assertEquals(LivekitModels.SubscriptionError.SE_CODEC_UNSUPPORTED, response.getErr());
        assertTrue(media.ops("addTrack").isEmpty(), "nothing is served");
    }

    @Test
    void refusedResumeIsALeaveWithActionReconnect() {
        RecordingConnection c = new RecordingConnection();
        Optional<Participant> resumed = room.resume(c, grant("ghost", true, true), false, Room.Network.NONE);
        assertTrue(resumed.isEmpty());
        assertEquals(List.of(MessageCase.LEAVE), c.sent.stream().map(SignalResponse::getMessageCase).toList());
        assertEquals(LivekitRtc.LeaveRequest.Action.RECONNECT, c.sent.getFirst().getLeave().getAction());
    }

    @Test
    void closingTheRoomSendsLeaveWithTheReason() {
        RecordingConnection c = new RecordingConnection();
        room.join(c, grant("rec", true, true), 16, false, Room.Network.NONE);
        room.close(LivekitModels.DisconnectReason.ROOM_CLOSED);
        LivekitRtc.LeaveRequest leave = c.all(MessageCase.LEAVE).getFirst().getLeave();
        assertEquals(LivekitModels.DisconnectReason.ROOM_CLOSED, leave.getReason());
        assertEquals(LivekitRtc.LeaveRequest.Action.DISCONNECT, leave.getAction());
        assertEquals("ROOM_CLOSED", c.closedWith);
    }

    @Test
    void aParticipantWhoseConnectionNeverComesUpIsRemovedWithJoinFailure() {
        Room quick = room(QUIET.withJoinTimeout(Duration.ofMillis(300)));
        RecordingConnection stuck = new RecordingConnection();
        quick.join(stuck, grant("stuck", true, true), 16, false, Room.Network.NONE);
        RecordingConnection up = new RecordingConnection();
        Participant connected = quick.join(up, grant("up", true, true), 16, false, Room.Network.NONE);
        media.listeners.get(connected.pcId).accept(JSON.createObjectNode().put("ev", "pcState")
                .put("pc", connected.pcId).put("state", "CONNECTED"));

        await().atMost(Duration.ofSeconds(10)).until(() -> !stuck.all(MessageCase.LEAVE).isEmpty());
        LivekitRtc.LeaveRequest leave = stuck.all(MessageCase.LEAVE).getFirst().getLeave();
        assertEquals(LivekitModels.DisconnectReason.JOIN_FAILURE, leave.getReason());
        assertEquals(LivekitRtc.LeaveRequest.Action.DISCONNECT, leave.getAction());
        assertTrue(quick.participant("stuck").isEmpty());
        assertTrue(quick.participant("up").isPresent(), "a connected participant stays");
        assertTrue(up.all(MessageCase.LEAVE).isEmpty());
    }

    @Test
    void anUnknownTrackSidIsAnsweredTrackNotFoundAfterTheTimeout() {
        Room quick = room(QUIET.withTrackNotFound(Duration.ofMillis(300)));
        RecordingConnection c = new RecordingConnection();
        Participant p = quick.join(c, grant("rec", true, true), 16, false, Room.Network.NONE);
        quick.onRequest(p, SignalRequest.newBuilder().setSubscription(LivekitRtc.UpdateSubscription.newBuilder()
                .addTrackSids("TR_nobody").setSubscribe(true)).build());
        assertTrue(c.all(MessageCase.SUBSCRIPTION_RESPONSE).isEmpty(), "not at once: the server keeps trying");

        await().atMost(Duration.ofSeconds(10)).until(() -> !c.all(MessageCase.SUBSCRIPTION_RESPONSE).isEmpty());
        LivekitRtc.SubscriptionResponse response = c.all(MessageCase.SUBSCRIPTION_RESPONSE).getFirst().getSubscriptionResponse();
        assertEquals("TR_nobody", response.getTrackSid());
        assertEquals(LivekitModels.SubscriptionError.SE_TRACK_NOTFOUND, response.getErr());
        assertEquals(1, c.all(MessageCase.SUBSCRIPTION_RESPONSE).size());
    }

    @Test
    void aFreshTokenComesAtJoinAndAtEachResume() {
        Room refreshing = room(new RoomServerOptions.Timeouts(Duration.ofHours(1), Duration.ofHours(1),
                Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1)));
        RecordingConnection first = new RecordingConnection();
        Participant p = refreshing.join(first, grant("rec", true, true), 16, false, Room.Network.NONE);
        await().atMost(Duration.ofSeconds(10)).until(() -> first.all(MessageCase.REFRESH_TOKEN).size() == 1);
        assertEquals(MessageCase.JOIN, first.sent.getFirst().getMessageCase());

        refreshing.onSocketClosed(p, first);
        RecordingConnection second = new RecordingConnection();
        assertTrue(refreshing.resume(second, grant("rec", true, true), false, Room.Network.NONE).isPresent());
        await().atMost(Duration.ofSeconds(10)).until(() -> second.all(MessageCase.REFRESH_TOKEN).size() == 1);
        // pkg/rtc/room.go ResumeParticipant: reconnect, every participant (self included), room_update, ICE restart.
        assertEquals(List.of(MessageCase.RECONNECT, MessageCase.UPDATE, MessageCase.ROOM_UPDATE, MessageCase.OFFER),
                second.sent.stream().map(SignalResponse::getMessageCase)
                        .filter(m -> m != MessageCase.REFRESH_TOKEN && m != MessageCase.TRICKLE).toList());
        assertEquals("rec", second.all(MessageCase.UPDATE).getFirst().getUpdate().getParticipants(0).getIdentity());
        assertTrue(media.commands.stream().anyMatch(c -> c.path("op").asText().equals("offer")
                && c.path("iceRestart").asBoolean()), "the resume's offer restarts ICE");
    }

    @Test
    void serverInfoReportsLivekitServersProtocol() {
        RecordingConnection c = new RecordingConnection();
        room.join(c, grant("rec", true, true), 16, false, Room.Network.NONE);
        LivekitModels.ServerInfo info = c.sent.getFirst().getJoin().getServerInfo();
        assertEquals(17, info.getProtocol());
        assertEquals(LivekitModels.ServerInfo.Edition.Standard, info.getEdition());
        assertEquals("1.13.5", info.getVersion());
    }

    @Test
    void aTrackSubscribedBeforeItsMediaArrivesIsSubscribedWhenPublished() {
        RecordingConnection camera = new RecordingConnection();
        Participant publisher = room.join(camera, grant("cam", false, false), 16, false, Room.Network.NONE);
        room.onRequest(publisher, SignalRequest.newBuilder().setAddTrack(LivekitRtc.AddTrackRequest.newBuilder()
                .setCid("cam-1").setType(LivekitModels.TrackType.VIDEO).setWidth(640).setHeight(360)).build());
        String sid = camera.all(MessageCase.TRACK_PUBLISHED).getFirst().getTrackPublished().getTrack().getSid();
        RecordingConnection c = new RecordingConnection();
        Participant p = room.join(c, grant("rec", true, true), 16, false, Room.Network.NONE);
        room.onRequest(p, SignalRequest.newBuilder().setSubscription(LivekitRtc.UpdateSubscription.newBuilder()
                .addTrackSids(sid).setSubscribe(true)).build());
        assertTrue(media.ops("addTrack").isEmpty(), "no media yet");

        room.onRequest(publisher, SignalRequest.newBuilder().setOffer(LivekitRtc.SessionDescription.newBuilder()
                .setType("offer").setSdp("v=0 publisher").setId(1)).build());
        media.listeners.get(publisher.publisherPcId).accept(JSON.createObjectNode().put("ev", "track")
                .put("pc", publisher.publisherPcId).put("trackId", "cam-1").put("kind", "video"));
        assertEquals(1, media.ops("addTrack").size(), "subscribed once published");
        assertTrue(media.ops("addTrack").getFirst().contains(sid));
        assertTrue(c.all(MessageCase.SUBSCRIPTION_RESPONSE).isEmpty());
    }
}
