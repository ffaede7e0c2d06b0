package dev.mintrecorder.worker.media;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bytedeco.javacpp.Loader;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the ffprobe binary shipped in the bytedeco FFmpeg jar and parses its JSON. */
final class Probe {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Packet(int stream, String codecType, double pts, double dts, double duration, boolean key) {
    }

    record Result(List<String> codecs, int width, int height, List<Packet> packets) {
        List<Packet> video() {
            return packets.stream().filter(p -> p.codecType.equals("video")).toList();
        }

        List<Packet> audio() {
            return packets.stream().filter(p -> p.codecType.equals("audio")).toList();
        }
    }

    private Probe() {
    }

    static String ffprobe() {
        return Loader.load(org.bytedeco.ffmpeg.ffprobe.class);
    }

    /** The binary finds its shared libraries (libva and friends) beside it in JavaCPP's cache. */
    private static ProcessBuilder command(List<String> args) {
        ProcessBuilder pb = new ProcessBuilder(args);
        pb.environment().put("LD_LIBRARY_PATH", Path.of(args.getFirst()).getParent().toString());
        return pb;
    }

    static Result probe(Path file) throws IOException, InterruptedException {
        JsonNode root = run(List.of(ffprobe(), "-v", "error", "-show_streams", "-show_packets", "-of", "json",
                file.toString()));
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
        return new Result(codecs, width, height, packets);
    }

    /** Decodes the whole file; returns ffprobe's error output (empty when it decoded cleanly). */
    static String decodeErrors(Path file) throws IOException, InterruptedException {
        Process p = command(List.of(ffprobe(), "-v", "error", "-count_frames", "-show_entries", "stream=nb_read_frames",
                "-of", "json", file.toString())).start();
        p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("ffprobe timed out");
        }
        return err.strip();
    }

    private static JsonNode run(List<String> command) throws IOException, InterruptedException {
        Process p = command(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("ffprobe timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException("ffprobe exited " + p.exitValue() + " for " + command);
        }
        return JSON.readTree(out);
    }
}
