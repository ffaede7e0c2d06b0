package dev.mintrecorder.bench;

import dev.mintrecorder.devstack.ChildJvm;
import dev.mintrecorder.devstack.Devstack;
import dev.mintrecorder.devstack.DevstackOptions;
import dev.mintrecorder.devstack.room.SyntheticPublisherSpec;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code stall}: a 1080p30 publisher; the recorder's consumer is stalled for {@code BENCH_STALL_SECONDS} (600: ten
 * minutes; a shorter value is for trying it out). The worker's bounded queues and the unbounded baseline
 * ({@code ROOM_QUEUE_UNBOUNDED=true}) run one after the other in the same run, each in its own child JVM with the
 * production flags, whose RSS is sampled every 250 ms. The bounded run's memory is broken down (smaps_rollup, NMT)
 * at the start and the end of the measured window, so that any residual growth has an owner.
 */
final class StallScenario implements BenchMain.Scenario {
    static final double GOAL_MB_PER_MIN = 0.5;
    /** The memory breakdown's first point, seconds into the stall (the queue is full within a second at 1080p30). */
    static final int BREAKDOWN_FROM_S = 30;
    /** The unbounded baseline is stopped past this growth, to keep the shared machine usable. */
    static final long UNBOUNDED_CAP_BYTES = 3_000_000_000L;
    private static final Pattern STATS = Pattern.compile("(?:stats|DONE) second=(\\d+) delivered=(\\d+) enqueued=(\\d+) "
            + "dropped=(\\d+) frames=(\\d+) bytes=(\\d+) high_water=(\\d+) audio_dropped=\\d+ heap_used=(\\d+) "
            + "heap_committed=(\\d+) gcs=(\\d+)");

    /** What one child run measured. */
    record Run(String mode, String queues, List<double[]> rssSeries, double growthMbPerMin, double growthFrom,
               long rssAtStall,
               long peakRss, long delivered, long dropped, long highWater, double seconds, boolean capped,
               int firstDropSecond, double heapUsedGrowthMbPerMin, double heapCommittedMb, long gcs,
               double firstHalfMbPerMin, double secondHalfMbPerMin, Breakdown breakdown) {
    }

    /** Memory by owner at two points of the bounded stall (empty for a run stopped before the second). */
    record Breakdown(double fromS, double toS, Map<String, Long> rollupFromKb, Map<String, Long> rollupToKb,
                     Map<String, Long> nmtFromKb, Map<String, Long> nmtToKb) {
        static final Breakdown NONE = new Breakdown(0, 0, Map.of(), Map.of(), Map.of(), Map.of());

        double mbPerMin(Map<String, Long> from, Map<String, Long> to, String key) {
            return (to.getOrDefault(key, 0L) - from.getOrDefault(key, 0L)) / 1000.0 / ((toS - fromS) / 60);
        }
    }

