package dev.mintrecorder.worker.media;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mintrecorder.devstack.media.FramePattern;
import dev.mintrecorder.devstack.media.SyncMarks;
import dev.mintrecorder.worker.storage.HlsSpec;
import org.bytedeco.javacpp.Loader;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * TEST ONLY: inspects recorded files with the ffprobe and ffmpeg binaries shipped in the bytedeco FFmpeg jar: streams,
 * packets and duration, a full decode, and the synthetic publisher's frame numbers.
 */
public final class Probe {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One packet; times in seconds. */
    public record Packet(int stream, String codecType, double pts, double dts, double duration, boolean key) {
    }

    /** What ffprobe says about one file: its codecs, the video size, the container duration and every packet. */
    public record Result(List<String> codecs, int width, int height, double durationS, List<Packet> packets) {
        public List<Packet> video() {
            return packets.stream().filter(p -> p.codecType.equals("video")).toList();
        }

        public List<Packet> audio() {
            return packets.stream().filter(p -> p.codecType.equals("audio")).toList();
        }

        /** Whether the first video packet is a keyframe. */
        public boolean startsWithKeyframe() {
            return !video().isEmpty() && video().getFirst().key();
        }
    }

    private Probe() {
    }

    public static Result probe(Path file) throws IOException, InterruptedException {
        JsonNode root = JSON.readTree(run(List.of(binary(org.bytedeco.ffmpeg.ffprobe.class), "-v", "error",
                "-show_streams", "-show_format", "-show_packets", "-of", "json", file.toString())));
        List<String> codecs = new ArrayList<>();
        List<String> types = new ArrayList<>();
        int width = 0;
        int height = 0;
        for (JsonNode s : root.path("streams")) {
            codecs.add(s.path("codec_name").asText());
            types.add(s.path("codec_type").asText());
            if (s.path("codec_type").asText().equals("video")) {
                width = s.path("width").asInt();
                height = s.path("height").asInt();
            }
        }
        List<Packet> packets = new ArrayList<>();
        for (JsonNode p : root.path("packets")) {
            int idx = p.path("stream_index").asInt();
            packets.add(new Packet(idx, types.get(idx), p.path("pts_time").asDouble(), p.path("dts_time").asDouble(),
                    p.path("duration_time").asDouble(), p.path("flags").asText().contains("K")));
        }
        return new Result(codecs, width, height, root.path("format").path("duration").asDouble(), packets);
    }

