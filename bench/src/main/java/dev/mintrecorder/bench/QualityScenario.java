package dev.mintrecorder.bench;

import dev.mintrecorder.devstack.media.FramePattern;
import dev.mintrecorder.devstack.media.Scene;
import dev.mintrecorder.devstack.media.SyncMarks;
import org.bytedeco.javacpp.Loader;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code quality}: the devstack's {@link Scene#CAMERA} scene at 720p30, encoded with the worker's x264 settings
 * (libx264, tune zerolatency, keyframes every 2 s, scenecut off, no B-frames, CBR-capped; as {@code VideoEncoder}) for
 * each preset and bitrate that matters, by the ffmpeg CLI from the bytedeco jar, into MPEG-TS as the recording. Each
 * output is decoded and compared with the same frames regenerated from the scene's pattern, by FFmpeg's {@code psnr}
 * and {@code ssim} filters; every decoded frame's number is read back first, so the comparison is frame N against
 * frame N. x264's CPU per frame is ffmpeg's own {@code -benchmark} user + system time. The default preset is the one
 * with the most rooms per core at the default bitrate among those at or above the quality floor.
 */
final class QualityScenario implements BenchMain.Scenario {
    static final int WIDTH = 1280;
    static final int HEIGHT = 720;
    static final int FPS = 30;
    static final int SECONDS = 10;
    static final List<String> PRESETS = List.of("ultrafast", "superfast", "veryfast", "faster");
    static final List<Integer> KBPS = List.of(1500, 2500, 4000);
    /** The worker's default VIDEO_BITRATE_KBPS: the preset is chosen at it. */
    static final int DEFAULT_KBPS = 2500;
    /**
     * The quality floor: mean luma SSIM ≥ 0.95 ("good" for talking heads). The first run stated it over all planes
     * (FFmpeg's "All", chroma weighted in); that let ultrafast pass on its flat chroma (0.958) while its luma, which
     * carries the detail, was 0.943. Both columns are in the report, so either floor can be applied.
     */
    static final double SSIM_FLOOR = 0.95;
    /**
     * The worker's CPU per room that is not the encoder (libwebrtc receive and VP8 decode, queues, the JVM), in cores:
     * the capacity benchmark's per-thread split at veryfast on the grid (2026-11-25, in git history), 0.265 per room
     * of which encoder threads 0.173.
     */
    static final double NON_ENCODE_CORES_PER_ROOM = 0.092;
    private static final Pattern BENCH = Pattern.compile("bench: utime=([0-9.]+)s stime=([0-9.]+)s rtime=([0-9.]+)s");
    private static final Pattern PSNR = Pattern.compile("PSNR y:([0-9.inf]+) u:([0-9.inf]+) v:([0-9.inf]+) "
            + "average:([0-9.inf]+)");
    private static final Pattern SSIM = Pattern.compile("SSIM Y:([0-9.]+) .*All:([0-9.]+)");
    private static final Path DIR = Path.of("bench/target/quality");

    /** One encode: its cost, size and quality. */
    record Encode(String preset, int kbps, double cpuSeconds, double wallSeconds, long bytes, double psnrY,
                  double psnrAvg, double ssimY, double ssimAll, int framesRead, int numbersMatched) {
        double cpuMsPerFrame() {
            return cpuSeconds * 1000 / (SECONDS * FPS);
        }

        double encodeCoresPerRoom() {
            return cpuSeconds / SECONDS;
        }

        double roomsPerCore() {
            return 1 / (encodeCoresPerRoom() + NON_ENCODE_CORES_PER_ROOM);
        }

        double actualKbps() {
            return bytes * 8 / 1000.0 / SECONDS;
        }
    }