    @Override
    public Report run() throws Exception {
        int stallSeconds = Integer.parseInt(System.getenv().getOrDefault("BENCH_STALL_SECONDS", "600"));
        Report report = new Report("stall", "1080p30 synthetic publisher; the recorder's encoder (queue consumer) stalled "
                + stallSeconds + " s. Bounded queues (the worker's defaults) vs the unbounded baseline, same run, "
                + "each in its own child JVM (the worker's room client, the production flags plus " + MemoryScenario.NMT
                + "); RSS is that JVM's VmRSS.");
        try (Devstack stack = Devstack.start(DevstackOptions.defaults().only(Devstack.Component.ROOMS))) {
            Run bounded = stall(stack, "bounded", Map.of(), stallSeconds);
            Run unbounded = stall(stack, "unbounded", Map.of("ROOM_QUEUE_UNBOUNDED", "true"), stallSeconds);
            for (Run r : List.of(bounded, unbounded)) {
                String p = r.mode() + "_";
                report.figure(p + "queues", r.queues())
                        .figure(p + "rss_at_stall_start_mb", r.rssAtStall() / 1e6)
                        .figure(p + "rss_peak_mb", r.peakRss() / 1e6)
                        .figure(p + "rss_growth_mb_per_min", r.growthMbPerMin())
                        .figure(p + "growth_measured_from_s", r.growthFrom())
                        .figure(p + "frames_delivered", r.delivered())
                        .figure(p + "frames_dropped", r.dropped())
                        .figure(p + "queue_high_water_mb", r.highWater() / 1e6)
                        .figure(p + "stalled_s", r.seconds())
                        .figure(p + "java_heap_used_growth_mb_per_min", r.heapUsedGrowthMbPerMin())
                        .figure(p + "java_heap_committed_mb_at_end", r.heapCommittedMb())
                        .figure(p + "java_gcs_by_end", r.gcs())
                        .figure(p + "rss_growth_first_half_mb_per_min", r.firstHalfMbPerMin())
                        .figure(p + "rss_growth_second_half_mb_per_min", r.secondHalfMbPerMin());
                for (int m : new int[] {1, 2, 5, 10}) {
                    r.rssSeries().stream().filter(x -> x[0] >= m * 60 - 1).findFirst()
                            .filter(x -> x[0] <= m * 60 + 1)
                            .ifPresent(x -> report.figure(p + "rss_mb_at_" + m + "_min", x[1]));
                }
                report.rssSeries(r.mode() + (r.capped() ? " (stopped at +3 GB)" : ""), r.rssSeries());
            }
            double peakGrowthBounded = (bounded.peakRss() - bounded.rssAtStall()) / 1e6;
            double peakGrowthUnbounded = (unbounded.peakRss() - unbounded.rssAtStall()) / 1e6;
            report.figure("peak_growth_bounded_mb", peakGrowthBounded)
                    .figure("peak_growth_unbounded_mb", peakGrowthUnbounded)
                    .figure("peak_growth_ratio_unbounded_to_bounded", peakGrowthUnbounded / Math.max(1, peakGrowthBounded))
                    .figure("growth_rate_unbounded_mb_per_min_per_bounded_mb_per_min",
                            unbounded.growthMbPerMin() / Math.max(0.01, Math.abs(bounded.growthMbPerMin())));
            report.goal(new Report.Goal("RSS slope once the bound is reached, stalled (absolute value)",
                    true, GOAL_MB_PER_MIN, Math.abs(bounded.growthMbPerMin()), "MB/min"));
            breakdown(report, bounded.breakdown());
            report.note(String.format(java.util.Locale.ROOT, "Growth is the Theil–Sen (median pairwise) slope of RSS; bounded: from "
                    + "%.0f s after the stall began (the first drop, i.e. the queue full, came at %d s; +5 s for "
                    + "libwebrtc's buffers to settle) to the end; unbounded: over the whole stall. Samples every 250 ms.",
                    bounded.growthFrom(), bounded.firstDropSecond()));
            if (unbounded.capped()) {
                report.note(String.format(java.util.Locale.ROOT, "The unbounded baseline was stopped after %.0f s at "
                        + "+3 GB RSS (safety cap on a shared machine); it would have kept growing.", unbounded.seconds()));
            }
            report.note(String.format(java.util.Locale.ROOT, "Where the bounded run's residual growth goes: RSS "
                    + "%.2f MB/min while the decoded frames stayed capped by the queue (high water %.1f MB; %d of %d "
                    + "frames dropped). Over the same window the Java heap's used bytes grew %.2f MB/min (garbage "
                    + "between collections: %d collection(s) in the whole run, %.0f MB committed), which turns into "
                    + "RSS only where eden pages are touched for the first time; anything else is native (glibc "
                    + "reusing the 3 MB frame buffers freed 30 times a second, libwebrtc's buffers); the breakdown "
                    + "tables split it. glibc malloc settings of the children: %s.", bounded.growthMbPerMin(),
                    bounded.highWater() / 1e6, bounded.dropped(), bounded.delivered(), bounded.heapUsedGrowthMbPerMin(),
                    bounded.gcs(), bounded.heapCommittedMb(), mallocEnv()));
            report.note("Publisher: the devstack's media child process (a separate process, not measured here).");
        }
        return report;
    }

