package dev.mintrecorder.worker.pipeline;

import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.contracts.S3Keys;
import dev.mintrecorder.contracts.StartOptions;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.devstack.Mints;
import dev.mintrecorder.devstack.media.VideoSent;
import dev.mintrecorder.devstack.room.SyntheticPublisherSpec;
import dev.mintrecorder.worker.events.EventPublisher;
import dev.mintrecorder.worker.events.JobEvents;
import dev.mintrecorder.worker.jobs.SessionContext;
import dev.mintrecorder.worker.jobs.SessionEnd;
import dev.mintrecorder.worker.media.Probe;
import dev.mintrecorder.worker.storage.Manifest;
import dev.mintrecorder.worker.storage.SegmentSpool;
import dev.mintrecorder.worker.storage.SpoolConfig;
import dev.mintrecorder.worker.storage.UploadConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole recording path on real infrastructure: a job on Kafka, the job engine and the pipeline in this JVM, a room
 * on the devstack's room server with a synthetic 320×240 publisher over WebRTC, segments streamed into S3Proxy. The
 * recording is then downloaded and checked with the ffprobe/ffmpeg binaries of the bytedeco jar, down to the frame
 * numbers painted by the publisher.
 */
class RecordingPipelineIT {
    private static final Logger log = LoggerFactory.getLogger(RecordingPipelineIT.class);
    private static final int WIDTH = 320;
    private static final int HEIGHT = 240;
    private static final int SEGMENT_S = 6;
    private static final int OUTAGE_WIDTH = 640;
    private static final int OUTAGE_HEIGHT = 360;
    private static final Duration OUTAGE = Duration.ofSeconds(60);
    /** 2 s segments recorded before the outage: the publisher's ramp-up at 640×360 (about 14 s) is over by then. */
    private static final int RAMP_UP_SEGMENTS = 9;
    /**
     * No mark further off than this. The goal is 40 ms; with the playout excess removed five runs measured -28 to 102 ms,
     * medians 3 to 66 ms (docs/design.md, "Measured facts"): the audio's least delay itself moves from run to run. Audio
     * stamped on arrival gave up to 185 ms, and 250-600 ms under heavy load.
     */
    private static final int AV_GUARD_MS = 150;
    private static final int SYNC_MINUTES = Integer.getInteger("sync.minutes", 0);
    @RegisterExtension
    static final PipelineStack stack = new PipelineStack(Map.of());

    @BeforeAll
    static void start() {
        stack.engine();
    }

    @Test
    void aJobRecordsThirtySecondsAndEndsAsAPlayableHlsRecording(@TempDir Path dir) throws Exception {
        String mint = Mints.random();
        stack.room("e2e", "streamer");
        UUID job = stack.jobs.start(mint, StartOptions.DEFAULTS.withRoom("e2e").withTarget("streamer")
                .withMaxDurationS(30).withSegmentS(SEGMENT_S));

        await().atMost(Duration.ofSeconds(90)).until(() -> stack.status.end(job).isPresent());
        StatusEvent.Stopped stopped = assertInstanceOf(StatusEvent.Stopped.class, stack.status.end(job).orElseThrow());
        assertEquals("max_duration", stopped.reason());
        assertEquals(StatusEvent.EndCode.MAX_DURATION, stopped.code());
        assertEquals(1, stack.status.terminal(job).size(), "exactly one terminal event");
        assertEquals(1, stack.status.of(job, StatusEvent.Joined.class).size());
        log.info("STOPPED event: {}", new String(Messages.encode(stopped), StandardCharsets.UTF_8));

        Manifest manifest = downloadAndCheck("e2e", mint, job, dir);
        assertAgrees(stopped.recording(), manifest, mint, job);
        List<StatusEvent.Segment> segmentEvents = stack.status.of(job, StatusEvent.Segment.class);
        assertEquals(manifest.segments().size(), segmentEvents.size(), "a SEGMENT event per uploaded segment");
        assertTrue(manifest.totalSeconds() >= 20, "most of the 30 s (less the join) is recorded: " + manifest.totalSeconds());
        // No stall, no drops: zero in the idle runs measured; with the 2 cores overloaded by a parallel benchmark, 1
        // frame of 448 was thinned once. Allow 1%.
        assertTrue(manifest.droppedFrames() <= manifest.totalSeconds() * 15 / 100, "dropped " + manifest.droppedFrames());
        assertEquals(0, sessionsOpen());
    }

