package dev.mintrecorder.bench;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.S3Keys;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.devstack.ChildJvm;
import dev.mintrecorder.devstack.media.Scene;
import dev.mintrecorder.devstack.media.VideoSent;
import dev.mintrecorder.devstack.room.SyntheticPublisherSpec;
import dev.mintrecorder.worker.room.LayerCap;
import dev.mintrecorder.worker.room.RoomRequest;
import dev.mintrecorder.worker.storage.Manifest;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * {@code outage}: S3 goes away for {@code BENCH_OUTAGE_MINUTES} (10) while two workers record the same 720p30 room
 * (CAMERA scene, 4 s segments): one with the default spool, one with {@code S3_SPOOL_MAX_BYTES=0} as the baseline.
 * Both recordings cover the same publisher frames, so each one's loss is counted against the same frame numbers:
 * those of the spooled recording's first to last frame. Reported: frames lost (goal 0), the spool's peak, the spooled
 * worker's RSS over the outage (flat is the goal: the spool is on disk), and the catch-up time from S3's return to an
 * empty spool.
 */
final class OutageScenario implements BenchMain.Scenario {
    private static final int SEGMENT_S = 4;
    private static final Duration BEFORE = Duration.ofSeconds(60);
    private static final Duration AFTER = Duration.ofSeconds(30);
    private static final double RSS_GOAL_MB_PER_MIN = 0.5;
    /** Frames the room's bounded queues dropped (the encoder fell behind): not the storage's doing. */
    private static final String QUEUE_DROPPED = "recorder_queue_dropped_total";

