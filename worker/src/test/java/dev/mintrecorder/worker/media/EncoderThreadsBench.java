package dev.mintrecorder.worker.media;

import com.sun.management.OperatingSystemMXBean;
import dev.mintrecorder.devstack.media.Scene;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * x264 threads per encoder when a worker runs many encoders on few cores: {@code bench.encoders} (4) of the worker's
 * own {@link RoomEncoder}s at once, 720p30 of the CAMERA scene at the default preset and bitrate, as fast as the cores
 * go; for each {@code bench.threads} variant ({@code auto,1}), interleaved over {@code bench.rounds} (3) rounds
 * (A B A B ...) so that the shared machine's load falls on both alike. Per variant: the process's CPU-ms per encoded
 * frame and its peak RSS above the idle RSS per encoder (glibc's free memory trimmed before each run), after one
 * discarded warm-up run. The RSS figure is indicative only: in one process, what glibc keeps from one run (a trim
 * returns only part of it) moves the next run's baseline, so it varied 9-31 MB per encoder between rounds of the same
 * variant; a separate process per encoder (the ffmpeg CLI) measures memory better. A measurement,
 * not a check: {@code -Dbench=true -Dtest=EncoderThreadsBench}; prints a Markdown table.
 */
@EnabledIfSystemProperty(named = "bench", matches = "true")
class EncoderThreadsBench {
    private static final int WIDTH = 1280;
    private static final int HEIGHT = 720;
    private static final int FPS = 30;
    /** Distinct pictures, cycled: two seconds, one GOP, so the loop's cut falls on a keyframe. */
    private static final int DISTINCT = 60;

    record Run(String variant, int round, double cpuMsPerFrame, double wallS, double peakRssMbPerEncoder) {
    }

    @Test
    void threadsPerEncoder() throws Exception {
        int encoders = Integer.getInteger("bench.encoders", 4);
        int frames = Integer.getInteger("bench.frames", 450);
        int rounds = Integer.getInteger("bench.rounds", 3);
        String preset = System.getProperty("bench.preset", "superfast");
        List<String> variants = List.of(System.getProperty("bench.threads", "auto,1").split(","));
        ByteBuffer[][] pictures = new ByteBuffer[DISTINCT][];
        for (int k = 0; k < DISTINCT; k++) {
            pictures[k] = new ByteBuffer[] {ByteBuffer.allocateDirect(WIDTH * HEIGHT),
                    ByteBuffer.allocateDirect(WIDTH * HEIGHT / 4), ByteBuffer.allocateDirect(WIDTH * HEIGHT / 4)};
            Scene.CAMERA.render(k, false, WIDTH, HEIGHT, pictures[k][0], WIDTH, pictures[k][1], WIDTH / 2,
                    pictures[k][2], WIDTH / 2);
        }
        // Class loading, JIT and FFmpeg's one-time tables would otherwise count against the first variant's first run.
        run(variants.get(0), 0, encoders, Math.min(frames, 90), preset, pictures);
        List<Run> runs = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            for (String variant : variants) {
                Run r = run(variant, round, encoders, frames, preset, pictures);
                System.out.printf(Locale.ROOT, "threads=%s round=%d: %.2f CPU-ms/frame, %.1f s wall, %.1f MB peak RSS "
                        + "per encoder%n", r.variant(), r.round(), r.cpuMsPerFrame(), r.wallS(), r.peakRssMbPerEncoder());
                runs.add(r);
            }
        }
        System.out.println(table(runs, variants, encoders, frames, preset));
    }

    private static Run run(String variant, int round, int encoders, int frames, String preset, ByteBuffer[][] pictures)
            throws Exception {
        var settings = new EncodeSettings(HEIGHT, FPS, 6, 0, new MediaConfig(preset, 2500, 128, Duration.ofSeconds(2),
                MediaConfig.parseThreads(variant)));
        System.gc();
        trimNativeHeap();
        long idle = rssKb();
        AtomicLong peak = new AtomicLong(idle);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> peak.accumulateAndGet(rssKb(), Math::max), 0, 100, TimeUnit.MILLISECONDS);
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        List<RoomEncoder> all = new ArrayList<>();
        List<SyntheticMedia.Audio> audios = new ArrayList<>();
        for (int e = 0; e < encoders; e++) {
            var audio = new SyntheticMedia.Audio(frames * 1_000_000_000L / FPS, ts -> true);
            RoomEncoder enc = new RoomEncoder("bench-" + e, settings, cycle(pictures, frames, e * 7), audio,
                    TestSegments.discard(), MediaListener.NONE);
            enc.start();
            all.add(enc);
            audios.add(audio);
        }
        await().atMost(Duration.ofMinutes(10)).until(() -> all.stream().allMatch(enc ->
                enc.stats().framesEncoded() >= frames || enc.state() == RoomEncoder.State.FAILED)
                && audios.stream().allMatch(SyntheticMedia.Audio::exhausted));
        double wall = (System.nanoTime() - t0) / 1e9;
        long encoded = 0;
        for (RoomEncoder enc : all) {
            enc.close();
            encoded += enc.stats().framesEncoded();
        }
        double cpuMs = (os.getProcessCpuTime() - cpu0) / 1e6;
        sampler.shutdownNow();
        assertEquals((long) frames * encoders, encoded);
        return new Run(variant, round, cpuMs / encoded, wall, (peak.get() - idle) / 1024.0 / encoders);
    }

    /** Frames {@code 0..count-1} over the cycled pictures, starting {@code offset} pictures in. */
    private static FrameSource<RawVideoFrame> cycle(ByteBuffer[][] pictures, int count, int offset) {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger open = new AtomicInteger();
        return timeout -> {
            int i = next.getAndIncrement();
            if (i >= count) {
                return null;
            }
            ByteBuffer[] p = pictures[(i + offset) % pictures.length];
            return new SyntheticMedia.Frame(WIDTH, HEIGHT, new ByteBuffer[] {p[0].duplicate(), p[1].duplicate(),
                    p[2].duplicate()}, i * 1_000_000_000L / FPS, open);
        };
    }

    private static String table(List<Run> runs, List<String> variants, int encoders, int frames, String preset) {
        Map<String, double[]> mean = new LinkedHashMap<>();
        for (String v : variants) {
            List<Run> of = runs.stream().filter(r -> r.variant().equals(v)).toList();
            mean.put(v, new double[] {of.stream().mapToDouble(Run::cpuMsPerFrame).average().orElseThrow(),
                    of.stream().mapToDouble(Run::wallS).average().orElseThrow(),
                    of.stream().mapToDouble(Run::peakRssMbPerEncoder).average().orElseThrow()});
        }
        double[] base = mean.get(variants.get(0));
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%d encoders at once, %d frames each, 720p30 "
                + "CAMERA, %s, 2500 kbit/s, %d cores; mean of %d interleaved rounds; ratio to threads=%s%n%n"
                + "| threads | CPU-ms/frame | ratio | wall s | peak RSS MB/encoder | ratio |%n|---|---|---|---|---|---|%n",
                encoders, frames, preset, Runtime.getRuntime().availableProcessors(),
                runs.size() / variants.size(), variants.get(0)));
        mean.forEach((v, m) -> out.append(String.format(Locale.ROOT, "| %s | %.2f | %.3f | %.1f | %.1f | %.3f |%n", v,
                m[0], m[0] / base[0], m[1], m[2], m[2] / base[2])));
        return out.toString();
    }

    private static long rssKb() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElseThrow();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** glibc keeps freed memory; without this, the runs after the first would reuse the first's pages for free. */
    private static void trimNativeHeap() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(ProcessHandle.current().pid()), "System.trim_native_heap").redirectErrorStream(true)
                .start();
        p.getInputStream().readAllBytes();
        p.waitFor(60, TimeUnit.SECONDS);
    }
}