    /** The bounded run's growth by owner: smaps_rollup's fields and NMT's committed categories, MB/min. */
    private static void breakdown(Report report, Breakdown b) {
        if (b.rollupToKb().isEmpty()) {
            return;
        }
        String window = String.format(java.util.Locale.ROOT, "%.0f s → %.0f s", b.fromS(), b.toS());
        List<List<String>> rollup = b.rollupToKb().keySet().stream()
                .filter(k -> List.of("Rss", "Anonymous", "Private_Dirty", "Shared_Clean", "Private_Clean").contains(k))
                .map(k -> List.of(k, Long.toString(b.rollupFromKb().getOrDefault(k, 0L)),
                        Long.toString(b.rollupToKb().get(k)),
                        Report.num(b.mbPerMin(b.rollupFromKb(), b.rollupToKb(), k)))).toList();
        report.section("Bounded: smaps_rollup over the window " + window + " into the stall",
                List.of("field", "from kB", "to kB", "MB/min"), rollup);
        List<List<String>> nmt = b.nmtToKb().keySet().stream()
                .map(k -> List.of(k, Long.toString(b.nmtFromKb().getOrDefault(k, 0L)), Long.toString(b.nmtToKb().get(k)),
                        Report.num(b.mbPerMin(b.nmtFromKb(), b.nmtToKb(), k)))).toList();
        report.section("Bounded: JVM Native Memory Tracking, committed, over the window " + window,
                List.of("NMT category", "from kB", "to kB", "MB/min"), nmt);
        double anon = b.mbPerMin(b.rollupFromKb(), b.rollupToKb(), "Anonymous");
        double jvm = b.mbPerMin(b.nmtFromKb(), b.nmtToKb(), "Total");
        report.figure("bounded_anonymous_growth_mb_per_min", anon)
                .figure("bounded_nmt_committed_growth_mb_per_min", jvm)
                .figure("bounded_anonymous_not_in_nmt_growth_mb_per_min", anon - jvm);
        report.note("Breakdown: NMT counts what the JVM commits (heap, metaspace, code, its threads, its own malloc "
                + "and direct buffers); anonymous memory outside it is native code's own malloc and threads "
                + "(libwebrtc's decoder and buffers, glibc's arenas). Committed is an upper bound of resident.");
    }