    @Override
    public Report run() throws Exception {
        int minutes = Integer.parseInt(System.getenv().getOrDefault("BENCH_OUTAGE_MINUTES", "10"));
        Report report = new Report("outage", "S3 (the devstack's S3Proxy) is stopped for " + minutes + " min while "
                + "two workers record the same 720p30 room (CAMERA scene, " + SEGMENT_S + " s segments): one with the "
                + "default spool, one with the spool off (S3_SPOOL_MAX_BYTES=0) as the same run's baseline. Frames "
                + "lost are counted from the frame numbers decoded out of what is in S3 afterwards, over the spooled "
                + "recording's first to last frame.");
        try (Stack stack = Stack.start();
             ChildJvm baseline = stack.worker("bench-outage-nospool", 1, Map.of("S3_SPOOL_MAX_BYTES", "0"))) {
            awaitReady(baseline);
            stack.devstack.rooms().createRoom("outage", SyntheticPublisherSpec.hd("streamer").withScene(Scene.CAMERA));
            Stack.Job base = stack.start("outage", "streamer", SEGMENT_S);
            stack.status.await(base.id(), StatusEvent.Joined.class, Duration.ofSeconds(60));
            try (ChildJvm spooled = stack.worker("bench-outage-spool", 1, Map.of())) {
                awaitReady(spooled);
                Stack.Job job = stack.start("outage", "streamer", SEGMENT_S);
                StatusEvent.Joined joined = stack.status.await(job.id(), StatusEvent.Joined.class, Duration.ofSeconds(60));
                if (!joined.workerId().equals(spooled.name())) {
                    throw new IllegalStateException("the spooled job went to " + joined.workerId());
                }
                OpsScrape ops = OpsScrape.of(spooled.logLines());
                try (Sampler sampler = new Sampler(spooled.pid(), 5000)) {
                    Timing.pause(BEFORE);
                    double cpu0 = spooled.cpuSeconds();
                    double dropsBefore = queueDrops(ops);
                    double outageStart = sampler.now();
                    stack.devstack.s3().stop();
                    BenchMain.say("outage: S3 stopped for %d min", minutes);
                    List<double[]> spoolMb = new ArrayList<>();
                    double peakSpool = 0;
                    try {
                        while (sampler.now() < outageStart + minutes * 60.0) {
                            Timing.pause(Duration.ofSeconds(5));
                            double bytes = gauge(ops, "recorder_spool_bytes");
                            peakSpool = Math.max(peakSpool, bytes);
                            spoolMb.add(new double[] {sampler.now() - outageStart, bytes / 1e6});
                            if (spoolMb.size() % 12 == 0) {
                                BenchMain.say("outage: %.0f s: spool %.1f MB, RSS %.1f MB",
                                        sampler.now() - outageStart, bytes / 1e6, spooled.rssBytes() / 1e6);
                            }
                            if (!spooled.alive()) {
                                throw new IllegalStateException("the spooled worker exited; see " + spooled.log());
                            }
                        }
                    } finally {
                        stack.devstack.s3().start();
                    }
                    double outageEnd = sampler.now();
                    String atEnd = ops.text();
                    double dropsDuring = OpsScrape.value(atEnd, QUEUE_DROPPED).orElse(0) - dropsBefore;
                    peakSpool = Math.max(peakSpool, OpsScrape.value(atEnd, "recorder_spool_bytes").orElse(0));
                    double spooledSegments = OpsScrape.value(atEnd, "recorder_spool_segments").orElse(0);
                    BenchMain.say("outage: S3 back; spool %.1f MB in %.0f segments", peakSpool / 1e6, spooledSegments);
                    Timing.until(Duration.ofMinutes(10), "the spool drained",
                            () -> gauge(ops, "recorder_spool_bytes") == 0);
                    double catchUp = sampler.now() - outageEnd;
                    spoolMb.add(new double[] {sampler.now() - outageStart, 0});
                    Timing.pause(AFTER);
                    double cpu = spooled.cpuSeconds() - cpu0;
                    double wall = sampler.now() - outageStart;
                    String metrics = ops.text();
                    double queueDrops = OpsScrape.value(metrics, QUEUE_DROPPED).orElse(0);
                    double spoolLost = OpsScrape.value(metrics, "recorder_spool_lost_total").orElse(0);
                    stack.jobs.stop(job.mint(), job.id(), "bench done");
                    stack.status.await(job.id(), StatusEvent.Stopped.class, Duration.ofSeconds(120));
                    long relaySkipped = relaySkipped(stack, job);
                    double rssSlope = Sampler.growthMbPerMinute(sampler.between(outageStart + 60, outageEnd));

                    Path dir = BenchMain.LOGS.resolve("outage");
                    Files.createDirectories(dir);
                    Manifest manifest = Manifest.fromJson(stack.s3.getObjectAsBytes(r -> r
                            .bucket(stack.devstack.s3Bucket()).key(S3Keys.manifest(MintId.of(job.mint()), job.id())))
                            .asByteArray());
                    Files.write(dir.resolve("manifest.json"), manifest.toJson());
                    TreeSet<Long> recorded = frames(stack, manifest.segments().stream().map(Manifest.Segment::key)
                            .toList(), dir);
                    TreeSet<Long> baseFrames = frames(stack, segmentKeys(stack, base), dir);
                    long first = recorded.first();
                    long last = recorded.last();
                    long window = last - first + 1;
                    long missing = window - recorded.size();
                    long lost = Math.max(0, missing - relaySkipped);
                    long baseLost = window - baseFrames.subSet(first, true, last, true).size();
                    String baseEnd = stack.status.of(base.id()).stream()
                            .filter(e -> e instanceof StatusEvent.Failed || e instanceof StatusEvent.Stopped)
                            .map(OutageScenario::describe).collect(Collectors.joining("; "));

                    report.goal(new Report.Goal("frames the recorder lost, spool on (missing less those the "
                            + "devstack's relay never encoded for it)", true, 0, lost, "frames"));
                    report.goal(new Report.Goal("RSS slope during the outage (absolute value)", true,
                            RSS_GOAL_MB_PER_MIN, Math.abs(rssSlope), "MB/min"));
                    report.headline("frames lost, spool off ÷ spool on (the spool-on count + 1)",
                            (baseLost + 1.0) / (lost + 1.0), "×");
                    report.figure("outage_minutes", minutes)
                            .figure("frames_in_window", window)
                            .figure("frames_missing_spool_on", missing)
                            .figure("frames_never_encoded_by_the_relay", relaySkipped)
                            .figure("frames_lost_spool_on", lost)
                            .figure("frames_lost_spool_off", baseLost)
                            .figure("frames_lost_spool_on_not_dropped_by_a_queue", lost - (long) queueDrops)
                            .figure("manifest_dropped_frames", manifest.droppedFrames())
                            .figure("manifest_gaps", manifest.gaps().size())
                            .figure("queue_dropped_frames", queueDrops)
                            .figure("queue_dropped_frames_before_outage", dropsBefore)
                            .figure("queue_dropped_frames_during_outage", dropsDuring)
                            .figure("queue_dropped_frames_after_outage", queueDrops - dropsBefore - dropsDuring)
                            .figure("spool_lost_segments", spoolLost)
                            .figure("segments", manifest.segments().size())
                            .figure("spool_peak_mb", peakSpool / 1e6)
                            .figure("spool_peak_segments", spooledSegments)
                            .figure("catch_up_s", catchUp)
                            .figure("rss_slope_during_outage_mb_per_min", rssSlope)
                            .figure("rss_mb_peak", sampler.peakRss() / 1e6)
                            .figure("worker_cores", cpu / wall)
                            .figure("baseline_end", baseEnd);
                    report.rssSeries("spooling worker RSS (MB)", sampler.samples().stream()
                            .filter(s -> s.t() >= outageStart - BEFORE.toSeconds())
                            .map(s -> new double[] {s.t() - outageStart, s.rssMb()}).toList());
                    report.rssSeries("spool (MB)", spoolMb);
                    report.note("The plot's x axis is seconds since S3 was stopped; S3 came back at "
                            + Math.round(outageEnd - outageStart) + " s.");
                    report.note("The baseline without a spool: " + (baseEnd.isEmpty() ? "no terminal event" : baseEnd)
                            + ". Its recording is what reached S3, over the same frame numbers.");
                    report.note(String.format(Locale.ROOT, "Frames missing count frame numbers absent from the "
                            + "recording between its first (%d) and last (%d) frame; the manifest's own count of "
                            + "dropped frames (%d) includes the encoder's thinning of repeated timestamps.", first, last,
                            manifest.droppedFrames()));
                    report.note("The devstack relays the publisher by re-encoding it per subscriber (livekit-server "
                            + "forwards RTP): frames it was given for the recorder's connection and never encoded "
                            + "(its videoSent counts: " + relaySkipped + ") are gaps the devstack made, so the "
                            + "recorder's loss is counted as the missing numbers (" + missing + ") less those. That "
                            + "is a bound, not a frame-by-frame match: the relay counts the whole connection, frames "
                            + "before the recording's first one included (at least the 2-3 given before its encoder "
                            + "attaches), so where its count exceeds the missing numbers a loss of up to the "
                            + "difference would not show.");
                    report.note("Frames the bounded queues dropped are counted before, during and after the outage: "
                            + "they are the encoder falling behind on shared cores, which a storage outage must not "
                            + "cause (the media path never waits on S3).");
                    report.note("Both workers ran on the same 2 cores as the devstack and the publisher (load "
                            + "averages below).");
                }
                spooled.stop(Duration.ofSeconds(30));
            }
            baseline.stop(Duration.ofSeconds(30));
        }
        return report;
    }

