package dev.mintrecorder.demo;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.RecordingJobs;
import dev.mintrecorder.contracts.S3Keys;
import dev.mintrecorder.contracts.StartOptions;
import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.contracts.StatusFeed;
import dev.mintrecorder.devstack.ChildJvm;
import dev.mintrecorder.devstack.Devstack;
import dev.mintrecorder.devstack.DevstackOptions;
import dev.mintrecorder.devstack.Mints;
import dev.mintrecorder.devstack.conformance.NodeScript;
import dev.mintrecorder.devstack.player.RecordingPlayer;
import dev.mintrecorder.devstack.room.SyntheticPublisherSpec;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./scripts/demo}: starts the devstack (Kafka, S3Proxy, the LiveKit-protocol room server with a synthetic
 * publisher), runs a real worker as a child process from its jar, enqueues one job with {@link RecordingJobs}, shows
 * progress while it records, stops it, downloads the recording into {@code target/demo/<job_id>/}, checks it with
 * ffprobe and says how to play it.
 *
 * <p>Run it inside the network namespace that {@code scripts/netns/bin/java} makes (WebRTC needs a non-loopback
 * interface; nothing may leave the machine). The worker child inherits it. Everything must be built before, since
 * nothing inside the namespace can reach a registry.
 *
 * <p>Options: {@code --seconds N} (30), {@code --segment N} (6), {@code --size WxH} (640x360), {@code --fps N} (30).
 *
 * <p>Its own lines, and only those, go to stdout ({@link #say}); logging goes to stderr, which {@code scripts/demo}
 * sends to {@code target/demo/devstack.log}, and the worker child logs to {@code target/demo/worker.log}.
 */
public final class DemoMain {
    private static final Path WORKER_JAR = Path.of("worker/target/mint-recorder-worker.jar");
    private static final Path OUT = Path.of("target/demo");
    private static final String ROOM = "demo";
    private static final String PUBLISHER = "streamer";
    private static final Pattern PROGRESS = Pattern.compile("progress job=(\\S+) .*video_queue_frames=(\\d+) "
            + "video_queue_bytes=(\\d+) video_queue_high_water=(\\d+) dropped_frames=(\\d+)");

    private DemoMain() {
    }

    record Options(int seconds, int segmentS, int width, int height, int fps) {
        static Options parse(String[] args) {
            int seconds = 30;
            int segment = 6;
            int width = 640;
            int height = 360;
            int fps = 30;
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : "";
                switch (args[i]) {
                    case "--seconds" -> seconds = Integer.parseInt(value);
                    case "--segment" -> segment = Integer.parseInt(value);
                    case "--fps" -> fps = Integer.parseInt(value);
                    case "--size" -> {
                        String[] wh = value.split("x");
                        width = Integer.parseInt(wh[0]);
                        height = Integer.parseInt(wh[1]);
                    }
                    case "-h", "--help" -> {
                        System.out.println("usage: scripts/demo [--seconds N] [--segment N] [--size WxH] [--fps N]");
                        System.exit(0);
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i] + " (try --help)");
                }
                i++;
            }
            if (seconds < 5 || segment < 2 || segment > seconds) {
                throw new IllegalArgumentException("need --seconds >= 5 and 2 <= --segment <= --seconds");
            }
            return new Options(seconds, segment, width, height, fps);
        }
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "dev/mintrecorder/devstack/devstack-logback.xml");
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            say("%s", e.getMessage());
            System.exit(2);
            return;
        }
        if (!Files.isRegularFile(WORKER_JAR)) {
            say("%s is missing; run ./scripts/demo (it builds it)", WORKER_JAR);
            System.exit(2);
        }
        Files.createDirectories(OUT);
        int code = new DemoMain().run(options);
        System.exit(code);
    }

    private int run(Options o) throws Exception {
        say("starting the devstack: Kafka (KRaft, share groups), S3Proxy, LiveKit-protocol room server ...");
        long t0 = System.nanoTime();
        try (Devstack stack = Devstack.start(DevstackOptions.defaults())) {
            say("devstack up in %d ms; room '%s' with a synthetic publisher '%s' (%dx%d at %d fps, frame-numbered, 440 Hz tone)",
                    (System.nanoTime() - t0) / 1_000_000, ROOM, PUBLISHER, o.width(), o.height(), o.fps());
            stack.rooms().createRoom(ROOM, new SyntheticPublisherSpec(PUBLISHER, o.width(), o.height(), o.fps(), 440));
            Path workerLog = OUT.resolve("worker.log");
            try (ChildJvm worker = startWorker(stack, workerLog);
                 StatusFeed status = StatusFeed.start(stack.kafkaBootstrap(), this::show);
                 RecordingJobs jobs = RecordingJobs.connect(stack.kafkaBootstrap());
                 S3Client s3 = stack.s3().client()) {
                say("worker started (pid %d, log %s)", worker.pid(), workerLog);
                String mint = Mints.random();
                job = jobs.start(mint, StartOptions.DEFAULTS.withRoom(ROOM).withTarget(PUBLISHER)
                        .withSegmentS(o.segmentS()).withMaxDurationS(o.seconds() + 600));
                say("job %s enqueued for mint %s: record %d s in %d s segments", job, mint, o.seconds(), o.segmentS());
                player = startPlayer(stack, MintId.of(mint), job);

                StatusEvent end = record(o, worker, status, jobs, mint, job);
                if (end instanceof StatusEvent.Failed f) {
                    say("the recording FAILED: %s (%s). See %s", f.error(), f.scope(), workerLog);
                    return 1;
                }
                if (end == null) {
                    say("no STOPPED event in time. See %s", workerLog);
                    return 1;
                }
                Path dir = OUT.resolve(job.toString());
                int files = download(s3, stack.s3Bucket(), S3Keys.jobPrefix(MintId.of(mint), job), dir);
                say("downloaded %d objects into %s", files, dir);
                boolean ok = Playback.check(dir);
                say("stopping the worker (SIGTERM) and the devstack");
                worker.stop(Duration.ofSeconds(30));
                return ok ? 0 : 1;
            } finally {
                if (player != null) {
                    player.close();
                }
            }
        }
    }

    private RecordingPlayer player;
    /** The demo's job, once enqueued: the status events {@link #show} prints. */
    private volatile UUID job;

    /**
     * Serves the hls.js player page over the recording while it records. The page lives in this JVM's network, which
     * is a private namespace where scripts/netns/bin/java could make one: from outside, enter it first
     * ({@code nsenter --net=/proc/PID/ns/net chromium URL}).
     */
    private RecordingPlayer startPlayer(Devstack stack, MintId mint, UUID job) {
        Optional<Path> conformance = NodeScript.project();
        if (conformance.isEmpty()) {
            say("no live player: %s", NodeScript.missingReason());
            return null;
        }
        RecordingPlayer started = RecordingPlayer.start(conformance.get(), stack.s3());
        say("watch it live: %s", started.pageFor(S3Keys.playlist(mint, job)));
        if (System.getenv("MINT_NETNS_ADDR") != null) {
            say("  (inside this demo's network namespace: nsenter --net=/proc/%d/ns/net chromium --no-sandbox <url>)",
                    ProcessHandle.current().pid());
        }
        return started;
    }

    /** Waits for JOINED, shows progress every 2 s for {@code seconds}, then stops the job and waits for its end. */
    private StatusEvent record(Options o, ChildJvm worker, StatusFeed status, RecordingJobs jobs, String mint, UUID job)
            throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!status.await(() -> joinedAt(status, job) != null || status.end(job).isPresent(),
                Duration.ofMillis(500))) {
            if (System.nanoTime() > deadline || !worker.alive()) {
                say("the worker did not join the room in 60 s. See %s", worker.log());
                return null;
            }
        }
        Instant stopAt = joinedAt(status, job) == null ? Instant.now()
                : joinedAt(status, job).plusSeconds(o.seconds());
        while (status.end(job).isEmpty() && Instant.now().isBefore(stopAt)) {
            Duration left = Duration.between(Instant.now(), stopAt);
            status.await(() -> status.end(job).isPresent(), left.compareTo(Duration.ofSeconds(2)) < 0 ? left
                    : Duration.ofSeconds(2));
            showProgress(worker, status, job);
        }
        if (status.end(job).isEmpty()) {
            say("%d s recorded: sending STOP", o.seconds());
            jobs.stop(mint, job, "demo done");
        }
        status.await(() -> status.end(job).isPresent(), Duration.ofSeconds(60));
        showProgress(worker, status, job);
        return status.end(job).orElse(null);
    }

    /** When this process read the job's JOINED event, or null before. */
    private static Instant joinedAt(StatusFeed status, UUID job) {
        return status.received(job).stream().filter(r -> r.event() instanceof StatusEvent.Joined)
                .map(StatusFeed.Received::receivedAt).findFirst().orElse(null);
    }

    private long lastProgressNanos;

    private void showProgress(ChildJvm worker, StatusFeed status, UUID job) throws IOException {
        if (System.nanoTime() - lastProgressNanos < TimeUnit.MILLISECONDS.toNanos(1900)) {
            return;
        }
        lastProgressNanos = System.nanoTime();
        Matcher m = lastProgress(worker);
        String queue = m == null ? "video queue: (no segment yet)"
                : String.format(Locale.ROOT, "video queue %s frames / %s (high water %s), dropped %s",
                m.group(2), mib(Long.parseLong(m.group(3))), mib(Long.parseLong(m.group(4))), m.group(5));
        Instant joined = joinedAt(status, job);
        List<StatusEvent.Segment> segments = status.of(job, StatusEvent.Segment.class);
        say("[%3d s] %d segments, %s uploaded | worker RSS %s | %s",
                joined == null ? 0 : Duration.between(joined, Instant.now()).toSeconds(), segments.size(),
                mib(segments.stream().mapToLong(StatusEvent.Segment::bytes).sum()), mib(Math.max(0, worker.rssBytes())), queue);
    }

    /** Prints the demo job's status events as they arrive (on the feed's thread). */
    private void show(StatusEvent e) {
        if (!e.jobId().equals(job)) {
            return;
        }
        switch (e) {
            case StatusEvent.Segment s -> say("SEGMENT %d: %.2f s, %s, dropped frames so far %d (%s)", s.seq(),
                    s.durationS(), mib(s.bytes()), s.droppedFrames(), s.key());
            case StatusEvent.Joined j -> say("JOINED: the worker subscribed to %s's camera and microphone", PUBLISHER);
            // The whole terminal event, as every consumer of recording.status gets it (docs/events.md).
            case StatusEvent.Stopped s -> say("STOPPED %s (%s); the event:%n  %s", s.code(), s.reason(),
                    new String(Messages.encode(s), java.nio.charset.StandardCharsets.UTF_8));
            case StatusEvent.Failed f -> say("FAILED: %s", f.error());
            case StatusEvent.Heartbeat h -> { }
            default -> say("%s", e.getClass().getSimpleName().toUpperCase(Locale.ROOT));
        }
    }

    /** The worker as a child process from its jar, in this process's network namespace, logging to a file. */
    private static ChildJvm startWorker(Devstack stack, Path log) throws IOException {
        return ChildJvm.workerJar(WORKER_JAR).env(stack.env())
                .env(Map.of("WORKER_ID", "demo-worker", "JOBS_MAX_ROOMS", "1", "JOBS_HEARTBEAT_INTERVAL", "2s"))
                .start("demo-worker", log);
    }

    /** The worker's last per-segment progress line (queue depth and drops), or null. */
    private static Matcher lastProgress(ChildJvm worker) throws IOException {
        List<String> lines = worker.logLines();
        for (int i = lines.size() - 1; i >= 0; i--) {
            Matcher m = PROGRESS.matcher(lines.get(i));
            if (m.find()) {
                return m;
            }
        }
        return null;
    }

    private static int download(S3Client s3, String bucket, String prefix, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<S3Object> objects = s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents()
                .stream().toList();
        for (S3Object obj : objects) {
            Files.write(dir.resolve(obj.key().substring(obj.key().lastIndexOf('/') + 1)),
                    s3.getObjectAsBytes(r -> r.bucket(bucket).key(obj.key())).asByteArray());
        }
        return objects.size();
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    static void say(String format, Object... args) {
        System.out.println("demo: " + String.format(Locale.ROOT, format, args));
        System.out.flush();
    }
}
