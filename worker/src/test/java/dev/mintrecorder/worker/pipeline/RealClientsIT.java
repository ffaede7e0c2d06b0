package dev.mintrecorder.worker.pipeline;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.S3Keys;
import dev.mintrecorder.contracts.StartOptions;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.devstack.Mints;
import dev.mintrecorder.devstack.conformance.NodeScript;
import dev.mintrecorder.devstack.player.RecordingPlayer;
import dev.mintrecorder.devstack.media.VideoSent;
import dev.mintrecorder.devstack.room.JoinGrant;
import dev.mintrecorder.devstack.room.TokenVerifier;
import dev.mintrecorder.worker.media.Probe;
import dev.mintrecorder.worker.storage.Manifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 9 with real clients no one here wrote: LiveKit's official SDK publishes and the worker records it end to end
 * (test 1), LiveKit's browser SDK publishes from Chromium with simulcast on and off and is recorded at the camera's
 * size, and recordings play in Chromium through hls.js, finished and live. The Node side is {@code
 * infra/conformance} ({@code scripts/setup} installs it and Debian's chromium).
 */
@ExtendWith(RealClientsIT.NodeAndChromium.class)
class RealClientsIT {
    private static final Logger log = LoggerFactory.getLogger(RealClientsIT.class);
    private static final int WIDTH = 320;
    private static final int HEIGHT = 240;
    private static final int FPS = 15;
    /**
     * Not the goal (40 ms): on this path the devstack's relay decodes the audio through its own NetEq (no PlayoutLag)
     * and re-sends it 38-67 ms behind the video (measured per mark at the relay's sinks, 2026-12-06), which a real
     * livekit-server, forwarding RTP, does not. Three runs at load averages of 7-13 measured 23-49, 65-184 and
     * 20-67 ms (audio late), the 184 at a first mark, two at 1-3 7-38 and 25-49 ms; another at load 5-7 had marks
     * of 100-317 ms. So the guard is on the median mark, not every one: a click left in the SDK's queue (0.95-1.13 s
     * late) still fails, through it or through "sync marks found".
     */
    private static final long AV_GUARD_MS = 250;

    @RegisterExtension
    static final PipelineStack stack = new PipelineStack(Map.of());
    private static RecordingPlayer player;

    @BeforeAll
    static void start() {
        stack.engine();
        player = RecordingPlayer.start(NodeScript.project().orElseThrow(), stack.devstack.s3());
    }

    @AfterAll
    static void stop() {
        if (player != null) {
            player.close();
        }
    }

    /** Skips the class, before its devstack starts, where the Node project or Chromium is missing. */
    static final class NodeAndChromium implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (NodeScript.project().isEmpty()) {
                return ConditionEvaluationResult.disabled(NodeScript.missingReason());
            }
            if (!Files.isExecutable(Path.of("/usr/bin/chromium"))) {
                return ConditionEvaluationResult.disabled("Debian's chromium is not installed: run scripts/setup");
            }
            return ConditionEvaluationResult.enabled("node, the conformance project and chromium are here");
        }
    }

    /**
     * Test 1: the official SDK publishes 320×240 at 15 fps; a 20 s job records it. The playlist ends, decodes cleanly,
     * and the frame numbers read back from the segments are in order with no gap beyond the drops the manifest counts.
     * Then Chromium plays the finished recording.
     */
    @Test
    void officialSdkPublisherIsRecordedEndToEndAndPlaysInChromium(@TempDir Path dir) throws Exception {
        String room = "sdk-pub-" + UUID.randomUUID().toString().substring(0, 8);
        stack.devstack.rooms().createRoom(room, null);
        TokenVerifier signer = new TokenVerifier(stack.devstack.rooms().apiKey(), stack.devstack.rooms().apiSecret());
        String token = signer.reissue(new JoinGrant("sdk-cam", "sdk-cam", "", room, true, true, true, true, false, false),
                Duration.ofMinutes(10));
        Manifest manifest;
        List<Long> numbers;
        String mint = Mints.random();
        UUID job;
        JsonNode encoder;
        String flashes;
        try (NodeScript publisher = NodeScript.start("publish.mjs", List.of("--url", stack.devstack.rooms().url(),
                "--token", token, "--width", String.valueOf(WIDTH), "--height", String.valueOf(HEIGHT),
                "--fps", String.valueOf(FPS)))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> publisher.events("published").size() == 2
                    || publisher.first("error").isPresent());
            assertTrue(publisher.first("error").isEmpty(), publisher.lines().toString());
            job = stack.jobs.start(mint, StartOptions.DEFAULTS.withRoom(room).withTarget("sdk-cam")
                    .withMaxDurationS(20).withSegmentS(4));
            await().atMost(Duration.ofSeconds(90)).until(() -> stack.status.end(job).isPresent());
            publisher.close();
            JsonNode publisherStopped = publisher.first("stopped").orElseThrow(() -> new AssertionError(publisher.lines()));
            encoder = publisherStopped.path("encoder");
            flashes = publisherStopped.path("flashFrames").toString();
        }
        StatusEvent.Stopped stopped = assertInstanceOf(StatusEvent.Stopped.class, stack.status.end(job).orElseThrow());
        assertEquals("max_duration", stopped.reason());

        stack.download(S3Keys.jobPrefix(MintId.of(mint), job), dir);
        manifest = Manifest.fromJson(Files.readAllBytes(dir.resolve("manifest.json")));
        assertTrue(manifest.ended());
        assertTrue(Files.readString(dir.resolve("index.m3u8")).endsWith("#EXT-X-ENDLIST\n"));
        assertEquals("", Probe.decodeErrors(dir.resolve("index.m3u8")), "the playlist decodes cleanly");
        numbers = Probe.frameNumbers(manifest.segments().stream()
                .map(s -> dir.resolve(s.key().substring(s.key().lastIndexOf('/') + 1))).toList(), WIDTH, HEIGHT);
        long missing = Probe.missing(numbers);
        // Frames libwebrtc took from the SDK's video source but never encoded are gaps the publisher made.
        long publisherSkipped = Math.max(0, encoder.path("sourceFrames").asLong() - encoder.path("framesEncoded").asLong());
        // The devstack relays the track by decoding and re-encoding it for the recorder (livekit-server forwards
        // RTP); that encoder's skips are gaps too. Reported when the recorder's connection closes.
        List<VideoSent> relay = stack.videoSentToRecorder(room, job);
        long relaySkipped = relay.stream().mapToLong(VideoSent::skipped).sum();
        log.info("official SDK recording: {} segments, {} s, {} frames decoded ({}..{}), {} missing {}, {} dropped by "
                        + "the worker, {} skipped by the publisher's encoder ({}), {} by the relay's ({}); flash frames {}",
                manifest.segments().size(), manifest.totalSeconds(), numbers.size(), numbers.getFirst(),
                numbers.getLast(), missing, gaps(numbers), manifest.droppedFrames(), publisherSkipped, encoder,
                relaySkipped, relay, flashes);
        assertTrue(numbers.size() >= manifest.totalSeconds() * FPS * 0.9, "about 15 fps of numbered frames: " + numbers.size());
        for (int i = 1; i < numbers.size(); i++) {
            assertTrue(numbers.get(i) >= numbers.get(i - 1), "frame numbers in order at " + i + ": " + numbers.get(i - 1)
                    + " then " + numbers.get(i));
        }
        assertTrue(missing >= manifest.droppedFrames()
                        && missing <= manifest.droppedFrames() + publisherSkipped + relaySkipped,
                "frames missing from the recording (" + missing + ": " + gaps(numbers) + ") are the worker's counted "
                        + "drops (" + manifest.droppedFrames() + "), plus at most the frames the publisher never encoded ("
                        + publisherSkipped + ") and those the devstack's relay never encoded (" + relaySkipped + ": "
                        + relay + "); the publisher's flash frames: " + flashes);

        // Issue 19: A/V sync through the official SDK, from publish.mjs's flash and click marks; the goal (40 ms) is
        // reported: the relay's share (AV_GUARD_MS) is the devstack's, not the worker's.
        List<Double> offsets = new ArrayList<>();
        for (Manifest.Segment s : manifest.segments()) {
            offsets.addAll(Probe.syncOffsets(dir.resolve(s.key().substring(s.key().lastIndexOf('/') + 1))));
        }
        List<Long> offsetsMs = offsets.stream().map(o -> Math.round(o * 1000)).toList();
        log.info("official SDK recording: A/V offsets in ms (positive: audio late): {}", offsetsMs);
        assertTrue(offsets.size() >= 3, "sync marks found in the recording: " + offsetsMs);
        long median = offsetsMs.stream().sorted().toList().get(offsetsMs.size() / 2);
        assertTrue(Math.abs(median) <= AV_GUARD_MS, "A/V offsets " + offsetsMs + " ms, median " + median);

        JsonNode result = play(S3Keys.playlist(MintId.of(mint), job), 7, Duration.ofSeconds(30), "browser-finished.png");
        assertEquals(true, result.path("playlistEnded").asBoolean(), result.toString());
        assertTrue(result.path("endTime").asDouble() - result.path("startTime").asDouble() >= 5.0,
                "played at least 5 s: " + result);
        long frame = result.path("frameNumber").asLong(-1);
        assertTrue(frame >= numbers.getFirst() && frame <= numbers.getLast(),
                "grabbed frame " + frame + " is inside the recording's " + numbers.getFirst() + ".." + numbers.getLast());
    }

    /**
     * Issue 17: livekit-client 2.23.0 in Chromium (fake camera, default RoomOptions) publishes 640×480 with simulcast
     * on (livekit-client's default layers: 240×180 and 640×480, rids q and h) or off, and the job (default cap 720p)
     * records 640×480: the server's rule picks the top layer, which the relay now receives. Before, the relay's answer
     * had no {@code a=simulcast}, Chrome sent only its first encoding, and the recording was 240×180.
     */
    @ParameterizedTest(name = "simulcast {0}")
    @ValueSource(booleans = {true, false})
    void browserSdkPublisherIsRecordedAtTheCameraSize(boolean simulcast, @TempDir Path dir) throws Exception {
        int width = 640;
        int height = 480;
        String room = "browser-" + UUID.randomUUID().toString().substring(0, 8);
        TokenVerifier signer = new TokenVerifier(stack.devstack.rooms().apiKey(), stack.devstack.rooms().apiSecret());
        String token = signer.reissue(new JoinGrant("browser-cam", "browser-cam", "", room, true, true, true, true, false,
                false), Duration.ofMinutes(10));
        String mint = Mints.random();
        UUID job;
        JsonNode published;
        List<JsonNode> sent;
        try (NodeScript browser = NodeScript.start("browser-publish.mjs", List.of("--url", stack.devstack.rooms().url(),
                "--token", token, "--width", String.valueOf(width), "--height", String.valueOf(height), "--fps", "15",
                "--simulcast", String.valueOf(simulcast)))) {
            await().atMost(Duration.ofSeconds(40)).until(() -> browser.first("published").isPresent()
                    || browser.first("error").isPresent());
            published = browser.first("published").orElseThrow(() -> new AssertionError(browser.lines().toString()));
            job = stack.jobs.start(mint, StartOptions.DEFAULTS.withRoom(room).withTarget("browser-cam")
                    .withMaxDurationS(10).withSegmentS(2));
            await().atMost(Duration.ofSeconds(60)).until(() -> stack.status.end(job).isPresent());
            sent = browser.events("stats");
        }
        log.info("browser publisher (simulcast {}): {}; last stats {}", simulcast, published,
                sent.isEmpty() ? "none" : sent.getLast());
        // The track's layers as the server announced them (TrackPublishedResponse): livekit-client's, at their sizes.
        List<String> layers = new ArrayList<>();
        published.path("layers").forEach(l -> layers.add(l.path("width").asInt() + "x" + l.path("height").asInt()));
        assertEquals(simulcast ? List.of("240x180", "640x480") : List.of("640x480"), layers, published.toString());
        assertEquals(1, published.path("encodings").size(), "the relay accepts one encoding: " + published);
        if (simulcast) {
            assertEquals("h", published.path("encodings").get(0).path("rid").asText(), "the top layer: " + published);
        }
        StatusEvent.Stopped stopped = assertInstanceOf(StatusEvent.Stopped.class, stack.status.end(job).orElseThrow());
        assertEquals("max_duration", stopped.reason());

        stack.download(S3Keys.jobPrefix(MintId.of(mint), job), dir);
        Manifest manifest = Manifest.fromJson(Files.readAllBytes(dir.resolve("manifest.json")));
        assertTrue(manifest.ended());
        assertEquals("", Probe.decodeErrors(dir.resolve("index.m3u8")), "the playlist decodes cleanly");
        assertTrue(manifest.totalSeconds() >= 4, "recorded at least 4 s: " + manifest.totalSeconds());
        for (Manifest.Segment segment : manifest.segments()) {
            Probe.Result probe = Probe.probe(dir.resolve(segment.key().substring(segment.key().lastIndexOf('/') + 1)));
            assertEquals(width + "x" + height, probe.width() + "x" + probe.height(), "segment " + segment.key());
        }
    }

    /**
     * A live recording (EVENT playlist, no ENDLIST yet) starts playing within two segment durations of opening the
     * page, and keeps advancing.
     */
    @Test
    void aLiveRecordingStartsPlayingWithinTwoSegments() {
        int segmentS = 2;
        String room = "live-" + UUID.randomUUID().toString().substring(0, 8);
        stack.room(room, "streamer");
        String mint = Mints.random();
        UUID job = stack.jobs.start(mint, StartOptions.DEFAULTS.withRoom(room).withTarget("streamer")
                .withMaxDurationS(600).withSegmentS(segmentS));
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> stack.status.of(job, StatusEvent.Segment.class).size() >= 1);
            JsonNode result = play(S3Keys.playlist(MintId.of(mint), job), 3, Duration.ofSeconds(2L * segmentS),
                    "browser-live.png");
            assertEquals(false, result.path("playlistEnded").asBoolean(), "the playlist was live: " + result);
            assertTrue(result.path("startupMs").asLong() <= 2_000L * segmentS, "started within two segments: " + result);
            assertTrue(result.path("endTime").asDouble() > result.path("startTime").asDouble(), result.toString());
            assertTrue(result.path("frameNumber").asLong(-1) >= 0, "a frame number reads back from the canvas: " + result);
        } finally {
            stack.jobs.stop(mint, job, "test done");
            await().atMost(Duration.ofSeconds(60)).until(() -> stack.status.end(job).isPresent());
        }
    }

    /** The frame numbers missing between consecutive decoded ones, as "from..to" spans. */
    private static List<String> gaps(List<Long> numbers) {
        List<String> gaps = new ArrayList<>();
        for (int i = 1; i < numbers.size(); i++) {
            if (numbers.get(i) - numbers.get(i - 1) > 1) {
                gaps.add((numbers.get(i - 1) + 1) + ".." + (numbers.get(i) - 1));
            }
        }
        return gaps;
    }

    /**
     * Plays {@code playlistKey} in Chromium for {@code seconds}; checks what every playback must show (no hls.js fatal
     * error, 320×240, a screenshot under target/) and returns browser.mjs's result line.
     */
    private static JsonNode play(String playlistKey, int seconds, Duration startTimeout, String screenshot) {
        Path shot = Path.of("target", screenshot).toAbsolutePath();
        try (NodeScript browser = NodeScript.start("browser.mjs", List.of("--page", player.pageFor(playlistKey).toString(),
                "--playSeconds", String.valueOf(seconds), "--startTimeoutMs", String.valueOf(startTimeout.toMillis()),
                "--screenshot", shot.toString()))) {
            await().atMost(Duration.ofSeconds(60 + seconds)).until(() -> browser.first("result").isPresent()
                    || browser.first("error").isPresent());
            JsonNode result = browser.first("result").orElseThrow(() -> new AssertionError(browser.lines().toString()));
            log.info("chromium: {}", result);
            assertEquals(0, result.path("fatal").size(), "no hls.js fatal error: " + result);
            assertEquals(WIDTH, result.path("width").asInt(), result.toString());
            assertEquals(HEIGHT, result.path("height").asInt(), result.toString());
            assertTrue(Files.isRegularFile(shot), "screenshot " + shot);
            return result;
        }
    }
}
