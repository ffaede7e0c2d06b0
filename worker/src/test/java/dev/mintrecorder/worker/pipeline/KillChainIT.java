package dev.mintrecorder.worker.pipeline;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.S3Keys;
import dev.mintrecorder.contracts.StartOptions;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.devstack.ChildJvm;
import dev.mintrecorder.devstack.Mints;
import dev.mintrecorder.devstack.media.VideoSent;
import dev.mintrecorder.worker.media.Probe;
import dev.mintrecorder.worker.storage.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Workers SIGKILLed again and again at seeded random points while two jobs record, some kills placed in the window
 * between a segment's completed upload and the index write, with idle slots fetching on every worker. Every job ends
 * with exactly one terminal event, an ENDLIST playlist that lists every segment object in S3, no open upload, one
 * resume per kill that hit it, and its decoded frame numbers accounted for: the jumps at its discontinuities (the
 * failovers) and the frames missing inside runs, of which those in the segments an attempt indexed must include
 * every frame the manifest counts as dropped by that attempt (the rest the publisher never sent).
 *
 * <p>{@code -Dkillchain.kills=N} (20 by default) and {@code -Dkillchain.seed=S} choose the run; a failure names both.
 */
class KillChainIT {
    private static final Logger log = LoggerFactory.getLogger(KillChainIT.class);
    private static final int SEGMENT_S = 2;
    private static final int JOBS = 2;
    private static final int KILLS = Integer.getInteger("killchain.kills", 20);
    private static final long SEED = Long.getLong("killchain.seed", 20261206L);
    /** Every this many kills, the kill waits for the index-write window instead of a random instant. */
    private static final int WINDOW_EVERY = 3;
    private static final Map<String, String> WORKER = Map.of("JOBS_MAX_ROOMS", "2",
            "JOBS_MAX_ATTEMPTS", String.valueOf(KILLS + 5));

    @RegisterExtension
    static final PipelineStack stack = new PipelineStack(Map.of());

    private final List<ChildJvm> started = new ArrayList<>();
    private final Map<String, ChildJvm> live = new LinkedHashMap<>();
    private int workers;