    /**
     * Two rooms at once; bob publishes H.264 and offers it as High only (640c1f, as OBS over WHIP does), so the
     * worker's H.264 receive path records too (issue 17, point 6; the stream itself is OpenH264's Constrained
     * Baseline, the only H.264 encoder webrtc-java has).
     */
    @Test
    void twoRoomsOnOneWorkerRecordIndependently(@TempDir Path dir) throws Exception {
        String mintA = Mints.random();
        String mintB = Mints.random();
        stack.room("two-a", "alice");
        stack.room("two-b", SyntheticPublisherSpec.small("bob").withH264("640c1f"));
        UUID a = stack.jobs.start(mintA, StartOptions.DEFAULTS.withRoom("two-a").withTarget("alice")
                .withMaxDurationS(600).withSegmentS(4));
        UUID b = stack.jobs.start(mintB, StartOptions.DEFAULTS.withRoom("two-b").withTarget("bob")
                .withMaxDurationS(600).withSegmentS(4));
        await().atMost(Duration.ofSeconds(60)).until(() -> stack.status.of(a, StatusEvent.Segment.class).size() >= 3
                && stack.status.of(b, StatusEvent.Segment.class).size() >= 3);
        stack.jobs.stop(mintA, a, "test done");
        stack.jobs.stop(mintB, b, "test done");
        await().atMost(Duration.ofSeconds(60)).until(() -> stack.status.end(a).isPresent()
                && stack.status.end(b).isPresent());
        StatusEvent.Stopped sa = assertInstanceOf(StatusEvent.Stopped.class, stack.status.end(a).orElseThrow());
        StatusEvent.Stopped sb = assertInstanceOf(StatusEvent.Stopped.class, stack.status.end(b).orElseThrow());
        assertEquals(StatusEvent.EndCode.STOP_REQUESTED, sa.code());
        assertEquals("stopped: test done", sa.reason());

        Manifest ma = downloadAndCheck("two-a", mintA, a, dir.resolve("a"));
        Manifest mb = downloadAndCheck("two-b", mintB, b, dir.resolve("b"));
        assertAgrees(sa.recording(), ma, mintA, a);
        assertAgrees(sb.recording(), mb, mintB, b);
        assertTrue(ma.segments().size() >= 3 && mb.segments().size() >= 3);
        assertTrue(ma.segments().stream().allMatch(s -> s.key().startsWith(S3Keys.jobPrefix(MintId.of(mintA), a))));
        assertTrue(mb.segments().stream().allMatch(s -> s.key().startsWith(S3Keys.jobPrefix(MintId.of(mintB), b))));
    }