    private Run stall(Devstack stack, String mode, Map<String, String> extraEnv, int stallSeconds) throws Exception {
        String room = "stall-" + mode;
        stack.rooms().createRoom(room, new SyntheticPublisherSpec("streamer", 1920, 1080, 30, 440));
        Map<String, String> env = new HashMap<>(stack.env());
        env.putAll(extraEnv);
        BenchMain.say("stall %s: starting the recorder child", mode);
        try (ChildJvm child = ChildJvm.main(StallChild.class.getName(),
                        List.of(room, "streamer", "1080", Integer.toString(stallSeconds)))
                .workerFlags().flags(MemoryScenario.NMT).env(env)
                .start("stall-" + mode, BenchMain.LOGS.resolve("stall-" + mode + ".log"));
             Sampler sampler = new Sampler(child.pid(), 250)) {
            Timing.until(Duration.ofSeconds(90), "frames flow", () -> !child.alive() || has(child, "STALLING"));
            if (!child.alive()) {
                throw new IllegalStateException("the stall child exited; see " + child.log());
            }
            double t0 = sampler.now();
            long rssAtStall = child.rssBytes();
            BenchMain.say("stall %s: stalled at RSS %d MB", mode, rssAtStall >> 20);
            boolean[] capped = {false};
            double breakdownFrom = Math.min(BREAKDOWN_FROM_S, stallSeconds / 2.0);
            double breakdownTo = stallSeconds - 5;
            Breakdown breakdown = Breakdown.NONE;
            Timing.until(Duration.ofSeconds(stallSeconds + 60), "memory breakdown's first point", () ->
                    capped(child, rssAtStall, capped) || sampler.now() - t0 >= breakdownFrom);
            if (!capped[0] && child.alive()) {
                Map<String, Long> rollupFrom = ProcMemory.rollupKb(child.pid());
                Map<String, Long> nmtFrom = ProcMemory.nmtCommittedKb(child.pid());
                double fromS = sampler.now() - t0;
                Timing.until(Duration.ofSeconds(stallSeconds + 60), "memory breakdown's second point", () ->
                        capped(child, rssAtStall, capped) || sampler.now() - t0 >= breakdownTo);
                if (!capped[0] && child.alive()) {
                    breakdown = new Breakdown(fromS, sampler.now() - t0, rollupFrom, ProcMemory.rollupKb(child.pid()),
                            nmtFrom, ProcMemory.nmtCommittedKb(child.pid()));
                }
            }
            Timing.until(Duration.ofSeconds(stallSeconds + 60), "stall ends", () ->
                    capped(child, rssAtStall, capped) || has(child, "DONE"));
            double t1 = sampler.now();
            Matcher last = lastStats(child);
            int firstDrop = firstDropSecond(child);
            if (capped[0]) {
                child.kill();
            } else {
                child.waitFor(Duration.ofSeconds(30));
            }
            stack.rooms().endRoom(room);
            List<Sampler.Sample> all = sampler.between(t0, t1);
            double from = firstDrop < 0 ? t0 : t0 + firstDrop + 5;
            double growth = Sampler.growthMbPerMinute(sampler.between(from, t1));
            double mid = (from + t1) / 2;
            double firstHalf = Sampler.growthMbPerMinute(sampler.between(from, mid));
            double secondHalf = Sampler.growthMbPerMinute(sampler.between(mid, t1));
            List<double[]> series = all.stream().map(s -> new double[] {s.t() - t0, s.rssMb()}).toList();
            // The Java heap's share of the growth, over the same window, from the child's own per-second line.
            List<double[]> heap = new java.util.ArrayList<>();
            for (String line : child.logLines()) {
                Matcher m = STATS.matcher(line);
                if (m.find() && Integer.parseInt(m.group(1)) >= from - t0) {
                    heap.add(new double[] {Integer.parseInt(m.group(1)), Long.parseLong(m.group(8)) / 1e6});
                }
            }
            double heapGrowth = Sampler.slopePerMinute(heap.stream().mapToDouble(h -> h[0]).toArray(),
                    heap.stream().mapToDouble(h -> h[1]).toArray());
            String queues = child.logLines().stream().filter(l -> l.startsWith("queues: ")).findFirst()
                    .map(l -> l.substring("queues: ".length())).orElse("?");
            return new Run(mode, queues, series, growth, from - t0, rssAtStall, sampler.peakRss(),
                    last == null ? 0 : Long.parseLong(last.group(2)), last == null ? 0 : Long.parseLong(last.group(4)),
                    last == null ? 0 : Long.parseLong(last.group(7)), t1 - t0, capped[0], firstDrop, heapGrowth,
                    last == null ? 0 : Long.parseLong(last.group(9)) / 1e6,
                    last == null ? 0 : Long.parseLong(last.group(10)), firstHalf, secondHalf, breakdown);
        }
    }

    /** True once the child is gone or (the unbounded baseline) past the safety cap, which it then remembers. */
    private static boolean capped(ChildJvm child, long rssAtStall, boolean[] capped) {
        if (child.rssBytes() - rssAtStall > UNBOUNDED_CAP_BYTES) {
            capped[0] = true;
        }
        return capped[0] || !child.alive();
    }

    /** The glibc malloc tunables the children inherit (the production environment's unless given). */
    private static String mallocEnv() {
        return System.getenv().entrySet().stream().filter(e -> e.getKey().startsWith("MALLOC_"))
                .map(e -> e.getKey() + "=" + e.getValue()).sorted().reduce((a, b) -> a + " " + b)
                .orElse(ChildJvm.WORKER_ENV + " (the production environment)");
    }

    private static boolean has(ChildJvm child, String marker) throws IOException {
        return child.logLines().stream().anyMatch(l -> l.startsWith(marker));
    }

    private static Matcher lastStats(ChildJvm child) throws IOException {
        Matcher found = null;
        for (String line : child.logLines()) {
            Matcher m = STATS.matcher(line);
            if (m.find()) {
                found = m;
            }
        }
        return found;
    }

    private static int firstDropSecond(ChildJvm child) throws IOException {
        for (String line : child.logLines()) {
            Matcher m = STATS.matcher(line);
            if (m.find() && Long.parseLong(m.group(4)) > 0) {
                return Integer.parseInt(m.group(1));
            }
        }
        return -1;
    }
}