    @Test
    void jobsSurviveManyKillsAtRandomPoints(@TempDir Path dir) throws Exception {
        SplittableRandom random = new SplittableRandom(SEED);
        String run = "kill chain (-Dkillchain.kills=" + KILLS + " -Dkillchain.seed=" + SEED + ")";
        log.info("{}", run);
        Map<UUID, String> mints = new LinkedHashMap<>();
        Map<UUID, String> rooms = new HashMap<>();
        Map<UUID, Integer> kills = new HashMap<>();
        int windows = 0;
        try {
            worker(dir);
            worker(dir);
            for (int i = 0; i < JOBS; i++) {
                String mint = Mints.random();
                stack.room("chain-" + i, "pub-" + i);
                UUID job = stack.jobs.start(mint, StartOptions.DEFAULTS.withRoom("chain-" + i).withTarget("pub-" + i)
                        .withMaxDurationS(3600).withSegmentS(SEGMENT_S));
                mints.put(job, mint);
                rooms.put(job, "chain-" + i);
                kills.put(job, 0);
            }
            for (UUID job : mints.keySet()) {
                await().atMost(Duration.ofSeconds(120)).until(() -> !stack.status.of(job, StatusEvent.Segment.class).isEmpty());
            }
            for (int k = 1; k <= KILLS; k++) {
                List<UUID> jobs = List.copyOf(mints.keySet());
                UUID target = jobs.get(random.nextInt(jobs.size()));
                String victim = holder(target).workerId();
                boolean inWindow = k % WINDOW_EVERY == 0;
                Map<UUID, Integer> held = jobs.stream().filter(j -> holder(j).workerId().equals(victim))
                        .collect(Collectors.toMap(j -> j, j -> holder(j).attempt()));
                ChildJvm dying = live.remove(victim);
                if (inWindow) {
                    // The worker halts itself at its next index write after a segment upload.
                    windows++;
                    Files.createFile(trigger(dir, victim));
                    await().atMost(Duration.ofSeconds(SEGMENT_S * 4L)).until(() -> !dying.alive());
                    assertTrue(dying.output().contains("halting in the index-write window"), dying::output);
                } else {
                    if (random.nextInt(4) > 0) {
                        // Mostly in the middle of recording: after a segment of this attempt; else early (joining).
                        int attempt = holder(target).attempt();
                        await().atMost(Duration.ofSeconds(60)).until(() -> stack.status.of(target, StatusEvent.Segment.class)
                                .stream().anyMatch(e -> e.attempt() == attempt));
                    }
                    long delayMs = random.nextLong(SEGMENT_S * 1500L);
                    await().pollDelay(Duration.ofMillis(delayMs)).atMost(Duration.ofMillis(delayMs + 1000)).until(() -> true);
                    dying.kill();
                }
                log.info("kill {}/{}: {} holding {}{}", k, KILLS, victim, held.keySet(), inWindow ? " (index window)" : "");
                held.keySet().forEach(j -> kills.merge(j, 1, Integer::sum));
                worker(dir);
                for (Map.Entry<UUID, Integer> h : held.entrySet()) {
                    await().atMost(Duration.ofSeconds(120)).until(() -> holder(h.getKey()).attempt() > h.getValue()
                            && holder(h.getKey()) instanceof StatusEvent.Resumed);
                }
            }
            mints.forEach((job, mint) -> stack.jobs.stop(mint, job, "chain done"));
            for (UUID job : mints.keySet()) {
                await().atMost(Duration.ofSeconds(60)).until(() -> stack.status.end(job).isPresent());
            }
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() ->
                    mints.keySet().stream().allMatch(j -> stack.status.terminal(j).size() == 1));
            long recovered = 0;
            for (UUID job : mints.keySet()) {
                recovered += check(run, rooms.get(job), mints.get(job), job, kills.get(job), dir);
            }
            log.info("{}: {} kills, {} of them in the index-write window, {} segments recovered", run, KILLS, windows,
                    recovered);
            // At least one each: a halt can also catch another job's segment between its upload and its index write.
            assertTrue(recovered >= windows, run + ": each kill in the index-write window left a segment to recover");
        } finally {
            for (ChildJvm w : started) {
                w.close();
            }
        }
    }

    private void worker(Path dir) throws Exception {
        String id = "chain-w" + workers++;
        Map<String, String> env = new HashMap<>(WORKER);
        env.put("TEST_HALT_AT_INDEX_FILE", trigger(dir, id).toString());
        ChildJvm w = stack.workerProcess(ChildJvm.main(IndexWindowWorkerMain.class.getName(), List.of())
                .workerFlags(), id, dir, env);
        started.add(w);
        live.put(id, w);
    }

    /** The job's latest start: its ACCEPTED or RESUMED event. */
    private static StatusEvent holder(UUID job) {
        return stack.status.of(job).stream()
                .filter(e -> e instanceof StatusEvent.Accepted || e instanceof StatusEvent.Resumed)
                .reduce((a, b) -> b).orElseThrow();
    }

    private static Path trigger(Path dir, String workerId) {
        return dir.resolve(workerId + ".halt-at-index");
    }

    /** The index of the attempt that wrote segment {@code seq}: the last to start at or before it. */
    private static int attemptOf(List<Manifest.Attempt> attempts, long seq) {
        int i = 0;
        while (i + 1 < attempts.size() && attempts.get(i + 1).fromSeq() <= seq) {
            i++;
        }
        return i;
    }

    /** Checks the job's recording; returns its segments recovered on resume. */
    private static long check(String run, String room, String mint, UUID job, int killed, Path dir) throws Exception {
        String why = run + ", job " + job;
        StatusEvent.Stopped stopped = assertInstanceOf(StatusEvent.Stopped.class, stack.status.terminal(job).getFirst(), why);
        String prefix = S3Keys.jobPrefix(MintId.of(mint), job);
        String bucket = stack.config.storage().bucket();
        assertTrue(stack.s3.listMultipartUploads(r -> r.bucket(bucket).prefix(prefix)).uploads().isEmpty(),
                why + ": an upload was left open");
        Path rec = dir.resolve("recording-" + job);
        stack.download(prefix, rec);
        Manifest manifest = Manifest.fromJson(Files.readAllBytes(rec.resolve("manifest.json")));
        String playlist = Files.readString(rec.resolve("index.m3u8"));
        assertTrue(playlist.endsWith("#EXT-X-ENDLIST\n"), why + "\n" + playlist);
        List<String> segmentObjects = stack.s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents()
                .stream().map(S3Object::key).filter(k -> k.endsWith(".ts")).sorted().toList();
        for (String key : segmentObjects) {
            assertTrue(playlist.contains(key.substring(key.lastIndexOf('/') + 1) + "\n"),
                    why + ": " + key + " is in S3 but not in the playlist\n" + playlist);
        }
        assertEquals(segmentObjects.size(), manifest.segments().size(), why + ": segments in S3 vs the manifest");
        assertEquals(killed, stack.status.of(job, StatusEvent.Resumed.class).size(), why + ": one RESUMED per kill");
        // An attempt killed before its first index write leaves no trace in the manifest; the others each add one.
        assertTrue(manifest.resumes().size() <= killed && manifest.resumes().size() >= Math.min(1, killed),
                why + ": " + manifest.resumes().size() + " resumes in the manifest for " + killed + " kills");
        assertEquals(manifest.resumes().size() + 1, stopped.recording().attempts(), why + ": attempts");

        // Frame accounting: a jump at a discontinuity is the failover's gap; missing frames inside a run are the
        // worker's drops or frames the publisher never sent. Each of the worker's counted drops is a missing number,
        // so the drops bound the missing frames from below; the rest the manifest's source_skipped_frames only
        // estimates (docs/design.md, "Missing frame numbers"). A salvaged or recovered segment's figures died with the
        // attempt that wrote it (it was never indexed), so its missing frames are reported apart and not checked.
        List<Manifest.Attempt> attempts = manifest.attempts();
        long[] missingByAttempt = new long[attempts.size()];
        long insideRuns = 0;
        long insideUnindexed = 0;
        long atDiscontinuities = 0;
        long unreadable = 0;
        long last = -1;
        List<String> where = new ArrayList<>();
        for (Manifest.Segment s : manifest.segments()) {
            boolean runStart = s.discontinuity();
            // Frames present but unreadable (a blurred or damaged picture) sit between two numbers: not missing.
            long unreadableSince = 0;
            int index = 0;
            for (OptionalLong n : Probe.frames(List.of(rec.resolve(s.key().substring(s.key().lastIndexOf('/') + 1))),
                    320, 240)) {
                index++;
                if (n.isEmpty()) {
                    unreadable++;
                    unreadableSince++;
                    continue;
                }
                long jump = last < 0 ? 0 : Math.max(0, n.getAsLong() - last - 1 - unreadableSince);
                if (runStart) {
                    atDiscontinuities += jump;
                } else if (jump > 0 && (s.salvaged() || s.recovered())) {
                    insideUnindexed += jump;
                } else if (jump > 0) {
                    insideRuns += jump;
                    missingByAttempt[attemptOf(attempts, s.seq())] += jump;
                    where.add("seg " + s.seq() + " frame " + index + ": " + last + " -> " + n.getAsLong());
                }
                runStart = false;
                unreadableSince = 0;
                last = n.getAsLong();
            }
        }
        List<String> byAttempt = new ArrayList<>();
        for (int i = 0; i < attempts.size(); i++) {
            Manifest.Attempt a = attempts.get(i);
            byAttempt.add("from seq " + a.fromSeq() + ": missing " + missingByAttempt[i] + ", dropped "
                    + a.droppedFrames() + ", source-skipped " + a.sourceSkippedFrames());
            assertTrue(a.droppedFrames() <= missingByAttempt[i], why + ": attempt from seq " + a.fromSeq() + " counts "
                    + a.droppedFrames() + " dropped, but its segments miss only " + missingByAttempt[i] + ": " + where);
        }
        // The publisher's own counts, per recorder connection (one per attempt); a killed attempt's connection goes on
        // being given frames it never encodes until the room server closes it, so these bound more than the runs.
        List<VideoSent> publisher = stack.videoSentToRecorder(room, job);
        log.info("{}: {} kills hit it, {} segments ({} recovered, {} salvaged), {} frames missing at discontinuities, "
                        + "{} inside runs of indexed segments {}, {} inside salvaged or recovered ones, {} frames unreadable, "
                        + "manifest: {} dropped, {} source-skipped; per attempt {}; the publisher's senders {}", why, killed,
                manifest.segments().size(), manifest.segments().stream().filter(Manifest.Segment::recovered).count(),
                manifest.segments().stream().filter(Manifest.Segment::salvaged).count(), atDiscontinuities, insideRuns,
                where, insideUnindexed, unreadable, manifest.droppedFrames(), manifest.sourceSkippedFrames(), byAttempt,
                publisher);
        assertTrue(manifest.droppedFrames() <= insideRuns, why + ": " + manifest.droppedFrames() + " counted as dropped, "
                + insideRuns + " frames missing inside runs: " + where);
        return manifest.segments().stream().filter(Manifest.Segment::recovered).count();
    }
}