    /**
     * S3 goes away for 60 s mid-recording of a 640×360 camera (issue 18), far longer than the upload retries last (8
     * attempts, backoff up to 5 s: about 16 s). The segments go to the local spool instead of making the encoder wait,
     * and drain in order once S3 is back: no frame number is missing after the last segment before the outage, the
     * video queue drops nothing, the final playlist lists every segment in order (and passes {@code HlsSpec}), and the spool is empty
     * afterwards. Logs the spool's peak and the catch-up time (S3 answering again → the spool empty). (Without the
     * spool a 10 s outage dropped 74-81 frames while the encoder waited for upload slots.)
     */
    @Test
    void aSixtySecondS3OutageAt640x360LosesNoFrameThroughTheSpool(@TempDir Path dir) throws Exception {
        String mint = Mints.random();
        SyntheticPublisherSpec camera = new SyntheticPublisherSpec("carol", OUTAGE_WIDTH, OUTAGE_HEIGHT, 15, 440);
        stack.room("s3-outage", camera);
        SegmentSpool spool = stack.shared(stack.config.upload()).spool();
        UUID job = stack.jobs.start(mint, StartOptions.DEFAULTS.withRoom("s3-outage").withTarget("carol")
                .withMaxDurationS(600).withSegmentS(2));
        // The publisher's libwebrtc starts each subscriber connection bandwidth-limited and ramps up for about 14 s at
        // 640×360 (qualityLimitationDurations, two runs), not encoding a few frames meanwhile (5 of 1098): the outage
        // starts after that, and frames are counted from the last segment before it.
        await().atMost(Duration.ofSeconds(60)).until(() ->
                stack.status.of(job, StatusEvent.Segment.class).size() >= RAMP_UP_SEGMENTS);
        long lastBefore = stack.status.of(job, StatusEvent.Segment.class).stream()
                .mapToLong(StatusEvent.Segment::seq).max().orElseThrow();
        stack.devstack.s3().stop();
        long spooledAtEnd;
        try {
            // The outage itself lasts 60 s; nothing is awaited here.
            await().pollDelay(OUTAGE).atMost(OUTAGE.plusSeconds(1)).until(() -> true);
            spooledAtEnd = spool.bytes();
        } finally {
            stack.devstack.s3().start();
        }
        long backAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> spool.bytes() == 0);
        double catchUpS = (System.nanoTime() - backAt) / 1e9;
        // One segment more, uploaded directly once the backlog is in: the recording goes on as before the outage.
        int caughtUp = stack.status.of(job, StatusEvent.Segment.class).size();
        await().atMost(Duration.ofSeconds(30)).until(() ->
                stack.status.of(job, StatusEvent.Segment.class).size() > caughtUp);
        double queueDrops = stack.registry.get("recorder.queue.dropped").tags("room", "s3-outage", "track", "video")
                .functionCounter().count();
        stack.jobs.stop(mint, job, "test done");
        await().atMost(Duration.ofSeconds(60)).until(() -> stack.status.end(job).isPresent());
        assertInstanceOf(StatusEvent.Stopped.class, stack.status.end(job).orElseThrow());
        Checked checked = downloadAndCheck("s3-outage", mint, job, dir, OUTAGE_WIDTH, OUTAGE_HEIGHT, false, false);
        Manifest manifest = checked.manifest();
        long missing = checked.missingAfter(lastBefore);
        log.info("{} s S3 outage at {}x{} 15 fps: {} segments, none lost; {} frames decoded, {} missing after segment {} "
                        + "(the last before the outage), {} in all {}; {} frames dropped by the video queue, {} before "
                        + "encoding in all; spool {} bytes when S3 came back, peak {} bytes; caught up {} s after S3 "
                        + "answered again ({} segments then)", OUTAGE.toSeconds(), OUTAGE_WIDTH, OUTAGE_HEIGHT,
                manifest.segments().size(), checked.frames(), missing, lastBefore, checked.missing(), checked.jumps(),
                queueDrops,
                manifest.droppedFrames(), spooledAtEnd, spool.highWaterBytes(), String.format("%.1f", catchUpS),
                caughtUp);
        assertEquals(0, missing, "no frame number is missing from the outage on: " + checked.jumps());
        assertEquals(0.0, queueDrops, "the encoder never waited on S3 long enough for its queue to drop a frame");
        assertTrue(manifest.gaps().isEmpty(), "no segment lost: " + manifest.gaps());
        assertTrue(spooledAtEnd > 0, "the outage went through the spool");
        assertEquals(0, spool.bytes(), "the spool is empty afterwards");
        assertEquals(0.0, stack.registry.get("recorder.spool.bytes").gauge().value());
    }

    /**
     * A/V sync, measured. The publisher flashes a frame and clicks at that frame's capture time every 3 s
     * ({@code SyncMarks}); each offset is where a click is heard minus where its flash is seen in the recording. Marks
     * are measured in the run before a 4 s media stall and in the new run after it (a discontinuity with a fresh
     * program date-time). Goal: within 40 ms, not asserted (not met in every run). Asserted: no mark beyond
     * {@value #AV_GUARD_MS} ms. Before the audio was
     * stamped with its playout excess ({@code PlayoutLag}) the offsets were 4 to 185 ms, audio late, sawing within a
     * run, and up to 600 ms under heavy load (docs/design.md, "Measured facts").
     *
     * <p>{@code -Dsync.minutes=N} records N minutes before the stall (the issue's "after 10 minutes"; the suite's run
     * records 4 segments) and logs the offsets of the first and the last minute apart.
     */
    @Test
    void audioAndVideoStayInSyncBeforeAndAfterAGap(@TempDir Path dir) throws Exception {
        String mint = Mints.random();
        stack.room("sync", "erin");
        int segmentsBefore = Math.max(4, SYNC_MINUTES * 60 / 4);
        UUID job = stack.jobs.start(mint, StartOptions.DEFAULTS.withRoom("sync").withTarget("erin")
                .withMaxDurationS(SYNC_MINUTES * 60 + 600).withSegmentS(4));
        await().atMost(Duration.ofSeconds(60L + SYNC_MINUTES * 75L)).until(() ->
                stack.status.of(job, StatusEvent.Segment.class).size() >= segmentsBefore);
        stack.devstack.rooms().stallMedia("sync", true);
        try {
            // The stall itself lasts 4 s (twice the gap threshold); nothing is awaited here.
            await().pollDelay(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(5)).until(() -> true);
        } finally {
            stack.devstack.rooms().stallMedia("sync", false);
        }
        int afterStall = stack.status.of(job, StatusEvent.Segment.class).size();
        await().atMost(Duration.ofSeconds(60)).until(() ->
                stack.status.of(job, StatusEvent.Segment.class).size() >= afterStall + 4);
        stack.jobs.stop(mint, job, "test done");
        await().atMost(Duration.ofSeconds(60)).until(() -> stack.status.end(job).isPresent());
        Manifest manifest = downloadAndCheck("sync", mint, job, dir, WIDTH, HEIGHT, true, true).manifest();
        assertEquals(1, manifest.gaps().size(), manifest.gaps().toString());
        Manifest.Gap gap = manifest.gaps().getFirst();
        Manifest.Segment resumed = manifest.segments().stream().filter(s -> s.seq() == gap.beforeSeq()).findFirst()
                .orElseThrow();
        assertTrue(resumed.discontinuity());
        assertEquals(resumed.programDateTime(), gap.to(), "the gap ends where the next run's program date-time says");
        long gapMs = Duration.between(gap.from(), gap.to()).toMillis();
        assertTrue(gapMs >= 2000 && Math.abs(gapMs - gap.durationMs()) <= 100, gap.toString());

        List<Double> before = new ArrayList<>();
        List<Double> after = new ArrayList<>();
        for (Manifest.Segment s : manifest.segments()) {
            (s.seq() < gap.beforeSeq() ? before : after).addAll(Probe.syncOffsets(dir.resolve(fileName(s.key()))));
        }
        log.info("A/V offsets in ms (positive: audio late): before the gap {}, after it {}", millis(before),
                millis(after));
        if (SYNC_MINUTES > 1) {
            log.info("A/V offsets in ms over {} minutes: the first minute {}, the last minute before the gap {}",
                    SYNC_MINUTES, millis(before.subList(0, Math.min(20, before.size()))),
                    millis(before.subList(Math.max(0, before.size() - 20), before.size())));
        }
        assertTrue(before.size() >= 3 && after.size() >= 3, "marks found: " + before + " " + after);
        for (double offset : concat(before, after)) {
            assertTrue(Math.abs(offset) * 1000 <= AV_GUARD_MS, "A/V offset " + millis(List.of(offset)) + " ms: before the gap "
                    + millis(before) + ", after " + millis(after));
        }
    }

    private static List<Long> millis(List<Double> seconds) {
        return seconds.stream().map(s -> Math.round(s * 1000)).toList();
    }

    private static List<Double> concat(List<Double> a, List<Double> b) {
        List<Double> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /**
     * Without the spool, S3 staying away past the retries fails the recording, with an error that says what failed
     * and why.
     */
    @Test
    void withoutTheSpoolALongS3OutageFailsTheRecordingWithAClearError() throws Exception {
        UploadConfig quick = new UploadConfig(UploadConfig.MIN_PART_SIZE, 2, 3, Duration.ofMillis(200),
                Duration.ofMillis(500));
        stack.room("s3-down", "dave");
        RecordingJob job = new RecordingJob(UUID.randomUUID(), MintId.of(Mints.random()), "s3-down", "dave", 600,
                2, null, Instant.now(), 1);
        try (EventPublisher publisher = new EventPublisher(stack.devstack.kafkaBootstrap(), "s3-down-it",
                Duration.ofSeconds(60));
             SegmentSpool off = new SegmentSpool(new SpoolConfig(Optional.empty(), 0, 0, Duration.ofSeconds(1)),
                     stack.registry)) {
            JobEvents events = new JobEvents(publisher, Clock.systemUTC(), job.jobId(), job.mintId(), "it", 1);
            RoomRecording recording = new RoomRecording(stack.shared(quick, off),
                    new SessionContext(job, 1, false, "it", events));
            recording.start();
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    stack.status.of(job.jobId(), StatusEvent.Segment.class).size() >= 1);
            stack.devstack.s3().stop();
            try {
                SessionEnd end = recording.ended().get(60, TimeUnit.SECONDS);
                SessionEnd.Failed failed = assertInstanceOf(SessionEnd.Failed.class, end);
                log.info("long S3 outage: {}", failed);
                assertTrue(failed.error().matches("segment upload to S3 failed: .*seg_\\d{6}\\.ts.*Connection refused.*"),
                        failed.error());
                assertEquals(StatusEvent.Scope.SESSION, failed.scope());
                assertEquals(StatusEvent.FailureCode.STORAGE, failed.code());
                // The final manifest could not be written either: no recording the event could vouch for.
                assertEquals(null, failed.recording());
            } finally {
                stack.devstack.s3().start();
            }
        }
    }

    /**
     * A handover (SIGTERM's drain) while S3 is down and segments are spooled waits for them only within its share of
     * the drain budget (3 s here), then hands over anyway instead of failing the job: the worker exits at the end of
     * the budget regardless, and the next attempt continues the recording.
     */
    @Test
    void aHandoverDuringAnS3OutageEndsWithinTheDrainBudget() throws Exception {
        UploadConfig quick = new UploadConfig(UploadConfig.MIN_PART_SIZE, 2, 3, Duration.ofMillis(200),
                Duration.ofMillis(500));
        Duration budget = Duration.ofSeconds(3);
        stack.room("s3-drain", "frank");
        RecordingJob job = new RecordingJob(UUID.randomUUID(), MintId.of(Mints.random()), "s3-drain", "frank", 600,
                2, null, Instant.now(), 1);
        try (EventPublisher publisher = new EventPublisher(stack.devstack.kafkaBootstrap(), "s3-drain-it",
                Duration.ofSeconds(60));
             SegmentSpool spool = new SegmentSpool(new SpoolConfig(Optional.empty(), 64L << 20, 32L << 20,
                     Duration.ofMillis(250)), stack.registry)) {
            PipelineSessionFactory.Shared s = stack.shared(quick, spool);
            PipelineSessionFactory.Shared shared = new PipelineSessionFactory.Shared(s.rooms(), s.s3(), s.bucket(),
                    s.upload(), s.media(), s.videoQueue(), s.audioQueue(), s.registry(), s.roomMemories(),
                    s.janitor(), s.spool(), s.fallback(), budget);
            JobEvents events = new JobEvents(publisher, Clock.systemUTC(), job.jobId(), job.mintId(), "it", 1);
            RoomRecording recording = new RoomRecording(shared, new SessionContext(job, 1, false, "it", events));
            recording.start();
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    stack.status.of(job.jobId(), StatusEvent.Segment.class).size() >= 1);
            stack.devstack.s3().stop();
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> spool.bytes() > 0);
                long t0 = System.nanoTime();
                recording.handover();
                long tookMs = (System.nanoTime() - t0) / 1_000_000;
                SessionEnd end = recording.ended().get(5, TimeUnit.SECONDS);
                log.info("handover during an S3 outage took {} ms (budget {}): {}", tookMs, budget, end);
                assertInstanceOf(SessionEnd.HandedOver.class, end);
                assertTrue(tookMs < budget.toMillis() + 10_000, "took " + tookMs + " ms");
                assertEquals(0, spool.bytes(), "what was spooled is released (lost, logged and counted)");
            } finally {
                stack.devstack.s3().start();
            }
        }
    }

    /** The terminal event's recording says what manifest.json in S3 says. */
    private static void assertAgrees(StatusEvent.Recording r, Manifest manifest, String mint, UUID job) {
        assertNotNull(r, "the STOPPED event carries the recording");
        assertEquals(stack.config.storage().bucket(), r.bucket());
        assertEquals(S3Keys.playlist(MintId.of(mint), job), r.playlistKey());
        assertEquals(S3Keys.manifest(MintId.of(mint), job), r.manifestKey());
        assertEquals(manifest.startedAt(), r.startedAt());
        assertEquals(manifest.endedAt(), r.endedAt());
        assertTrue(r.endedAt().isAfter(r.startedAt()), r.toString());
        assertTrue(Duration.between(r.startedAt(), r.endedAt()).toMillis() / 1000.0 >= r.durationS() - 1,
                "the media fits between start and end: " + r);
        assertEquals(manifest.totalSeconds(), r.durationS(), 1e-9);
        assertEquals(manifest.segments().size(), r.segments());
        assertEquals(manifest.totalBytes(), r.bytes());
        assertEquals(manifest.droppedFrames(), r.droppedFrames());
        assertEquals(manifest.gaps().size(), r.gaps());
        assertEquals(manifest.gaps().stream().mapToLong(Manifest.Gap::durationMs).sum(), r.gapMs());
        assertEquals(manifest.resumes().size(), r.resumes());
        assertEquals(manifest.resumes().size() + 1, r.attempts());
    }

    private static int sessionsOpen() {
        return stack.engine().activeRooms();
    }

    /**
     * Downloads the recording and checks it: ENDLIST; every segment H.264 + AAC at 320×240, starting with a
     * keyframe, within ±1 s of segment_s (the last one may be shorter); the playlist decodes start to end without an
     * error; and the frame numbers painted by the publisher are all there but for the frames the queue dropped.
     */
    private static Manifest downloadAndCheck(String room, String mint, UUID job, Path dir) throws Exception {
        return downloadAndCheck(room, mint, job, dir, WIDTH, HEIGHT, false, false).manifest();
    }

    /**
     * A checked recording: its manifest, the numbered frames decoded, the numbers missing between them, and the
     * numbers each segment shows, by sequence number.
     */
    private record Checked(Manifest manifest, int frames, long missing, Map<Long, List<Long>> framesBySeq) {
        /** Frame numbers missing after the last frame of segment {@code seq} (a recording without discontinuities). */
        long missingAfter(long seq) {
            return Probe.missing(after(seq));
        }

        /** The last frame number of segment {@code seq}, then every later segment's. */
        List<Long> after(long seq) {
            List<Long> numbers = new ArrayList<>(List.of(framesBySeq.get(seq).getLast()));
            framesBySeq.entrySet().stream().filter(e -> e.getKey() > seq).forEach(e -> numbers.addAll(e.getValue()));
            return numbers;
        }

        /** Where frame numbers jump, as "seq: from→to", for a failure message. */
        List<String> jumps() {
            List<String> jumps = new ArrayList<>();
            long last = -1;
            for (Map.Entry<Long, List<Long>> e : framesBySeq.entrySet()) {
                for (long n : e.getValue()) {
                    if (last >= 0 && n > last + 1) {
                        jumps.add(e.getKey() + ": " + last + "→" + n);
                    }
                    last = n;
                }
            }
            return jumps;
        }
    }

    /**
     * @param width the publisher's (and so every segment's) width
     * @param height its height
     * @param gapsAllowed the recording may hold media gaps (runs that end early, then a discontinuity)
     * @param publisherStalled the publisher stopped sending for a while: the frames it numbered meanwhile were never
     *        sent, so frame numbers are counted run by run (the jump across a gap is the stall, not a loss)
     */
    private static Checked downloadAndCheck(String room, String mint, UUID job, Path dir, int width, int height,
                                            boolean gapsAllowed, boolean publisherStalled) throws Exception {
        int objects = stack.download(S3Keys.jobPrefix(MintId.of(mint), job), dir);
        Manifest manifest = Manifest.fromJson(Files.readAllBytes(dir.resolve("manifest.json")));
        assertEquals(manifest.segments().size() + 2, objects, "segments, playlist and manifest, nothing else");
        assertTrue(manifest.ended());
        String playlist = Files.readString(dir.resolve("index.m3u8"));
        assertTrue(playlist.endsWith("#EXT-X-ENDLIST\n"), playlist);
        assertEquals(gapsAllowed ? manifest.gaps().size() : 0, count(playlist, "#EXT-X-DISCONTINUITY"), playlist);
        assertEquals(manifest.segments().stream().map(s -> fileName(s.key())).toList(),
                playlist.lines().filter(l -> !l.isEmpty() && !l.startsWith("#")).map(RecordingPipelineIT::fileName)
                        .toList(), "the playlist lists every segment of the manifest, in order");
        assertTrue(stack.s3.listMultipartUploads(r -> r.bucket(stack.config.storage().bucket())
                .prefix(S3Keys.jobPrefix(MintId.of(mint), job))).uploads().isEmpty(), "no upload left open");

        List<Manifest.Segment> segments = manifest.segments();
        for (int i = 0; i < segments.size(); i++) {
            Manifest.Segment s = segments.get(i);
            assertEquals(i, s.seq());
            Probe.Result info = Probe.probe(dir.resolve(fileName(s.key())));
            assertEquals(List.of("aac", "h264"), info.codecs().stream().sorted().toList(), s.key());
            assertEquals(width, info.width());
            assertEquals(height, info.height());
            assertTrue(info.startsWithKeyframe(), s.key() + " starts with a keyframe");
            boolean lastOfRun = i == segments.size() - 1 || segments.get(i + 1).discontinuity();
            if (!lastOfRun) {
                assertEquals(manifest.segmentSeconds(), info.durationS(), 1.0, s.key() + " duration");
                assertEquals(manifest.segmentSeconds(), s.durationS(), 1.0, s.key() + " manifest duration");
            }
        }
        Path index = dir.resolve("index.m3u8");
        assertEquals("", Probe.decodeErrors(index), "the playlist decodes cleanly");

        // Each segment decoded on its own (each starts with a keyframe), then counted run by run.
        Map<Long, List<Long>> framesBySeq = new TreeMap<>();
        List<List<Long>> runs = new ArrayList<>();
        for (Manifest.Segment s : segments) {
            List<Long> inSegment = Probe.frameNumbers(List.of(dir.resolve(fileName(s.key()))), width, height);
            framesBySeq.put(s.seq(), inSegment);
            if (runs.isEmpty() || publisherStalled && s.discontinuity()) {
                runs.add(new ArrayList<>());
            }
            runs.getLast().addAll(inSegment);
        }
        List<Long> numbers = new ArrayList<>();
        long missing = 0;
        for (List<Long> inRun : runs) {
            numbers.addAll(inRun);
            missing += Probe.missing(inRun);
        }
        List<VideoSent> publisher = stack.videoSentToRecorder(room, job);
        log.info("job {}: {} segments, {} s, {} bytes; {} frames decoded (numbers {}..{}), {} missing, {} dropped before "
                        + "encoding, {} never sent by the publisher (the manifest's estimate; the publisher's count: {} "
                        + "never encoded, {})", job, segments.size(),
                String.format("%.1f", manifest.totalSeconds()), manifest.totalBytes(), numbers.size(), numbers.getFirst(),
                numbers.getLast(), missing, manifest.droppedFrames(), manifest.sourceSkippedFrames(),
                publisher.stream().mapToLong(VideoSent::skipped).sum(), publisher);
        assertTrue(numbers.size() >= manifest.totalSeconds() * 15 * 0.9, "about 15 fps of numbered frames: " + numbers.size());
        // Every frame the recorder dropped is missing, and on an idle machine nothing else is (equal in every idle run
        // measured). With the 2 cores overloaded (load average 7 from a parallel benchmark) 1-9 frames of 450 were lost
        // between the publisher and the sink (the publisher's encoder never sent them; the manifest's
        // source_skipped_frames estimates them, logged above): allow 3% for that.
        assertTrue(missing >= manifest.droppedFrames(), "frames dropped " + manifest.droppedFrames() + ", missing " + missing);
        assertTrue(missing - manifest.droppedFrames() <= Math.max(2, numbers.size() * 3 / 100),
                "frames missing beyond those dropped: " + (missing - manifest.droppedFrames()));
        return new Checked(manifest, numbers.size(), missing, framesBySeq);
    }

    private static int count(String text, String what) {
        return text.split(java.util.regex.Pattern.quote(what), -1).length - 1;
    }

    private static String fileName(String key) {
        return key.substring(key.lastIndexOf('/') + 1);
    }
}
