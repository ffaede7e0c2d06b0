package dev.mintrecorder.worker.pipeline;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.S3Keys;
import dev.mintrecorder.contracts.StartOptions;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.devstack.ChildJvm;
import dev.mintrecorder.devstack.Mints;
import dev.mintrecorder.devstack.conformance.NodeScript;
import dev.mintrecorder.devstack.player.RecordingPlayer;
import dev.mintrecorder.worker.media.Probe;
import dev.mintrecorder.worker.storage.Manifest;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A worker recording a job is killed with SIGKILL mid-segment; a second worker process acquires the redelivered job,
 * salvages the dead worker's open multipart upload, continues the segment numbers after a discontinuity and finishes
 * the recording. Both workers are the real worker jar ({@code target/mint-recorder-worker.jar}, built by
 * {@code package} before failsafe runs) in child processes, in this JVM's network namespace.
 */
class WorkerCrashResumeIT {
    private static final Logger log = LoggerFactory.getLogger(WorkerCrashResumeIT.class);
    private static final int SEGMENT_S = 4;
    /**
     * No sync mark after the resume further off than this. The goal is 40 ms; measured with load averages of 11
     * (2026-12-06): after a crash 9, 4, -7 ms; after a drain -67, -56, -58 ms (audio early, as before it: -72 to -87 ms),
     * so this guards against the 100-600 ms of audio stamped on arrival, not yet against the goal.
     */
    private static final int AV_GUARD_MS = 150;
    private static final int FPS = 15;

    @RegisterExtension
    static final PipelineStack stack = new PipelineStack(Map.of());