    /** Frames the devstack's relay was given for this job's recorder and never encoded, once its connection closed. */
    private static long relaySkipped(Stack stack, Stack.Job job) {
        String recorder = new RoomRequest("outage", null, new LayerCap(720, 30), "-", job.id().toString())
                .recorderIdentity();
        Timing.until(Duration.ofSeconds(30), recorder + " left the room", () ->
                !stack.devstack.rooms().participants("outage").contains(recorder)
                        && !stack.devstack.rooms().videoSent("outage", recorder).isEmpty());
        return stack.devstack.rooms().videoSent("outage", recorder).stream().mapToLong(VideoSent::skipped).sum();
    }

    private static void awaitReady(ChildJvm worker) {
        Timing.until(Duration.ofSeconds(90), worker.name() + " up", () -> !worker.alive()
                || worker.logLines().stream().anyMatch(l -> l.contains("recording pipeline ready")));
        if (!worker.alive()) {
            throw new IllegalStateException(worker.name() + " exited; see " + worker.log());
        }
    }

    private static double queueDrops(OpsScrape ops) throws Exception {
        return OpsScrape.value(ops.text(), QUEUE_DROPPED).orElse(0);
    }

    private static double gauge(OpsScrape ops, String name) throws Exception {
        return OpsScrape.value(ops.text(), name).orElseThrow(() -> new IllegalStateException("no " + name));
    }

    /** Every segment object under the job's prefix: a job without a manifest (the baseline's FAILED one) included. */
    private static List<String> segmentKeys(Stack stack, Stack.Job job) {
        String prefix = S3Keys.jobPrefix(MintId.of(job.mint()), job.id());
        return stack.s3.listObjectsV2Paginator(r -> r.bucket(stack.devstack.s3Bucket()).prefix(prefix)).contents()
                .stream().map(S3Object::key).filter(k -> k.endsWith(".ts")).sorted().toList();
    }

    private static TreeSet<Long> frames(Stack stack, List<String> keys, Path dir) throws Exception {
        TreeSet<Long> numbers = new TreeSet<>();
        for (String key : keys) {
            Path file = dir.resolve("segment.ts");
            Files.write(file, stack.s3.getObjectAsBytes(r -> r.bucket(stack.devstack.s3Bucket()).key(key)).asByteArray());
            numbers.addAll(FrameNumbers.ofCorner(file));
        }
        Files.deleteIfExists(dir.resolve("segment.ts"));
        return numbers;
    }

    private static String describe(StatusEvent e) {
        return switch (e) {
            case StatusEvent.Failed f -> "FAILED " + f.code() + " at attempt " + f.attempt() + ": " + f.error();
            case StatusEvent.Stopped s -> "STOPPED " + s.code() + " at attempt " + s.attempt();
            default -> e.getClass().getSimpleName();
        };
    }
}
