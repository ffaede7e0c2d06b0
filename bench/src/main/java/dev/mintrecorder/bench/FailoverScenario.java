package dev.mintrecorder.bench;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.S3Keys;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.devstack.ChildJvm;
import dev.mintrecorder.devstack.room.SyntheticPublisherSpec;
import dev.mintrecorder.worker.storage.Manifest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code failover}: two workers (jar, child JVMs); one 720p30 room is recorded in 2 s segments; the worker holding
 * the job is SIGKILLed mid-recording. Measured: the delay from the kill to the other worker's RESUMED event, and the
 * gap in the recording, from the manifest (segments, discontinuity, resume) and from the frame numbers painted into
 * the video (last frame before the kill that made it into S3, first frame after the resume).
 */
final class FailoverScenario implements BenchMain.Scenario {
    static final int SEGMENT_S = 2;
    static final Duration BEFORE = Duration.ofSeconds(13);
    static final Duration AFTER = Duration.ofSeconds(12);
    static final int FPS = 30;

    @Override
    public Report run() throws Exception {
        Report report = new Report("failover", "Two workers; one 720p30 room in " + SEGMENT_S + " s segments; the "
                + "holder is SIGKILLed " + BEFORE.toSeconds() + " s after JOINED, the recording continues "
                + AFTER.toSeconds() + " s on the other worker, then STOP. Devstack Kafka with default broker timings.");
        try (Stack stack = Stack.start();
             ChildJvm a = stack.worker("bench-failover-a", 2, Stack.env());
             ChildJvm b = stack.worker("bench-failover-b", 2, Stack.env())) {
            for (ChildJvm w : List.of(a, b)) {
                Timing.until(Duration.ofSeconds(60), w.name() + " up", () -> !w.alive()
                        || w.logLines().stream().anyMatch(l -> l.contains("recording pipeline ready")));
            }
            stack.devstack.rooms().createRoom("failover", SyntheticPublisherSpec.hd("streamer"));
            Stack.Job job = stack.start("failover", "streamer", SEGMENT_S);
            StatusEvent.Joined joined = stack.status.await(job.id(), StatusEvent.Joined.class, Duration.ofSeconds(60));
            ChildJvm holder = joined.workerId().equals(a.name()) ? a : b;
            Timing.pause(BEFORE);
            long segmentsBefore = stack.status.of(job.id(), StatusEvent.Segment.class).size();
            Instant killed = Instant.now();
            holder.kill();
            BenchMain.say("failover: SIGKILLed %s (pid %d) after %d segments", holder.name(), holder.pid(),
                    segmentsBefore);
            StatusEvent.Resumed resumed = stack.status.await(job.id(), StatusEvent.Resumed.class,
                    Duration.ofSeconds(120));
            double resumeDelay = Duration.between(killed, resumed.at()).toNanos() / 1e9;
            BenchMain.say("failover: RESUMED on %s %.3f s after the kill", resumed.workerId(), resumeDelay);
            long segsAtResume = stack.status.of(job.id(), StatusEvent.Segment.class).size();
            Timing.until(Duration.ofSeconds(60), "a segment after the resume",
                    () -> stack.status.of(job.id(), StatusEvent.Segment.class).size() > segsAtResume);
            StatusEvent.Segment firstAfter = stack.status.of(job.id(), StatusEvent.Segment.class).get((int) segsAtResume);
            Timing.pause(AFTER);
            stack.jobs.stop(job.mint(), job.id(), "bench done");
            stack.status.await(job.id(), StatusEvent.Stopped.class, Duration.ofSeconds(60));

            MintId mint = MintId.of(job.mint());
            Manifest manifest = Manifest.fromJson(stack.s3.getObjectAsBytes(r -> r.bucket(stack.devstack.s3Bucket())
                    .key(S3Keys.manifest(mint, job.id()))).asByteArray());
            String playlist = stack.s3.getObjectAsBytes(r -> r.bucket(stack.devstack.s3Bucket())
                    .key(S3Keys.playlist(mint, job.id()))).asUtf8String();
            Path dir = BenchMain.LOGS.resolve("failover-" + job.id());
            Files.createDirectories(dir);
            Files.write(dir.resolve("manifest.json"), manifest.toJson());
            Files.writeString(dir.resolve("index.m3u8"), playlist);

            // The first segment the new worker wrote is marked discontinuous; the one before is the dead worker's last.
            List<Manifest.Segment> segs = manifest.segments();
            int resumeIdx = -1;
            for (int i = 1; i < segs.size(); i++) {
                if (segs.get(i).discontinuity()) {
                    resumeIdx = i;
                    break;
                }
            }
            report.headline("SIGKILL → RESUMED on the other worker", resumeDelay, "s");
            report.figure("resume_delay_kill_to_resumed_s", resumeDelay)
                    .figure("kill_to_first_segment_event_after_resume_s",
                            Duration.between(killed, firstAfter.at()).toNanos() / 1e9)
                    .figure("killed_worker", holder.name())
                    .figure("resumed_on", resumed.workerId())
                    .figure("segments_in_manifest", segs.size())
                    .figure("segment_seqs", segs.stream().map(s -> Long.toString(s.seq())).collect(Collectors.joining(",")))
                    .figure("salvaged_segments", segs.stream().filter(Manifest.Segment::salvaged).count())
                    .figure("manifest_gaps", manifest.gaps().toString())
                    .figure("manifest_resumes", manifest.resumes().size())
                    .figure("playlist_discontinuities", playlist.lines().filter(l -> l.startsWith("#EXT-X-DISCONTINUITY")).count());
            if (resumeIdx > 0) {
                Manifest.Segment last = segs.get(resumeIdx - 1);
                Manifest.Segment next = segs.get(resumeIdx);
                List<Long> lastFrames = frames(stack, last.key(), dir);
                List<Long> nextFrames = frames(stack, next.key(), dir);
                if (!lastFrames.isEmpty() && !nextFrames.isEmpty()) {
                    long lastBefore = lastFrames.stream().mapToLong(Long::longValue).max().orElseThrow();
                    long firstAfterFrame = nextFrames.stream().mapToLong(Long::longValue).min().orElseThrow();
                    long missing = firstAfterFrame - lastBefore - 1;
                    report.headline("gap in the recording (frame numbers)", missing / (double) FPS, "s");
                    report.figure("last_frame_before_gap", lastBefore)
                            .figure("first_frame_after_gap", firstAfterFrame)
                            .figure("frames_missing", missing)
                            .figure("recording_gap_s_from_frame_numbers", missing / (double) FPS);
                } else {
                    report.note("Frame numbers could not be read from " + last.key() + " or " + next.key() + ".");
                }
            } else {
                report.note("No discontinuity segment found in the manifest.");
            }
            report.note("The recording gap is what the published HLS lacks: the open segment at the kill (not yet "
                    + "uploaded: a " + SEGMENT_S + " s segment at this bitrate is one part sent at close, so salvage "
                    + "has nothing to complete), plus the time until the new worker's first frame: broker redelivery "
                    + "on the dead connection, a new WebRTC join, and the first keyframe.");
            report.note("Manifest and playlist are copied under bench/target/logs/failover-<job>/.");
            (b == holder ? a : b).stop(Duration.ofSeconds(30));
        }
        return report;
    }

    private static List<Long> frames(Stack stack, String key, Path dir) throws Exception {
        Path file = dir.resolve(key.substring(key.lastIndexOf('/') + 1));
        Files.write(file, stack.s3.getObjectAsBytes(r -> r.bucket(stack.devstack.s3Bucket()).key(key)).asByteArray());
        return FrameNumbers.of(file);
    }
}
