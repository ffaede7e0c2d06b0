package dev.mintrecorder.devstack.conformance;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mintrecorder.devstack.room.JoinGrant;
import dev.mintrecorder.devstack.room.RoomServer;
import dev.mintrecorder.devstack.room.RoomServerOptions;
import dev.mintrecorder.devstack.room.SyntheticPublisherSpec;
import dev.mintrecorder.devstack.room.TokenVerifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import livekit.LivekitRtc.SignalRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * LiveKit's official SDK ({@code @livekit/rtc-node} 1.1.0, Rust core; {@code infra/conformance}) against the
 * devstack's room server: a peer no one here wrote. Node runs as a child process in the test's network namespace.
 */
class OfficialSdkIT {
    private static RoomServer server;
    private static TokenVerifier tokens;
    private final List<NodeScript> scripts = new ArrayList<>();

    @BeforeAll
    static void start() {
        Assumptions.assumeTrue(NodeScript.project().isPresent(), NodeScript.missingReason());
        // Rooms are made by the tests; unknown ones answer 404 as livekit-server with room.auto_create off does.
        server = RoomServer.start(RoomServerOptions.defaults().withTraceSignals(true).withCreateRoomsOnJoin(false));
        tokens = new TokenVerifier(server.apiKey(), server.apiSecret());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @AfterEach
    void stopScripts() {
        scripts.forEach(NodeScript::close);
    }

    static String token(TokenVerifier signer, String room, String identity, boolean canPublish) {
        return signer.reissue(new JoinGrant(identity, identity, "", room, true, canPublish, true, canPublish, false,
                false), Duration.ofMinutes(10));
    }

    private NodeScript node(String script, String... args) {
        NodeScript s = NodeScript.start(script, List.of(args));
        scripts.add(s);
        return s;
    }

    private NodeScript subscriber(String room, String identity, String target, boolean hold) {
        return node("subscribe.mjs", "--url", server.url(), "--token", token(tokens, room, identity, false),
                "--target", target, "--hold", String.valueOf(hold));
    }

    private static long stat(NodeScript s, String field) {
        return s.last("stats").map(l -> l.path(field).asLong()).orElse(0L);
    }

    /** Issue test 2: with auto-subscribe off nothing flows until the SDK subscribes; then 320×240 at ~15 fps. */
    @Test
    void officialSubscriberGetsSyntheticPublisherOnlyOnceSubscribed() {
        String room = "sdk-sub";
        server.createRoom(room, SyntheticPublisherSpec.small("streamer"));
        NodeScript sub = subscriber(room, "sdk-viewer", "streamer", true);
        await().atMost(Duration.ofSeconds(30)).until(() -> sub.first("connected").isPresent()
                || sub.first("error").isPresent());
        JsonNode connected = sub.first("connected").orElseThrow(() -> new AssertionError(sub.lines()));
        assertTrue(connected.path("participants").toString().contains("streamer"), connected.toString());

        // Nothing is subscribed or decoded while the SDK holds (3 s of stats lines, each reporting zero frames).
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() ->
                sub.first("trackSubscribed").isEmpty() && stat(sub, "videoFrames") == 0 && stat(sub, "audioFrames") == 0);
        assertTrue(server.signalTrace(room, "sdk-viewer").stream()
                .noneMatch(r -> r.getMessageCase() == SignalRequest.MessageCase.SUBSCRIPTION));

        sub.tell("subscribe");
        await().atMost(Duration.ofSeconds(30)).until(() -> stat(sub, "videoFrames") >= 15);
        JsonNode before = sub.last("stats").orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                sub.last("stats").orElseThrow().path("t").asLong() - before.path("t").asLong() >= 4_000);
        JsonNode after = sub.last("stats").orElseThrow();
        double fps = (after.path("videoFrames").asLong() - before.path("videoFrames").asLong()) * 1000.0
                / (after.path("t").asLong() - before.path("t").asLong());
        assertEquals(320, after.path("width").asInt(), after.toString());
        assertEquals(240, after.path("height").asInt(), after.toString());
        assertTrue(fps > 11 && fps < 19, "video rate " + fps + " fps, expected about 15: " + after);
        assertTrue(after.path("audioFrames").asLong() > 0, "no audio: " + after);
        assertTrue(after.path("decoded").asLong() > 0, "no frame number decoded: " + after);
        assertEquals(0, after.path("outOfOrder").asLong(), after.toString());
        assertEquals(List.of(), sub.sdkComplaints(), "the SDK found nothing to complain about");
        assertEquals(2, server.signalTrace(room, "sdk-viewer").stream()
                .filter(r -> r.getMessageCase() == SignalRequest.MessageCase.SUBSCRIPTION)
                .mapToInt(r -> r.getSubscription().getTrackSidsCount()).sum());
    }

    /** Issue test 3a: a token signed with another secret: the SDK's connect fails with the 401 that validate gives. */
    @Test
    void badTokenIsRefusedAsLiveKitDoes() {
        String room = "sdk-badtoken";
        server.createRoom(room, null);
        TokenVerifier stranger = new TokenVerifier(server.apiKey(), "another-secret-of-at-least-32-characters!!");
        NodeScript sub = node("subscribe.mjs", "--url", server.url(), "--token", token(stranger, room, "intruder", false),
                "--target", "streamer");
        JsonNode error = connectError(sub);
        assertTrue(error.path("message").asText().contains("401"), error.toString());
        assertTrue(server.participants(room).isEmpty());
    }

    /** Issue test 3b: a room that does not exist (auto-create is off here): 404 through validate. */
    @Test
    void unknownRoomIsRefusedAsLiveKitDoes() {
        NodeScript sub = node("subscribe.mjs", "--url", server.url(), "--token", token(tokens, "no-such-room", "lost", false),
                "--target", "streamer");
        JsonNode error = connectError(sub);
        assertTrue(error.path("message").asText().contains("404"), error.toString());
    }

    private static JsonNode connectError(NodeScript sub) {
        await().atMost(Duration.ofSeconds(60)).until(() -> sub.first("error").isPresent() || sub.first("connected").isPresent());
        JsonNode error = sub.first("error").orElseThrow(() -> new AssertionError("connected: " + sub.lines()));
        assertEquals("connect", error.path("phase").asText(), error.toString());
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.exitCode().isPresent());
        assertEquals(3, sub.exitCode().orElseThrow());
        return error;
    }

    /**
     * Issue test 3c: the official SDK publishes (AddTrackRequest → offer → answer), the room server relays, and an
     * official subscriber decodes the frame numbers in order at the published size.
     */
    @Test
    void officialPublisherIsRelayedToOfficialSubscriber() {
        String room = "sdk-relay";
        server.createRoom(room, null);
        NodeScript pub = node("publish.mjs", "--url", server.url(), "--token", token(tokens, room, "sdk-cam", true),
                "--width", "320", "--height", "240", "--fps", "15");
        await().atMost(Duration.ofSeconds(30)).until(() -> pub.events("published").size() == 2 || pub.first("error").isPresent());
        assertTrue(pub.first("error").isEmpty(), pub.lines().toString());

        NodeScript sub = subscriber(room, "sdk-viewer", "sdk-cam", false);
        await().atMost(Duration.ofSeconds(40)).until(() -> stat(sub, "decoded") >= 45);
        JsonNode stats = sub.last("stats").orElseThrow();
        assertEquals(320, stats.path("width").asInt(), stats.toString());
        assertEquals(240, stats.path("height").asInt(), stats.toString());
        assertEquals(0, stats.path("outOfOrder").asLong(), stats.toString());
        assertTrue(stats.path("audioFrames").asLong() > 0, stats.toString());

        assertEquals(List.of(), sub.sdkComplaints(), "the subscribing SDK found nothing to complain about");
        assertEquals(List.of(), pub.sdkComplaints(), "the publishing SDK found nothing to complain about");
        pub.close();
        assertEquals(0, pub.exitCode().orElseThrow());
        long published = pub.first("stopped").orElseThrow(() -> new AssertionError(pub.lines())).path("frames").asLong();
        assertTrue(stats.path("lastNumber").asLong() < published, stats + " vs published " + published);
        await().atMost(Duration.ofSeconds(10)).until(() -> !server.participants(room).contains("sdk-cam"));
    }
}
