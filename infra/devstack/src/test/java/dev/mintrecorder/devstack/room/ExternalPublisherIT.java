package dev.mintrecorder.devstack.room;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.livekit.server.AccessToken;
import io.livekit.server.CanPublish;
import io.livekit.server.CanSubscribe;
import io.livekit.server.Hidden;
import io.livekit.server.RoomJoin;
import io.livekit.server.RoomName;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import livekit.LivekitModels;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitRtc;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse.MessageCase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A client publishes over the v0 publisher flow; the room server relays its media to a subscriber. */
@SuppressWarnings("deprecation") // TrackInfo.layers and .simulcast, as livekit-server fills them
class ExternalPublisherIT {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static RoomServer server;

    @BeforeAll
    static void start() {
        server = RoomServer.start(RoomServerOptions.defaults());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String token(String identity, boolean publish, boolean hidden) {
        return token("mint-relay", identity, publish, hidden);
    }

    private static String token(String room, String identity, boolean publish, boolean hidden) {
        AccessToken token = new AccessToken(server.apiKey(), server.apiSecret());
        token.setIdentity(identity);
        token.addGrants(new RoomJoin(true), new RoomName(room), new CanPublish(publish), new CanSubscribe(true),
                new Hidden(hidden));
        return token.toJwt();
    }

    /**
     * A publisher asking for H.264 (livekit-client's {@code videoCodec: 'h264'}) gets it as livekit-server gives it:
     * the track announces video/H264, the publisher's answer puts H.264 first (setCodecPreferencesForPublisher), and
     * a subscriber is offered the track in H.264 only, and decodes it.
     */
    @Test
    void aPublisherAskingForH264IsAnsweredAndRelayedInH264() throws Exception {
        String room = "mint-relay-h264";
        try (PublishingPeer publisher = new PublishingPeer();
             ReceivingPeer subscriber = new ReceivingPeer();
             SignalTestClient pub = SignalTestClient.connect(server.url(), token(room, "cam", true, false),
                     "protocol=16&auto_subscribe=0", false, publisher::onSignal);
             SignalTestClient sub = SignalTestClient.connect(server.url(), token(room, "rec", false, true),
                     "protocol=16&auto_subscribe=0", false, subscriber::onSignal)) {
            publisher.attach(pub);
            subscriber.attach(sub);
            publisher.publish("h264");

            await().atMost(DEADLINE).until(() -> !pub.all(MessageCase.ANSWER).isEmpty());
            String answer = pub.all(MessageCase.ANSWER).getFirst().getAnswer().getSdp();
            assertEquals("H264", firstVideoCodec(answer), "the publisher's answer prefers the codec asked for");

            await().atMost(DEADLINE).until(() -> publisherWithTracks(sub).isPresent());
            LivekitModels.TrackInfo camera = publisherWithTracks(sub).orElseThrow().getTracksList().stream()
                    .filter(t -> t.getType() == LivekitModels.TrackType.VIDEO).findFirst().orElseThrow();
            assertEquals("video/H264", camera.getMimeType());
            assertEquals("video/H264", camera.getCodecs(0).getMimeType());
            sub.send(SignalRequest.newBuilder().setSubscription(LivekitRtc.UpdateSubscription.newBuilder()
                    .addTrackSids(camera.getSid()).setSubscribe(true)).build());
            await().atMost(DEADLINE).until(() -> subscriber.videoFrames.get() >= 30);
            String offer = sub.all(MessageCase.OFFER).getLast().getOffer().getSdp();
            String video = offer.substring(offer.indexOf("m=video"));
            assertTrue(video.contains(" H264/90000") && !video.contains(" VP8/90000"), "H.264 only: " + video);
            assertTrue(subscriber.undecodable.get() <= 2, subscriber.undecodable.get() + " undecodable frames");
        }
        server.deleteRoom(room);
    }

    /** The codec name of the first payload type of the first video section. */
    private static String firstVideoCodec(String sdp) {
        String section = sdp.substring(sdp.indexOf("m=video"));
        String pt = section.lines().findFirst().orElseThrow().split(" ")[3];
        return section.lines().filter(l -> l.startsWith("a=rtpmap:" + pt + " ")).findFirst().orElseThrow()
                .split(" ")[1].split("/")[0];
    }

    private static Optional<ParticipantInfo> publisherWithTracks(SignalTestClient client) {
        return client.all(MessageCase.UPDATE).stream().flatMap(u -> u.getUpdate().getParticipantsList().stream())
                .filter(p -> p.getIdentity().equals("cam") && p.getTracksCount() == 2).findFirst();
    }

    @Test
    void publishedTracksAreRelayedToASubscriberWithTheLayerCap() throws Exception {
        try (PublishingPeer publisher = new PublishingPeer();
             ReceivingPeer subscriber = new ReceivingPeer();
             SignalTestClient pub = SignalTestClient.connect(server.url(), token("cam", true, false),
                     "protocol=16&auto_subscribe=0", false, publisher::onSignal);
             SignalTestClient sub = SignalTestClient.connect(server.url(), token("rec", false, true),
                     "protocol=16&auto_subscribe=0", false, subscriber::onSignal)) {
            publisher.attach(pub);
            subscriber.attach(sub);
            publisher.publish();

            await().atMost(DEADLINE).until(() -> pub.all(MessageCase.TRACK_PUBLISHED).size() == 2);
            List<String> cids = pub.all(MessageCase.TRACK_PUBLISHED).stream()
                    .map(r -> r.getTrackPublished().getCid()).toList();
            assertEquals(List.of("cam-1", "mic-1"), cids);
            await().atMost(DEADLINE).until(() -> !pub.all(MessageCase.ANSWER).isEmpty());
            assertEquals(1, pub.all(MessageCase.ANSWER).getFirst().getAnswer().getId(), "the answer echoes the offer id");

            await().atMost(DEADLINE).until(() -> publisherWithTracks(sub).isPresent());
            ParticipantInfo cam = publisherWithTracks(sub).orElseThrow();
            String video = cam.getTracksList().stream().filter(t -> t.getType() == LivekitModels.TrackType.VIDEO)
                    .findFirst().orElseThrow().getSid();
            String audio = cam.getTracksList().stream().filter(t -> t.getType() == LivekitModels.TrackType.AUDIO)
                    .findFirst().orElseThrow().getSid();
            sub.send(SignalRequest.newBuilder().setSubscription(LivekitRtc.UpdateSubscription.newBuilder()
                    .addTrackSids(video).addTrackSids(audio).setSubscribe(true)).build());

            await().atMost(DEADLINE).until(() -> subscriber.videoFrames.get() >= 30 && subscriber.audioCallbacks.get() >= 100);
            assertEquals(PublishingPeer.WIDTH, subscriber.lastWidth.get());
            assertEquals(0, subscriber.outOfOrder.get(), "relayed frame numbers increase");
            assertTrue(subscriber.undecodable.get() <= 2, subscriber.undecodable.get() + " undecodable frames");

            // The server announces the publisher's layers sorted by quality; the double scales the one stream it
            // receives to the chosen layer's size (it does not receive simulcast).
            LivekitModels.TrackInfo camera = cam.getTracksList().stream().filter(t -> t.getSid().equals(video))
                    .findFirst().orElseThrow();
            assertEquals(List.of(LivekitModels.VideoQuality.LOW, LivekitModels.VideoQuality.MEDIUM),
                    camera.getLayersList().stream().map(LivekitModels.VideoLayer::getQuality).toList());
            assertTrue(camera.getSimulcast());
            sub.send(SignalRequest.newBuilder().setTrackSetting(LivekitRtc.UpdateTrackSettings.newBuilder()
                    .addTrackSids(video).setQuality(LivekitModels.VideoQuality.LOW)).build());
            await().atMost(DEADLINE).until(() -> subscriber.lastWidth.get() == 160 && subscriber.lastHeight.get() == 120);

            pub.send(SignalRequest.newBuilder().setLeave(LivekitRtc.LeaveRequest.newBuilder()
                    .setReason(LivekitModels.DisconnectReason.CLIENT_INITIATED)).build());
            await().atMost(DEADLINE).until(() -> sub.all(MessageCase.UPDATE).stream()
                    .flatMap(u -> u.getUpdate().getParticipantsList().stream())
                    .anyMatch(p -> p.getIdentity().equals("cam") && p.getState() == ParticipantInfo.State.DISCONNECTED));
        }
        server.deleteRoom("mint-relay");
    }
}