    @Override
    public Report run() throws Exception {
        Files.createDirectories(DIR);
        String ffmpeg = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
        Report report = new Report("quality", "The devstack's CAMERA scene (panning textured background, a moving "
                + "textured object, fine detail, sensor noise; frame number in the top-left corner) at " + WIDTH + "x"
                + HEIGHT + "p" + FPS + ", " + SECONDS + " s, encoded with the worker's x264 settings for each preset "
                + "and bitrate by the ffmpeg CLI (MPEG-TS), decoded, and compared frame N with frame N regenerated "
                + "from the scene: FFmpeg's psnr and ssim filters. CPU is ffmpeg's own user + system time.");
        long t0 = System.nanoTime();
        byte[] frame = new byte[WIDTH * HEIGHT * 3 / 2];
        for (int n = 0; n < SECONDS * FPS; n++) {
            render(n, frame);
        }
        double renderMs = (System.nanoTime() - t0) / 1e6 / (SECONDS * FPS);
        List<Encode> encodes = new ArrayList<>();
        for (String preset : PRESETS) {
            for (int kbps : KBPS) {
                Encode e = measure(ffmpeg, preset, kbps);
                BenchMain.say("quality %s %d kb/s: %.2f CPU-ms per frame, PSNR-Y %.2f dB, SSIM %.4f (Y %.4f), "
                                + "%d of %d frame numbers read", preset, kbps, e.cpuMsPerFrame(), e.psnrY(),
                        e.ssimAll(), e.ssimY(), e.numbersMatched(), e.framesRead());
                encodes.add(e);
            }
        }
        List<List<String>> rows = new ArrayList<>();
        for (Encode e : encodes) {
            rows.add(List.of(e.preset(), Integer.toString(e.kbps()), f(e.actualKbps(), 0), f(e.cpuMsPerFrame(), 2),
                    f(e.encodeCoresPerRoom(), 3), f(e.roomsPerCore(), 2), f(e.psnrY(), 2), f(e.psnrAvg(), 2),
                    f(e.ssimY(), 4), f(e.ssimAll(), 4), e.ssimY() >= SSIM_FLOOR ? "yes" : "no",
                    e.numbersMatched() + "/" + e.framesRead()));
            String key = e.preset() + "_" + e.kbps() + "k";
            report.figure(key + "_cpu_ms_per_frame", e.cpuMsPerFrame());
            report.figure(key + "_psnr_y_db", e.psnrY());
            report.figure(key + "_ssim_all", e.ssimAll());
        }
        report.table(List.of("preset", "target kb/s", "actual kb/s", "x264 CPU-ms per frame", "encode cores per room",
                "projected rooms per core (encode + the rest)", "PSNR Y dB", "PSNR avg dB", "SSIM Y", "SSIM all", "SSIM Y ≥ floor",
                "frame numbers read"), rows);
        Encode chosen = encodes.stream().filter(e -> e.kbps() == DEFAULT_KBPS && e.ssimY() >= SSIM_FLOOR)
                .max(java.util.Comparator.comparingDouble(Encode::roomsPerCore)).orElse(null);
        Encode baseline = encodes.stream().filter(e -> e.kbps() == DEFAULT_KBPS && e.preset().equals("veryfast"))
                .findFirst().orElseThrow();
        if (chosen != null) {
            report.figure("chosen_preset", chosen.preset());
            report.figure("chosen_cpu_to_veryfast_ratio", chosen.cpuSeconds() / baseline.cpuSeconds());
            report.figure("chosen_ssim_y_minus_veryfast", chosen.ssimY() - baseline.ssimY());
            report.figure("chosen_psnr_y_minus_veryfast_db", chosen.psnrY() - baseline.psnrY());
            report.figure("chosen_rooms_per_core", chosen.roomsPerCore());
            report.headline("default preset (" + chosen.preset() + ") x264 CPU ÷ veryfast's, " + DEFAULT_KBPS
                    + " kb/s", chosen.cpuSeconds() / baseline.cpuSeconds(), "");
            report.headline("default preset (" + chosen.preset() + ") luma SSIM, " + DEFAULT_KBPS + " kb/s (veryfast "
                    + String.format(Locale.ROOT, "%.4f", baseline.ssimY()) + ")", chosen.ssimY(), "");
            report.note("Chosen default preset: **" + chosen.preset() + "**, the most rooms per core at " + DEFAULT_KBPS
                    + " kb/s among the presets with luma SSIM ≥ " + SSIM_FLOOR + ".");
        } else {
            report.figure("chosen_preset", "none: no preset reaches the floor at " + DEFAULT_KBPS + " kb/s");
        }
        report.figure("scene_render_ms_per_frame", renderMs);
        for (Encode e : encodes) {
            if (e.numbersMatched() != e.framesRead() || e.framesRead() != SECONDS * FPS) {
                report.note("**" + e.preset() + " " + e.kbps() + " kb/s: " + e.numbersMatched() + " of "
                        + e.framesRead() + " decoded frames carried their own number.**");
            }
        }
        report.note("Quality floor: luma SSIM ≥ " + SSIM_FLOOR + ". The first run of this benchmark stated it over all "
                + "planes (FFmpeg's SSIM All, chroma weighted in); that passed ultrafast at " + DEFAULT_KBPS + " kb/s on "
                + "its flat chroma while its luma stayed below 0.95, so the floor was moved to luma after that run. "
                + "Both columns are here. Rooms per core: 1 / "
                + "(x264 cores per room + " + NON_ENCODE_CORES_PER_ROOM + " cores per room for the rest of the worker: "
                + "receive, VP8 decode, queues, muxing, measured by the capacity benchmark at veryfast on the grid pattern, 2026-11-25). "
                + "The VP8 decode of this scene costs more than the grid's, so the absolute figures are optimistic; "
                + "the order of the presets is what the choice uses.");
        report.note("What is measured is the recorder's own loss: the source is the scene as the publisher draws it, "
                + "not after the publisher's VP8 encode and the worker's decode (that loss, which the recorder cannot "
                + "change, comes on top in a real room).");
        report.note("x264 threads: 1 (the worker's default VIDEO_ENCODER_THREADS; reports up to the 2026-12-06T04:06Z run used "
                + "x264's default, two slices on these 2 cores). The machine's cores were shared with other "
                + "engineers' test runs, so CPU times carry some contention (cache, frequency); wall times do not "
                + "mean anything here and are kept only in the JSON. The scene's own rendering cost, "
                + String.format(Locale.ROOT, "%.2f", renderMs) + " ms per frame in this JVM over the first " + SECONDS * FPS
                + " frames (the one-time drawing of its textures included), is the publisher's, not the recorder's.");
        return report;
    }

