package dev.mintrecorder.bench;

import dev.mintrecorder.devstack.media.Scene;
import dev.mintrecorder.devstack.media.SyncMarks;
import org.bytedeco.javacpp.Loader;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The capacity reference: the ffmpeg CLI from the bytedeco jar encodes the devstack's synthetic scene (the same
 * frame-numbered I420 frames the publisher sends, piped raw) with the worker's settings: libx264 (preset as the
 * worker's VIDEO_PRESET, superfast by default) zerolatency, keyint = min-keyint = 2 s, scenecut off, no B-frames, CBR-capped bitrate, AAC stereo 48 kHz, MPEG-TS
 * segments. It runs as fast as it can; {@code -benchmark} reports its own user+system CPU seconds.
 */
final class FfmpegReference {
    private static final Pattern BENCH = Pattern.compile("bench: utime=([0-9.]+)s stime=([0-9.]+)s rtime=([0-9.]+)s");

    /** ffmpeg's own CPU and wall seconds for {@code mediaSeconds} of media. */
    record Result(double mediaSeconds, double cpuSeconds, double wallSeconds, List<String> command) {
        double cpuPerMediaSecond() {
            return cpuSeconds / mediaSeconds;
        }
    }

    private FfmpegReference() {
    }

    /** The CLI links the libraries unpacked beside it (libva among them), which the system may lack. */
    static String libraryPath(String ffmpeg) {
        return java.nio.file.Path.of(ffmpeg).getParent().toString();
    }

    /**
     * {@code x264Threads} 0 is x264's default (VIDEO_ENCODER_THREADS=auto: one sliced thread per core it sees under
     * zerolatency); the worker's default is 1.
     */
    static Result encode(Scene scene, String preset, int width, int height, int fps, int seconds, int videoKbps,
                         int audioKbps, int segmentS, int x264Threads, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String ffmpeg = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
        int gop = fps * 2;
        List<String> cmd = new java.util.ArrayList<>(List.of(ffmpeg, "-hide_banner", "-y", "-benchmark",
                "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", width + "x" + height, "-r", Integer.toString(fps),
                "-i", "pipe:0",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=" + seconds,
                "-map", "0:v", "-map", "1:a",
                "-c:v", "libx264", "-preset", preset, "-tune", "zerolatency", "-g", Integer.toString(gop),
                "-keyint_min", Integer.toString(gop), "-bf", "0", "-x264-params", "scenecut=0",
                "-b:v", videoKbps + "k", "-maxrate", videoKbps + "k", "-bufsize", (videoKbps * 2) + "k",
                "-c:a", "aac", "-b:a", audioKbps + "k", "-ac", "2", "-ar", "48000",
                "-f", "segment", "-segment_time", Integer.toString(segmentS), "-segment_format", "mpegts",
                dir.resolve("ref_%06d.ts").toString()));
        if (x264Threads > 0) {
            cmd.addAll(cmd.indexOf("-c:a"), List.of("-threads:v", Integer.toString(x264Threads)));
        }
        Path log = dir.resolve("ffmpeg.log");
        // stdin is the raw video pipe.
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("LD_LIBRARY_PATH", libraryPath(ffmpeg));
        Process p = pb.start();
        byte[] frame = new byte[width * height * 3 / 2];
        try (OutputStream in = p.getOutputStream()) {
            for (long n = 0; n < (long) seconds * fps; n++) {
                scene.render(n, SyncMarks.isMark(n, fps), width, height, frame);
                in.write(frame);
            }
        }
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("ffmpeg did not finish; see " + log);
        }
        String out = Files.readString(log);
        Matcher m = BENCH.matcher(out);
        if (p.exitValue() != 0 || !m.find()) {
            throw new IllegalStateException("ffmpeg failed (" + p.exitValue() + "); see " + log);
        }
        return new Result(seconds, Double.parseDouble(m.group(1)) + Double.parseDouble(m.group(2)),
                Double.parseDouble(m.group(3)), cmd);
    }
}