    @Test
    void anotherWorkerResumesAKilledWorkersRecording(@TempDir Path dir) throws Exception {
        String mint = Mints.random();
        stack.room("crash", "erin");
        try (ChildJvm a = workerJar("worker-a", dir)) {
            UUID job = stack.jobs.start(mint, StartOptions.DEFAULTS.withRoom("crash").withTarget("erin")
                    .withMaxDurationS(600).withSegmentS(SEGMENT_S));
            await().atMost(Duration.ofSeconds(90)).until(() -> stack.status.of(job, StatusEvent.Segment.class).size() >= 2);
            try (ChildJvm b = workerJar("worker-b", dir)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> b.output().contains("worker worker-b started"));
                // Mid-segment: half a segment after the last one closed. A deliberate delay, not a synchronisation.
                int before = stack.status.of(job, StatusEvent.Segment.class).size();
                await().atMost(Duration.ofSeconds(30)).until(() -> stack.status.of(job, StatusEvent.Segment.class).size() > before);
                await().pollDelay(Duration.ofMillis(SEGMENT_S * 500L)).atMost(Duration.ofSeconds(SEGMENT_S)).until(() -> true);
                long killedAt = System.nanoTime();
                a.kill();

                await().atMost(Duration.ofSeconds(60)).until(() -> stack.status.of(job, StatusEvent.Resumed.class).stream()
                        .anyMatch(e -> e.workerId().equals("worker-b")));
                double failoverS = (System.nanoTime() - killedAt) / 1e9;
                await().atMost(Duration.ofSeconds(60)).until(() -> stack.status.of(job, StatusEvent.Segment.class).stream()
                        .filter(e -> e.workerId().equals("worker-b")).count() >= 3);
                stack.jobs.stop(mint, job, "test done");
                await().atMost(Duration.ofSeconds(60)).until(() -> stack.status.end(job).isPresent());
                StatusEvent end = stack.status.end(job).orElseThrow();
                StatusEvent.Stopped stopped = assertInstanceOf(StatusEvent.Stopped.class, end, end::toString);
                assertEquals("worker-b", end.workerId());
                assertResumedOnce(stopped);
                // Exactly one terminal event: nothing ends the job a second time in the seconds after.
                await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> stack.status.terminal(job).size() == 1);

                double lostS = checkResumedRecording(mint, job, dir, b);
                log.info("crash: {} s of media lost across the resume (segment_s {}); worker B resumed the job {} s after "
                        + "the kill", String.format("%.1f", lostS), SEGMENT_S, String.format("%.1f", failoverS));
                // The open segment (at most segment_s) plus the failover: redelivery, salvage, join, first keyframe.
                assertTrue(lostS <= SEGMENT_S + 6, "lost " + lostS + " s");
                seekAcrossTheResumeInChromium(mint, job, dir.resolve("recording-" + job));
            }
        }
    }

    /**
     * SIGTERM: the worker drains. It closes and uploads the current segment, leaves the playlist open, re-produces the
     * job as its next attempt and exits 0; the other worker resumes it. Only the failover time is lost.
     */
    @Test
    void aDrainingWorkerHandsItsRecordingOver(@TempDir Path dir) throws Exception {
        String mint = Mints.random();
        stack.room("drain", "frank");
        try (ChildJvm a = workerJar("worker-c", dir)) {
            UUID job = stack.jobs.start(mint, StartOptions.DEFAULTS.withRoom("drain").withTarget("frank")
                    .withMaxDurationS(600).withSegmentS(SEGMENT_S));
            await().atMost(Duration.ofSeconds(90)).until(() -> stack.status.of(job, StatusEvent.Segment.class).size() >= 2);
            try (ChildJvm b = workerJar("worker-d", dir)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> b.output().contains("worker worker-d started"));
                long termAt = System.nanoTime();
                assertEquals(0, a.terminate(Duration.ofSeconds(40)), a::output);
                double drainS = (System.nanoTime() - termAt) / 1e9;
                await().atMost(Duration.ofSeconds(60)).until(() -> stack.status.of(job, StatusEvent.Resumed.class).stream()
                        .anyMatch(e -> e.workerId().equals("worker-d")));
                await().atMost(Duration.ofSeconds(60)).until(() -> stack.status.of(job, StatusEvent.Segment.class).stream()
                        .filter(e -> e.workerId().equals("worker-d")).count() >= 2);
                stack.jobs.stop(mint, job, "test done");
                await().atMost(Duration.ofSeconds(60)).until(() -> stack.status.end(job).isPresent());
                StatusEvent end = stack.status.end(job).orElseThrow();
                StatusEvent.Stopped stopped = assertInstanceOf(StatusEvent.Stopped.class, end, end::toString);
                assertEquals("worker-d", end.workerId());
                assertResumedOnce(stopped);
                // Exactly one terminal event: nothing ends the job a second time in the seconds after.
                await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> stack.status.terminal(job).size() == 1);
                double lostS = checkResumedRecording(mint, job, dir, b);
                log.info("drain: worker C exited 0 after {} s; {} s of media lost across the handover (segment_s {})",
                        String.format("%.1f", drainS), String.format("%.1f", lostS), SEGMENT_S);
                assertTrue(lostS <= 6, "lost " + lostS + " s");
            }
        }
    }

    /** The STOPPED event's recording counts the one resume: two attempts recorded into it. */
    private static void assertResumedOnce(StatusEvent.Stopped stopped) {
        assertEquals(StatusEvent.EndCode.STOP_REQUESTED, stopped.code());
        StatusEvent.Recording recording = stopped.recording();
        org.junit.jupiter.api.Assertions.assertNotNull(recording, stopped::toString);
        assertEquals(1, recording.resumes(), recording::toString);
        assertEquals(2, recording.attempts(), recording::toString);
        assertTrue(recording.segments() >= 4, recording::toString);
    }

    /**
     * Downloads the job's recording and checks it: no upload left open, one resume and one discontinuity, ENDLIST, the
     * playlist decodes cleanly. Returns the media lost across the resume in seconds: the largest jump in the
     * publisher's frame numbers.
     */
    private static double checkResumedRecording(String mint, UUID job, Path dir, ChildJvm resumer) throws Exception {
        String prefix = S3Keys.jobPrefix(MintId.of(mint), job);
        assertTrue(stack.s3.listMultipartUploads(r -> r.bucket(stack.config.storage().bucket()).prefix(prefix))
                .uploads().isEmpty(), "the dead worker's upload was salvaged or aborted; none is left open");
        Path rec = dir.resolve("recording-" + job);
        stack.download(prefix, rec);
        Manifest manifest = Manifest.fromJson(Files.readAllBytes(rec.resolve("manifest.json")));
        String playlist = Files.readString(rec.resolve("index.m3u8"));
        assertEquals(1, manifest.resumes().size(), manifest::toString);
        assertEquals(1, playlist.split("#EXT-X-DISCONTINUITY\n", -1).length - 1, playlist);
        assertTrue(playlist.endsWith("#EXT-X-ENDLIST\n"), playlist);
        assertTrue(resumer.output().contains("resumes at segment"), "the resuming worker ran salvage");
        assertEquals("", Probe.decodeErrors(rec.resolve("index.m3u8")));
        List<Long> numbers = Probe.frameNumbers(manifest.segments().stream()
                .map(s -> rec.resolve(s.key().substring(s.key().lastIndexOf('/') + 1))).toList(), 320, 240);
        long worst = 0;
        for (int i = 1; i < numbers.size(); i++) {
            worst = Math.max(worst, numbers.get(i) - numbers.get(i - 1) - 1);
        }
        // A/V sync on both sides of the resume: each attempt's run has its own timeline zero and its own audio receiver.
        List<Double> before = new ArrayList<>();
        List<Double> after = new ArrayList<>();
        boolean resumed = false;
        for (Manifest.Segment s : manifest.segments()) {
            resumed |= s.discontinuity();
            (resumed ? after : before).addAll(Probe.syncOffsets(rec.resolve(s.key().substring(s.key().lastIndexOf('/') + 1))));
        }
        log.info("job {}: A/V offsets in ms (positive: audio late): before the resume {}, after it {}", job,
                before.stream().map(o -> Math.round(o * 1000)).toList(), after.stream().map(o -> Math.round(o * 1000)).toList());
        assertTrue(!after.isEmpty(), "sync marks found after the resume");
        for (double offset : after) {
            assertTrue(Math.abs(offset) * 1000 <= AV_GUARD_MS, "A/V offset after the resume: " + after);
        }
        String salvage = resumer.output().lines().filter(l -> l.contains("salvage") || l.contains("resumes at"))
                .map(l -> l.replaceAll(".*\"message\":\"([^\"]*)\".*", "$1")).reduce("", (x, y) -> x + "; " + y);
        log.info("job {}: resume {}; {} frames missing at worst; salvage{}", job, manifest.resumes().getFirst(), worst,
                salvage);
        return (double) worst / FPS;
    }

    /**
     * Issue 19: hls.js in Chromium plays the resumed recording and seeks across its discontinuity. The seek lands half a
     * second into the first segment after it; a second later the frame on screen must come from the resumed attempt:
     * its number lies in that attempt's frame numbers, past every number before the gap.
     */
    private static void seekAcrossTheResumeInChromium(String mint, UUID job, Path rec) throws Exception {
        assumeTrue(NodeScript.project().isPresent() && Files.isExecutable(Path.of("/usr/bin/chromium")),
                "the browser check needs scripts/setup's Node project and chromium: " + NodeScript.missingReason());
        List<String> lines = Files.readAllLines(rec.resolve("index.m3u8"));
        double discontinuityAt = 0;
        List<Path> before = new ArrayList<>();
        List<Path> after = new ArrayList<>();
        boolean resumed = false;
        for (String line : lines) {
            if (line.equals("#EXT-X-DISCONTINUITY")) {
                resumed = true;
            } else if (line.startsWith("#EXTINF:") && !resumed) {
                discontinuityAt += Double.parseDouble(line.substring("#EXTINF:".length(), line.indexOf(',')));
            } else if (!line.isEmpty() && !line.startsWith("#")) {
                (resumed ? after : before).add(rec.resolve(line.substring(line.lastIndexOf('/') + 1)));
            }
        }
        List<Long> beforeNumbers = Probe.frameNumbers(before, 320, 240);
        List<Long> afterNumbers = Probe.frameNumbers(after, 320, 240);
        double seekTo = discontinuityAt + 0.5;
        try (RecordingPlayer player = RecordingPlayer.start(NodeScript.project().orElseThrow(), stack.devstack.s3());
             NodeScript browser = NodeScript.start("browser.mjs", List.of("--page",
                     player.pageFor(S3Keys.playlist(MintId.of(mint), job)).toString(), "--playSeconds", "2",
                     "--seekTo", String.valueOf(seekTo)))) {
            await().atMost(Duration.ofSeconds(90)).until(() -> browser.first("result").isPresent()
                    || browser.first("error").isPresent());
            JsonNode result = browser.first("result").orElseThrow(() -> new AssertionError(browser.lines().toString()));
            log.info("chromium across the resume (discontinuity at {} s of playlist time): {}", discontinuityAt, result);
            assertEquals(0, result.path("fatal").size(), "no hls.js fatal error: " + result);
            assertEquals(true, result.path("playlistEnded").asBoolean(), result.toString());
            JsonNode seek = result.path("seek");
            assertTrue(seek.path("error").isMissingNode(), "playback moved past the seek point: " + seek);
            long frame = seek.path("frameNumber").asLong(-1);
            assertTrue(frame > beforeNumbers.getLast() && frame >= afterNumbers.getFirst() && frame <= afterNumbers.getLast(),
                    "after seeking to " + seekTo + " s the frame shown (" + frame + ") is from the resumed attempt ("
                            + afterNumbers.getFirst() + ".." + afterNumbers.getLast() + "), past the gap (last before: "
                            + beforeNumbers.getLast() + ")");
        }
    }

    private static ChildJvm workerJar(String id, Path dir) throws IOException {
        return stack.workerJar(id, dir, Map.of());
    }
}