    private static void render(long n, byte[] frame) {
        Scene.CAMERA.render(n, SyncMarks.isMark(n, FPS), WIDTH, HEIGHT, frame);
    }

    private static Encode measure(String ffmpeg, String preset, int kbps) throws Exception {
        Path out = DIR.resolve(preset + "-" + kbps + ".ts");
        Path log = DIR.resolve(preset + "-" + kbps + ".log");
        int gop = FPS * 2;
        List<String> encode = List.of(ffmpeg, "-hide_banner", "-y", "-benchmark",
                "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", WIDTH + "x" + HEIGHT, "-r", Integer.toString(FPS),
                "-i", "pipe:0", "-c:v", "libx264", "-threads:v", "1", "-preset", preset, "-tune", "zerolatency",
                "-g", Integer.toString(gop), "-keyint_min", Integer.toString(gop), "-bf", "0",
                "-x264-params", "scenecut=0", "-b:v", kbps + "k", "-maxrate", kbps + "k",
                "-bufsize", (kbps * 2) + "k", "-f", "mpegts", out.toString());
        Process p = start(ffmpeg, encode, log);
        writeFrames(p.getOutputStream());
        String text = finish(p, log);
        Matcher m = BENCH.matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no -benchmark line from ffmpeg; see " + log);
        }
        double cpu = Double.parseDouble(m.group(1)) + Double.parseDouble(m.group(2));
        double wall = Double.parseDouble(m.group(3));
        int[] numbers = readNumbers(ffmpeg, out);
        Path cmpLog = DIR.resolve(preset + "-" + kbps + "-compare.log");
        List<String> compare = List.of(ffmpeg, "-hide_banner", "-i", out.toString(),
                "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", WIDTH + "x" + HEIGHT, "-r", Integer.toString(FPS),
                "-i", "pipe:0", "-lavfi", "[0:v]split=2[d0][d1];[1:v]split=2[r0][r1];[d0][r0]psnr;[d1][r1]ssim",
                "-f", "null", "-");
        Process c = start(ffmpeg, compare, cmpLog);
        writeFrames(c.getOutputStream());
        String cmp = finish(c, cmpLog);
        Matcher pm = PSNR.matcher(cmp);
        Matcher sm = SSIM.matcher(cmp);
        if (!pm.find() || !sm.find()) {
            throw new IllegalStateException("no PSNR/SSIM summary from ffmpeg; see " + cmpLog);
        }
        return new Encode(preset, kbps, cpu, wall, Files.size(out), Double.parseDouble(pm.group(1)),
                Double.parseDouble(pm.group(4)), Double.parseDouble(sm.group(1)), Double.parseDouble(sm.group(2)),
                numbers[0], numbers[1]);
    }

    /** Decodes the recording to raw frames: how many there are, and how many carry their own index as number. */
    private static int[] readNumbers(String ffmpeg, Path ts) throws Exception {
        Path log = DIR.resolve(ts.getFileName() + "-decode.log");
        ProcessBuilder pb = new ProcessBuilder(ffmpeg, "-hide_banner", "-i", ts.toString(), "-f", "rawvideo",
                "-pix_fmt", "yuv420p", "pipe:1").redirectError(log.toFile());
        pb.environment().put("LD_LIBRARY_PATH", FfmpegReference.libraryPath(ffmpeg));
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] frame = new byte[WIDTH * HEIGHT * 3 / 2];
        int read = 0;
        int matched = 0;
        try (DataInputStream in = new DataInputStream(p.getInputStream())) {
            while (true) {
                try {
                    in.readFully(frame);
                } catch (EOFException e) {
                    break;
                }
                OptionalLong n = FramePattern.decode(frame, WIDTH, WIDTH, HEIGHT);
                if (n.isPresent() && n.getAsLong() == read) {
                    matched++;
                }
                read++;
            }
        }
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("decoding " + ts + " failed; see " + log);
        }
        return new int[] {read, matched};
    }

    private static Process start(String ffmpeg, List<String> cmd, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("LD_LIBRARY_PATH", FfmpegReference.libraryPath(ffmpeg));
        return pb.start();
    }

    private static void writeFrames(OutputStream pipe) throws IOException {
        byte[] frame = new byte[WIDTH * HEIGHT * 3 / 2];
        try (OutputStream in = pipe) {
            for (int n = 0; n < SECONDS * FPS; n++) {
                render(n, frame);
                in.write(frame);
            }
        }
    }

    private static String finish(Process p, Path log) throws Exception {
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("ffmpeg did not finish; see " + log);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("ffmpeg failed (" + p.exitValue() + "); see " + log);
        }
        return Files.readString(log);
    }

    private static String f(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
