package dev.mintrecorder.demo;

import org.bytedeco.javacpp.Loader;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.mintrecorder.demo.DemoMain.say;

/**
 * Checks a downloaded recording with the ffprobe and ffmpeg binaries shipped in the bytedeco FFmpeg jar, remuxes it
 * into one MP4 (no re-encode) and says how to play it.
 */
final class Playback {
    private Playback() {
    }

    /** @return whether the playlist decodes from start to end without an error */
    static boolean check(Path dir) throws IOException, InterruptedException {
        Path playlist = dir.resolve("index.m3u8");
        if (!Files.isRegularFile(playlist)) {
            say("no index.m3u8 in %s", dir);
            return false;
        }
        String ffmpeg = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
        String ffprobe = Loader.load(org.bytedeco.ffmpeg.ffprobe.class);
        String streams = run(List.of(ffprobe, "-v", "error", "-show_entries",
                "stream=codec_name,width,height,sample_rate:format=duration", "-of", "compact=p=0:nk=1",
                playlist.toString())).out();
        long segments;
        try (Stream<Path> files = Files.list(dir)) {
            segments = files.filter(f -> f.getFileName().toString().endsWith(".ts")).count();
        }
        say("recording: %d segments; ffprobe: %s", segments, oneLine(streams));
        // Every frame of every stream decoded, start to end. ffprobe rather than `ffmpeg -f null`: that one re-muxes
        // and reports frames whose capture times round to the same output tick, which is no decoding error.
        Result decode = run(List.of(ffprobe, "-v", "error", "-count_frames", "-show_entries",
                "stream=codec_type,nb_read_frames", "-of", "compact=p=0:nk=1", playlist.toString()));
        boolean clean = decode.code() == 0 && decode.err().isBlank();
        if (clean) {
            say("the playlist decodes from start to end without an error (frames per stream: %s)",
                    oneLine(decode.out()));
        } else {
            say("decoding reported errors:%n%s", decode.err().strip());
        }
        Path mp4 = dir.resolve("recording.mp4");
        Result remux = run(List.of(ffmpeg, "-nostdin", "-v", "error", "-y", "-i", playlist.toString(), "-c", "copy",
                mp4.toString()));
        String env = "LD_LIBRARY_PATH=" + Path.of(ffmpeg).getParent();
        System.out.println();
        System.out.println("The recording (HLS: index.m3u8, manifest.json, seg_*.ts) is in " + dir.toAbsolutePath());
        System.out.println("Play it:");
        System.out.println("  ffplay " + playlist.toAbsolutePath() + "      # or: vlc " + playlist.toAbsolutePath());
        if (remux.code() == 0) {
            System.out.println("  or the same as one MP4 (remuxed, not re-encoded): " + mp4.toAbsolutePath());
        }
        System.out.println("No player on this machine? The ffmpeg of the bytedeco jar is at hand:");
        System.out.println("  " + env + " " + ffmpeg + " -i " + playlist.toAbsolutePath() + " -c copy out.mp4");
        System.out.println();
        return clean;
    }

    /** ffprobe lists each stream under its program too: one line per distinct entry. */
    private static String oneLine(String compact) {
        return String.join(", ", compact.strip().lines().filter(l -> !l.isBlank()).distinct().map(l -> l.replace('|', ' ')).toList());
    }

    private record Result(int code, String out, String err) {
    }

    /** The binaries find their shared libraries beside them in JavaCPP's cache. */
    private static Result run(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command));
        pb.environment().put("LD_LIBRARY_PATH", Path.of(command.getFirst()).getParent().toString());
        Process p = pb.start();
        byte[][] err = new byte[1][];
        Thread errReader = Thread.ofVirtual().start(() -> {
            try {
                err[0] = p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                err[0] = e.toString().getBytes(StandardCharsets.UTF_8);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, out, "timed out");
        }
        errReader.join();
        return new Result(p.exitValue(), out, new String(err[0], StandardCharsets.UTF_8));
    }
}
