package dev.mintrecorder.worker.conformance;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.TextFormat;
import dev.mintrecorder.devstack.conformance.NodeScript;
import dev.mintrecorder.devstack.room.RoomServer;
import dev.mintrecorder.devstack.room.RoomServerOptions;
import dev.mintrecorder.devstack.room.SyntheticPublisherSpec;
import dev.mintrecorder.worker.media.FrameQueues;
import dev.mintrecorder.worker.room.JoinToken;
import dev.mintrecorder.worker.room.RoomClient;
import dev.mintrecorder.worker.room.RoomConfig;
import dev.mintrecorder.worker.room.RoomEvent;
import dev.mintrecorder.worker.room.RoomListener;
import dev.mintrecorder.worker.room.RoomRequest;
import dev.mintrecorder.worker.room.RoomSession;
import dev.mintrecorder.worker.room.RoomState;
import dev.mintrecorder.worker.room.LayerCap;
import dev.mintrecorder.worker.room.WebRtcRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.stream.Collectors;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalRequest.MessageCase;
import livekit.LivekitRtc.UpdateTrackSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 9, test 4: the worker's {@link RoomClient} and LiveKit's official SDK ({@code subscribe.mjs}, rtc-node 1.1.0)
 * do the same task in the same room: join with auto-subscribe off and the recorder's grant (hidden,
 * subscribe-only), subscribe to the target's two tracks, cap the video at the same size. The room server logs every
 * SignalRequest each sends. The two sequences are reduced to facets (what was subscribed, the cap, which messages,
 * in which order); each facet must be equal, or be one of the {@link #INTENDED} differences, which pin both sides'
 * values and say why. Any other difference fails.
 */
class DifferentialTraceIT {
    private static final Logger log = LoggerFactory.getLogger(DifferentialTraceIT.class);
    private static RoomServer server;
    private static WebRtcRuntime runtime;
    private static RoomClient client;
    private static RoomConfig config;

    /** A difference we mean: the check holds for (worker value, SDK value), and the reason. */
    record Intended(BiPredicate<Object, Object> check, String reason) {
    }

    static final Map<String, Intended> INTENDED = Map.ofEntries(
            Map.entry("kinds", new Intended((w, s) -> w.equals(plus(s, "PING")),
                    "the worker sends the older `ping` beside `ping_req` each interval, as docs/design.md "
                            + "('Room client') prescribes (livekit-server answers both: pong and pong_resp); the SDK "
                            + "sends `ping_req` only")),
            Map.entry("subscriptionRequests", new Intended((w, s) -> w.equals(List.of(2)) && s.equals(List.of(1, 1)),
                    "the worker subscribes to camera and microphone in one UpdateSubscription; the SDK sends one per "
                            + "publication (setSubscribed is per track). Same tracks in the end (facet `subscribed`)")),
            Map.entry("participantTracks", new Intended((w, s) -> w.equals(false) && s.equals(true),
                    "the SDK also fills UpdateSubscription.participant_tracks (newer servers route by participant); "
                            + "livekit-server reads track_sids as well, which both fill")),
            Map.entry("videoFps", new Intended((w, s) -> w.equals(15) && s.equals(0),
                    "the worker caps the frame rate too (LayerCap.fps); the SDK's set-video-dimensions request "
                            + "has no fps field")),
            Map.entry("trackSettingsPerAnswer", new Intended((w, s) -> w.equals(true) && s.equals(false),
                    "the worker re-sends its (idempotent) cap after every subscriber answer once the camera is "
                            + "subscribed, so a renegotiation or resume cannot leave it uncapped; the SDK sends it once")),
            Map.entry("subscribeBeforeFirstAnswer", new Intended((w, s) -> w.equals(true) && s.equals(false),
                    "the worker subscribes as soon as the JoinResponse lists the target's tracks, before answering "
                            + "the initial data-channel offer (saves a round trip; livekit-server accepts "
                            + "UpdateSubscription any time after join); the SDK's subscribe call comes after connect()")),
            Map.entry("answers", new Intended((w, s) -> (Integer) s == (Integer) w + 1,
                    "the SDK's two subscription requests cause two renegotiations, the worker's one request one: "
                            + "one more subscriber answer from the SDK")),
            Map.entry("answerIds", new Intended((w, s) -> w.equals("echoed, increasing") && s.equals("all zero"),
                    "the worker echoes the offer's SessionDescription.id (docs/design.md, 'Room client': so a "
                            + "stale answer can be told apart); rtc-node 1.1.0's Rust core leaves it 0, which "
                            + "livekit-server and the room server read as 'no id' and accept")),
            Map.entry("pingReqRtt", new Intended((w, s) -> w.equals(false),
                    "the SDK reports its measured RTT in ping_req once it has one (not in every run: it depends on "
                            + "when the pong arrives); the worker never does (livekit-server uses it only for "
                            + "connection-quality statistics)")));

    @BeforeAll
    static void start() {
        Assumptions.assumeTrue(NodeScript.project().isPresent(), NodeScript.missingReason());
        server = RoomServer.start(RoomServerOptions.defaults().withTraceSignals(true));
        runtime = WebRtcRuntime.start();
        config = RoomConfig.from(Map.of()).withServer(server.url(), server.apiKey(), server.apiSecret());
        client = new RoomClient(config, runtime, new SimpleMeterRegistry());
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

    @Test
    void workerAndOfficialSdkSendTheSameRequestsForTheSameTask() {
        String room = "diff-" + UUID.randomUUID().toString().substring(0, 8);
        server.createRoom(room, SyntheticPublisherSpec.small("streamer"));
        LayerCap cap = new LayerCap(240, 15);
        RoomRequest request = new RoomRequest(room, "streamer", cap, "MintDiff", UUID.randomUUID().toString());
        String sdkIdentity = "sdk-recorder";
        // The SDK joins with the worker's own grant: hidden, recorder, subscribe-only.
        String token = JoinToken.create(server.apiKey(), server.apiSecret(), room, sdkIdentity, Duration.ofMinutes(10));
        List<RoomEvent> events = new CopyOnWriteArrayList<>();
        List<SignalRequest> worker;
        List<SignalRequest> sdk;
        try (FrameQueues queues = FrameQueues.create(room, config.videoQueue(), config.audioQueue());
             RoomSession session = client.open(request, queues, events::add);
             NodeScript official = NodeScript.start("subscribe.mjs", List.of("--url", server.url(), "--token", token,
                     "--target", "streamer", "--maxWidth", String.valueOf(cap.maxWidth()),
                     "--maxHeight", String.valueOf(cap.maxHeight())))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> session.state() == RoomState.SUBSCRIBED
                    && official.last("stats").map(s -> s.path("videoFrames").asLong() > 15).orElse(false));
            // Past one ping interval (5 s) for both, so the keep-alive is in the traces: the worker's first ping
            // comes after one interval; the SDK pings at once on join, then each interval (with its measured RTT).
            await().atMost(Duration.ofSeconds(15)).until(() -> pings(server.signalTrace(room, request.recorderIdentity())) >= 1
                    && pings(server.signalTrace(room, sdkIdentity)) >= 2);
            worker = server.signalTrace(room, request.recorderIdentity());
            sdk = server.signalTrace(room, sdkIdentity);
        }
        log("worker", worker);
        log("official SDK", sdk);

        RoomEvent.TracksSubscribed target = events.stream().filter(RoomEvent.TracksSubscribed.class::isInstance)
                .map(RoomEvent.TracksSubscribed.class::cast).findFirst().orElseThrow();
        Map<String, Object> w = facets(worker, target.videoSid());
        Map<String, Object> s = facets(sdk, target.videoSid());
        assertEquals(new TreeSet<>(Set.of(target.videoSid(), target.audioSid())), w.get("subscribed"),
                "the worker subscribed to exactly the target's tracks");

        List<String> problems = new ArrayList<>();
        for (String facet : w.keySet()) {
            Object wv = w.get(facet);
            Object sv = s.get(facet);
            Intended intended = INTENDED.get(facet);
            if (intended == null && !wv.equals(sv)) {
                problems.add("unintended difference in " + facet + ": worker " + wv + ", SDK " + sv);
            } else if (intended != null && !intended.check().test(wv, sv)) {
                problems.add("the intended difference in " + facet + " changed (" + intended.reason() + "): worker "
                        + wv + ", SDK " + sv);
            } else if (intended != null) {
                log.info("intended difference {}: worker {}, SDK {}: {}", facet, wv, sv, intended.reason());
            }
        }
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems));
        }
    }

    private static long pings(List<SignalRequest> trace) {
        return trace.stream().filter(r -> r.getMessageCase() == MessageCase.PING_REQ).count();
    }

    /** What both clients must agree on (or differ in only as INTENDED), from one trace. */
    static Map<String, Object> facets(List<SignalRequest> trace, String videoSid) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("kinds", trace.stream().map(r -> r.getMessageCase().name()).collect(Collectors.toCollection(TreeSet::new)));
        List<SignalRequest> subs = of(trace, MessageCase.SUBSCRIPTION);
        f.put("subscribed", subs.stream().filter(r -> r.getSubscription().getSubscribe())
                .flatMap(r -> r.getSubscription().getTrackSidsList().stream()).collect(Collectors.toCollection(TreeSet::new)));
        f.put("unsubscribes", subs.stream().filter(r -> !r.getSubscription().getSubscribe()).count());
        f.put("subscriptionRequests", subs.stream().map(r -> r.getSubscription().getTrackSidsCount()).toList());
        f.put("participantTracks", subs.stream().anyMatch(r -> r.getSubscription().getParticipantTracksCount() > 0));
        List<UpdateTrackSettings> settings = of(trace, MessageCase.TRACK_SETTING).stream()
                .map(SignalRequest::getTrackSetting).toList();
        f.put("settingsTracks", settings.stream().flatMap(t -> t.getTrackSidsList().stream())
                .map(sid -> sid.equals(videoSid) ? "video" : "other:" + sid).collect(Collectors.toCollection(TreeSet::new)));
        UpdateTrackSettings last = settings.isEmpty() ? UpdateTrackSettings.getDefaultInstance() : settings.getLast();
        f.put("videoSize", last.getWidth() + "x" + last.getHeight());
        f.put("videoQuality", last.getQuality().name());
        f.put("videoDisabled", last.getDisabled());
        f.put("videoFps", last.getFps());
        f.put("videoPriority", last.getPriority());
        f.put("settingsBeforeSubscription", firstIndex(trace, MessageCase.TRACK_SETTING) < firstIndex(trace, MessageCase.SUBSCRIPTION));
        f.put("trackSettingsPerAnswer", settingsAfterEveryAnswer(trace));
        f.put("subscribeBeforeFirstAnswer", firstIndex(trace, MessageCase.SUBSCRIPTION) < firstIndex(trace, MessageCase.ANSWER));
        List<SignalRequest> answers = of(trace, MessageCase.ANSWER);
        f.put("answers", answers.size());
        f.put("answerType", answers.stream().map(r -> r.getAnswer().getType()).collect(Collectors.toCollection(TreeSet::new)));
        List<Integer> ids = answers.stream().map(r -> r.getAnswer().getId()).toList();
        f.put("answerIds", ids.stream().allMatch(id -> id == 0) ? "all zero"
                : ids.stream().allMatch(id -> id > 0) && increasing(ids) ? "echoed, increasing" : "inconsistent " + ids);
        f.put("trickleTargets", of(trace, MessageCase.TRICKLE).stream().map(r -> r.getTrickle().getTarget().name())
                .collect(Collectors.toCollection(TreeSet::new)));
        f.put("trickleFinal", of(trace, MessageCase.TRICKLE).stream().anyMatch(r -> r.getTrickle().getFinal()));
        f.put("pingReqRtt", of(trace, MessageCase.PING_REQ).stream().anyMatch(r -> r.getPingReq().getRtt() > 0));
        return f;
    }

    private static List<SignalRequest> of(List<SignalRequest> trace, MessageCase kind) {
        return trace.stream().filter(r -> r.getMessageCase() == kind).toList();
    }

    private static int firstIndex(List<SignalRequest> trace, MessageCase kind) {
        for (int i = 0; i < trace.size(); i++) {
            if (trace.get(i).getMessageCase() == kind) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    /** Every answer after the first cap is followed by another cap before the next answer (or the end). */
    private static boolean settingsAfterEveryAnswer(List<SignalRequest> trace) {
        int first = firstIndex(trace, MessageCase.TRACK_SETTING);
        List<MessageCase> kinds = trace.stream().map(SignalRequest::getMessageCase)
                .filter(k -> k == MessageCase.ANSWER || k == MessageCase.TRACK_SETTING).toList();
        long answersAfter = trace.subList(Math.min(first, trace.size()), trace.size()).stream()
                .filter(r -> r.getMessageCase() == MessageCase.ANSWER).count();
        if (answersAfter == 0) {
            return false;
        }
        for (int i = 0; i < kinds.size(); i++) {
            if (kinds.get(i) == MessageCase.ANSWER && i > 0 && kinds.subList(0, i).contains(MessageCase.TRACK_SETTING)
                    && (i + 1 >= kinds.size() || kinds.get(i + 1) != MessageCase.TRACK_SETTING)) {
                return false;
            }
        }
        return true;
    }

    private static boolean increasing(List<Integer> ids) {
        for (int i = 1; i < ids.size(); i++) {
            if (ids.get(i) <= ids.get(i - 1)) {
                return false;
            }
        }
        return true;
    }

    private static Set<String> plus(Object set, String extra) {
        @SuppressWarnings("unchecked")
        Set<String> copy = new TreeSet<>((Set<String>) set);
        copy.add(extra);
        return copy;
    }

    private static void log(String who, List<SignalRequest> trace) {
        Function<SignalRequest, String> line = r -> {
            SignalRequest shown = r.hasAnswer()
                    ? r.toBuilder().setAnswer(r.getAnswer().toBuilder().setSdp("<" + r.getAnswer().getSdp().length() + " chars>")).build()
                    : r;
            return TextFormat.printer().emittingSingleLine(true).printToString(shown);
        };
        log.info("{} sent {} requests:\n  {}", who, trace.size(),
                trace.stream().map(line).collect(Collectors.joining("\n  ")));
    }
}
