package dev.mintrecorder.bench;

import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.devstack.ChildJvm;
import dev.mintrecorder.devstack.room.SyntheticPublisherSpec;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code memory}: where an idle worker's resident bytes go and what one more 720p30 room adds, for the production JVM
 * flags ({@link ChildJvm#WORKER_FLAGS}) beside the flags they replaced, in the same run. Per variant: the worker jar
 * as a child JVM with Native Memory Tracking on; idle for {@link #IDLE}, then three rooms added one by one, each
 * settled for {@link #SETTLE}. At each point: RSS, smaps (resident bytes per mapping owner), the NMT summary, the
 * heap in use, threads, and the worker's CPU per recorded frame over {@link #WINDOW}.
 */
final class MemoryScenario implements BenchMain.Scenario {
    static final Duration IDLE = Duration.ofSeconds(15);
    static final Duration SETTLE = Duration.ofSeconds(20);
    static final Duration WINDOW = Duration.ofSeconds(15);
    static final int ROOMS = 2;
    static final int FPS = 30;
    static final double GOAL_IDLE_MB = 150;
    static final double GOAL_MB_PER_ROOM = 48;
    /** What the production flags replaced (the demo's and the benchmarks' flags until then). */
    static final List<String> BEFORE = List.of("-Xmx512m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED");
    static final String NMT = "-XX:NativeMemoryTracking=summary";

    /** One set of JVM flags to measure. */
    record Variant(String name, String flags, ChildJvm.Launch launch) {
    }

    /** One measuring point: RSS and its breakdown with {@code rooms} rooms recording. */
    record Point(int rooms, double rssMb, double queuedMb, long drops, long heapUsedKb, int threads,
                 double cpuMsPerFrame, Map<String, Long> rollupKb, Map<String, Long> ownersKb, Map<String, Long> nmtKb) {
        /** RSS less the decoded frames waiting in the rooms' video queues (a backlog, not a room's steady cost). */
        double rssLessQueuesMb() {
            return rssMb - queuedMb;
        }
    }

    /** The production variant's idle heap by class, largest first (filled while it runs). */
    private static final Map<String, Long> HEAP_TOP = new LinkedHashMap<>();
    private static final Pattern PROGRESS = Pattern.compile(
            "progress job=(\\S+) .*video_queue_bytes=(\\d+) .*dropped_frames=(\\d+) frames_encoded=(\\d+)");

    @Override
    public Report run() throws Exception {
        Report report = new Report("memory", "Where an idle worker's RSS goes and what one more 720p30 room adds: the "
                + "worker jar as a child JVM, idle " + IDLE.toSeconds() + " s, then " + ROOMS + " rooms added one by "
                + "one (" + SETTLE.toSeconds() + " s settle, " + WINDOW.toSeconds() + " s CPU window each), for the "
                + "production JVM flags (" + ChildJvm.WORKER_FLAGS + ") and the flags they replaced, in one run.");
        List<Variant> variants = variants();
        Map<String, List<Point>> results = new LinkedHashMap<>();
        try (Stack stack = Stack.start()) {
            for (Variant v : variants) {
                results.put(v.name(), measure(stack, v));
            }
        }
        List<List<String>> rows = new ArrayList<>();
        for (Variant v : variants) {
            List<Point> pts = results.get(v.name());
            Point idle = pts.get(0);
            double marginal = marginalMb(pts);
            double cpuMs = pts.stream().skip(1).mapToDouble(Point::cpuMsPerFrame).average().orElse(Double.NaN);
            List<String> row = new ArrayList<>(List.of(v.name(), "`" + v.flags() + "`", f(idle.rssMb())));
            pts.stream().skip(1).forEach(p -> row.add(f(p.rssMb()) + " (" + f(p.rssLessQueuesMb()) + "; "
                    + p.drops() + " drops)"));
            row.addAll(List.of(f(marginal), f(idle.heapUsedKb() / 1024.0), Integer.toString(idle.threads()),
                    f(cpuMs)));
            rows.add(row);
            String key = v.name().replaceAll("\\W+", "_");
            report.figure(key + "_idle_rss_mb", idle.rssMb());
            report.figure(key + "_marginal_mb_per_room", marginal);
            report.figure(key + "_cpu_ms_per_frame", cpuMs);
        }
        List<String> header = new ArrayList<>(List.of("variant", "flags", "idle RSS MB"));
        for (int n = 1; n <= ROOMS; n++) {
            header.add(n + " room" + (n > 1 ? "s" : "") + " RSS MB (less queued frames; drops so far)");
        }
        header.addAll(List.of("marginal MB per room (less queued frames)", "idle heap used MB", "idle threads",
                "worker CPU ms per encoded frame (rooms)"));
        report.table(header, rows);
        List<Point> prod = results.get("production");
        Point idle = prod.get(0);
        Point full = prod.get(prod.size() - 1);
        report.goal(new Report.Goal("idle worker RSS (production flags, NMT on)", true, GOAL_IDLE_MB, idle.rssMb(),
                "MB"));
        report.goal(new Report.Goal("RSS per 720p30 room (marginal: slope over 1.." + ROOMS + " rooms, queued "
                + "frames not counted)", true, GOAL_MB_PER_ROOM, marginalMb(prod), "MB"));
        report.section("Production flags: resident kB per mapping owner (smaps), idle and with " + ROOMS + " rooms",
                List.of("owner", "idle kB", ROOMS + " rooms kB"), breakdown(idle.ownersKb(), full.ownersKb()));
        report.section("Production flags: JVM Native Memory Tracking, committed kB, idle and with " + ROOMS + " rooms",
                List.of("NMT category", "idle kB", ROOMS + " rooms kB"), breakdown(idle.nmtKb(), full.nmtKb()));
        report.section("Production flags, idle: the live heap's largest classes (GC.class_histogram)",
                List.of("class", "bytes"), HEAP_TOP.entrySet().stream()
                        .map(e -> List.of("`" + e.getKey() + "`", Long.toString(e.getValue()))).toList());
        report.section("Production flags: smaps_rollup, kB", List.of("field", "idle kB", ROOMS + " rooms kB"),
                breakdown(idle.rollupKb(), full.rollupKb()));
        long anon = idle.rollupKb().getOrDefault("Anonymous", 0L);
        // NMT's total less its own bookkeeping and the CDS archive (file-backed, not anonymous).
        long nmt = idle.nmtKb().getOrDefault("Total", 0L) - idle.nmtKb().getOrDefault("Native Memory Tracking", 0L)
                - idle.nmtKb().getOrDefault("Shared class space", 0L);
        report.figure("production_idle_anonymous_kb", anon);
        report.figure("production_idle_nmt_committed_kb_less_nmt_and_cds", nmt);
        // Negative when committed heap and metaspace are not all touched: NMT counts committed, RSS resident.
        report.figure("production_idle_anonymous_less_nmt_committed_kb", anon - nmt);
        report.note("Queued frames: under contention the encoders fall behind and each room's video queue fills "
                + "up to its bound (48 MB of decoded 720p frames). That backlog is not a room's steady-state cost, "
                + "so the marginal figure subtracts the queues' bytes (each job's latest progress line) from RSS; "
                + "the raw RSS is in the table too. Frames dropped under that contention are counted per point.");
        report.note("Every variant runs with " + NMT + " so that jcmd can read the summary; NMT's own bookkeeping "
                + "(its row in the NMT table) is part of each RSS here and is not in production.");
        report.note("NMT counts what the JVM commits (heap, metaspace, code cache, its threads' stacks, GC, its "
                + "own malloc). Committed is an upper bound of resident: a committed heap page that was never touched "
                + "is not in RSS. Anonymous memory that NMT does not count is native code's own malloc and threads: "
                + "libwebrtc (the PeerConnectionFactory's threads and buffers, decoded frames), FFmpeg and x264 "
                + "(encoder state, lookahead), glibc's arenas.");
        report.note("The worker's CPU per frame is its whole process CPU over the window divided by the frames its "
                + "encoders encoded in it (progress lines), averaged over 1.." + ROOMS + " rooms. The "
                + "machine's cores were shared with other engineers' test runs and the devstack (Kafka, the "
                + "publishers' media process): CPU seconds are less disturbed by that than wall-clock capacity, but "
                + "not immune (cache and frequency effects).");
        return report;
    }

    /** production (the file), before (the old flags), and what BENCH_MEMORY_EXTRA adds (space-separated flags). */
    private static List<Variant> variants() {
        List<Variant> out = new ArrayList<>();
        out.add(new Variant("production", "@" + ChildJvm.WORKER_FLAGS,
                ChildJvm.workerJar(BenchMain.WORKER_JAR).flags(NMT)));
        out.add(new Variant("before", String.join(" ", BEFORE),
                ChildJvm.jar(BenchMain.WORKER_JAR).flags(BEFORE).flags(NMT)
                        .envUnlessSet("MALLOC_ARENA_MAX", BenchMain.MALLOC_ARENA_MAX)));
        String extra = System.getenv("BENCH_MEMORY_EXTRA");
        if (extra != null && !extra.isBlank()) {
            // Each ';'-separated set: JVM flags, and NAME=value words for the environment.
            for (String set : extra.split(";")) {
                ChildJvm.Launch launch = ChildJvm.workerJar(BenchMain.WORKER_JAR).flags(NMT);
                for (String word : set.trim().split("\\s+")) {
                    if (word.startsWith("-")) {
                        launch.flags(word);
                    } else {
                        String[] kv = word.split("=", 2);
                        launch.env(Map.of(kv[0], kv[1]));
                    }
                }
                out.add(new Variant("production + " + set.trim(), "@" + ChildJvm.WORKER_FLAGS + " " + set.trim(),
                        launch));
            }
        }
        return out;
    }

    private static List<Point> measure(Stack stack, Variant v) throws Exception {
        String id = "bench-memory-" + v.name().replaceAll("\\W+", "-");
        List<Point> points = new ArrayList<>();
        try (ChildJvm worker = stack.worker(v.launch(), id, ROOMS + 1, Map.of())) {
            Timing.until(Duration.ofSeconds(90), "worker up", () -> !worker.alive()
                    || worker.logLines().stream().anyMatch(l -> l.contains("recording pipeline ready")));
            if (!worker.alive()) {
                throw new IllegalStateException(v.name() + ": the worker exited; see " + worker.log());
            }
            Timing.pause(IDLE);
            points.add(point(worker, 0, Double.NaN));
            if (v.name().equals("production")) {
                HEAP_TOP.putAll(ProcMemory.heapTopClasses(worker.pid(), 12));
            }
            List<Stack.Job> jobs = new ArrayList<>();
            for (int n = 1; n <= ROOMS; n++) {
                String room = id + "-" + n;
                stack.devstack.rooms().createRoom(room, SyntheticPublisherSpec.hd("streamer"));
                Stack.Job job = stack.start(room, "streamer", 2);
                jobs.add(job);
                stack.status.await(job.id(), StatusEvent.Joined.class, Duration.ofSeconds(60));
                Timing.pause(SETTLE);
                double c0 = worker.cpuSeconds();
                long e0 = progress(worker).values().stream().mapToLong(q -> q[2]).sum();
                Timing.pause(WINDOW);
                double cpu = worker.cpuSeconds() - c0;
                long encoded = progress(worker).values().stream().mapToLong(q -> q[2]).sum() - e0;
                points.add(point(worker, n, encoded > 0 ? cpu * 1000 / encoded : Double.NaN));
            }
            for (Stack.Job job : jobs) {
                stack.jobs.stop(job.mint(), job.id(), "bench done");
            }
            for (Stack.Job job : jobs) {
                stack.status.await(job.id(), StatusEvent.Stopped.class, Duration.ofSeconds(60));
            }
            worker.stop(Duration.ofSeconds(30));
        }
        return points;
    }

    private static Point point(ChildJvm worker, int rooms, double cpuMsPerFrame) throws Exception {
        long pid = worker.pid();
        int threads;
        try (var tasks = Files.list(java.nio.file.Path.of("/proc", Long.toString(pid), "task"))) {
            threads = (int) tasks.count();
        }
        Map<String, long[]> byJob = progress(worker);
        double queuedMb = byJob.values().stream().mapToLong(q -> q[0]).sum() / 1e6;
        long drops = byJob.values().stream().mapToLong(q -> q[1]).sum();
        Point p = new Point(rooms, worker.rssBytes() / 1e6, queuedMb, drops, ProcMemory.heapUsedKb(pid), threads,
                cpuMsPerFrame, ProcMemory.rollupKb(pid), ProcMemory.rssByOwnerKb(pid), ProcMemory.nmtCommittedKb(pid));
        BenchMain.say("memory %s: %d rooms: RSS %.1f MB (%.1f MB queued frames, %d drops), heap used %.1f MB, %d "
                        + "threads, %.2f CPU-ms per frame", worker.name(), rooms, p.rssMb(), queuedMb, drops,
                p.heapUsedKb() / 1024.0, threads, cpuMsPerFrame);
        return p;
    }

    /** Each job's latest progress line: queued video bytes now, frames dropped and frames encoded so far. */
    private static Map<String, long[]> progress(ChildJvm worker) throws java.io.IOException {
        Map<String, long[]> byJob = new LinkedHashMap<>();
        for (String line : worker.logLines()) {
            Matcher m = PROGRESS.matcher(line);
            if (m.find()) {
                byJob.put(m.group(1), new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                        Long.parseLong(m.group(4))});
            }
        }
        return byJob;
    }

    /** Least-squares slope of RSS against rooms over the points with rooms (the idle point carries no room). */
    static double marginalMb(List<Point> points) {
        List<Point> withRooms = points.stream().filter(p -> p.rooms() > 0).toList();
        double mx = withRooms.stream().mapToDouble(Point::rooms).average().orElse(0);
        double my = withRooms.stream().mapToDouble(Point::rssLessQueuesMb).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        for (Point p : withRooms) {
            sxy += (p.rooms() - mx) * (p.rssLessQueuesMb() - my);
            sxx += (p.rooms() - mx) * (p.rooms() - mx);
        }
        return sxx == 0 ? Double.NaN : sxy / sxx;
    }

    private static List<List<String>> breakdown(Map<String, Long> idle, Map<String, Long> full) {
        List<List<String>> rows = new ArrayList<>();
        idle.forEach((k, v) -> {
            if (v > 0 || full.getOrDefault(k, 0L) > 0) {
                rows.add(List.of(k, Long.toString(v), Long.toString(full.getOrDefault(k, 0L))));
            }
        });
        full.forEach((k, v) -> {
            if (!idle.containsKey(k) && v > 0) {
                rows.add(List.of(k, "0", Long.toString(v)));
            }
        });
        return rows;
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