    /**
     * Decodes every frame of every stream of a file or playlist, start to end, with ffprobe; returns its error output
     * (empty when clean). ffprobe rather than {@code ffmpeg -f null}: at a discontinuity (a gap, a resume) a new run's
     * timestamps restart, which players accept but ffmpeg's muxer reports as non-monotonic.
     *
     * <p>A playlist ({@code .m3u8}) is a finished recording's: its {@link HlsSpec} violations come first, checked with
     * the segment files beside it, so every integration test that decodes a recording also checks its playlist.
     */
    public static String decodeErrors(Path file) throws IOException, InterruptedException {
        String spec = "";
        if (file.getFileName().toString().endsWith(".m3u8")) {
            Path dir = file.toAbsolutePath().getParent();
            spec = String.join("\n", HlsSpec.violations(Files.readString(file), true, uri -> {
                Path segment = dir.resolve(uri);
                try {
                    return Files.isRegularFile(segment) ? Optional.of(Files.readAllBytes(segment)) : Optional.empty();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        }
        Process p = command(List.of(binary(org.bytedeco.ffmpeg.ffprobe.class), "-v", "error", "-count_frames",
                "-show_entries", "stream=nb_read_frames", "-of", "json", file.toString()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        await(p);
        return (spec + "\n" + err).strip();
    }

    /**
     * The frame number painted by the synthetic publisher in each decoded frame of the segments, in order; frames
     * whose pattern does not read back (none, if the recording is clean) are left out. Each segment is decoded on its
     * own (each starts with a keyframe), so timestamps that restart at a discontinuity do not matter.
     */
    public static List<Long> frameNumbers(List<Path> segments, int width, int height)
            throws IOException, InterruptedException {
        List<Long> numbers = new ArrayList<>();
        for (OptionalLong n : frames(segments, width, height)) {
            n.ifPresent(numbers::add);
        }
        return numbers;
    }

    /**
     * Every decoded frame of the segments, in order, with the frame number it shows, or empty where the pattern does
     * not read back: a frame that is in the recording but unreadable is not a missing frame.
     */
    public static List<OptionalLong> frames(List<Path> segments, int width, int height)
            throws IOException, InterruptedException {
        List<OptionalLong> frames = new ArrayList<>();
        byte[] frame = new byte[width * height];
        for (Path segment : segments) {
            Process p = command(List.of(binary(org.bytedeco.ffmpeg.ffmpeg.class), "-nostdin", "-v", "error",
                    "-i", segment.toString(), "-an", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "gray",
                    "-")).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (InputStream in = p.getInputStream()) {
                while (in.readNBytes(frame, 0, frame.length) == frame.length) {
                    frames.add(FramePattern.decode(frame, width, width, height));
                }
            }
            await(p);
        }
        return frames;
    }

    /** Frames missing between the first and the last number seen (a repeated number counts as none missing). */
    public static long missing(List<Long> numbers) {
        long missing = 0;
        for (int i = 1; i < numbers.size(); i++) {
            missing += Math.max(0, numbers.get(i) - numbers.get(i - 1) - 1);
        }
        return missing;
    }

    /**
     * The A/V offsets of the synthetic publisher's sync marks ({@link SyncMarks}) in one segment, in seconds, in order:
     * for each flash frame, where the click nearest it (within half a second) is heard minus where the flash is seen,
     * both by their timestamps in the segment; positive when the audio is late. A flash without a click near it (cut
     * off at the segment's edge, or lost) is left out.
     */
    public static List<Double> syncOffsets(Path segment) throws IOException, InterruptedException {
        String ffprobe = binary(org.bytedeco.ffmpeg.ffprobe.class);
        String ffmpeg = binary(org.bytedeco.ffmpeg.ffmpeg.class);
        JsonNode root = JSON.readTree(run(List.of(ffprobe, "-v", "error", "-show_entries",
                "frame=media_type,pts_time,nb_samples,width,height", "-of", "json", segment.toString())));
        List<Double> videoPts = new ArrayList<>();
        List<double[]> audioFrames = new ArrayList<>(); // pts, samples
        int width = 0;
        int height = 0;
        for (JsonNode f : root.path("frames")) {
            if (f.path("media_type").asText().equals("video")) {
                videoPts.add(f.path("pts_time").asDouble());
                width = f.path("width").asInt();
                height = f.path("height").asInt();
            } else if (f.path("media_type").asText().equals("audio")) {
                audioFrames.add(new double[] {f.path("pts_time").asDouble(), f.path("nb_samples").asDouble()});
            }
        }
        List<Double> flashes = new ArrayList<>();
        byte[] video = run(List.of(ffmpeg, "-nostdin", "-v", "error", "-i", segment.toString(), "-an", "-fps_mode",
                "passthrough", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"));
        int lumaSize = width * height;
        int chromaSize = (width / 2) * (height / 2);
        int frameSize = lumaSize + 2 * chromaSize;
        if (frameSize == 0 || video.length != (long) frameSize * videoPts.size()) {
            throw new IOException(segment + ": " + videoPts.size() + " video frames listed, " + video.length
                    + " bytes decoded");
        }
        boolean inFlash = false;
        for (int i = 0; i < videoPts.size(); i++) {
            long sum = 0;
            int v = i * frameSize + lumaSize + chromaSize;
            for (int k = 0; k < chromaSize; k++) {
                sum += video[v + k] & 0xFF;
            }
            boolean flash = (double) sum / chromaSize > SyncMarks.FLASH_THRESHOLD;
            if (flash && !inFlash) {
                flashes.add(videoPts.get(i));
            }
            inFlash = flash;
        }
        byte[] pcm = run(List.of(ffmpeg, "-nostdin", "-v", "error", "-i", segment.toString(), "-vn", "-ac", "1",
                "-f", "s16le", "-acodec", "pcm_s16le", "-"));
        long listed = audioFrames.stream().mapToLong(a -> (long) a[1]).sum();
        if (pcm.length / 2 != listed) {
            throw new IOException(segment + ": " + listed + " audio samples listed, " + pcm.length / 2 + " decoded");
        }
        List<Double> clicks = new ArrayList<>();
        int index = 0;
        double skipUntil = Double.NEGATIVE_INFINITY;
        for (double[] frame : audioFrames) {
            for (int k = 0; k < (int) frame[1]; k++, index++) {
                int sample = (short) ((pcm[2 * index] & 0xFF) | (pcm[2 * index + 1] << 8));
                double t = frame[0] + k / 48_000.0;
                if (Math.abs(sample) > SyncMarks.CLICK_THRESHOLD && t > skipUntil) {
                    clicks.add(t);
                    skipUntil = t + 0.5;
                }
            }
        }
        List<Double> offsets = new ArrayList<>();
        for (double f : flashes) {
            clicks.stream().filter(c -> Math.abs(c - f) < 0.5).min(Comparator.comparingDouble(c -> Math.abs(c - f)))
                    .ifPresent(c -> offsets.add(c - f));
        }
        return offsets;
    }

    private static String binary(Class<?> program) {
        return Loader.load(program);
    }

    /** The binaries find their shared libraries (libva and friends) beside them in JavaCPP's cache. */
    private static ProcessBuilder command(List<String> args) {
        ProcessBuilder pb = new ProcessBuilder(args);
        pb.environment().put("LD_LIBRARY_PATH", Path.of(args.getFirst()).getParent().toString());
        return pb;
    }

    private static byte[] run(List<String> args) throws IOException, InterruptedException {
        Process p = command(args).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        await(p);
        if (p.exitValue() != 0) {
            throw new IOException("ffprobe exited " + p.exitValue() + " for " + args);
        }
        return out;
    }

    private static void await(Process p) throws IOException, InterruptedException {
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("ffmpeg timed out");
        }
    }
}
