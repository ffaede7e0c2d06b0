package dev.mintrecorder.bench;

import dev.mintrecorder.devstack.media.FramePattern;
import org.bytedeco.javacpp.Loader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/** Reads the synthetic publisher's frame numbers back out of a recorded segment (ffmpeg CLI decodes it). */
final class FrameNumbers {
    private static final int W = 320;
    private static final int H = 180;

    private FrameNumbers() {
    }

    /** The frame numbers of every frame whose pattern decoded, in order. */
    static List<Long> of(Path segment) throws IOException, InterruptedException {
        return read(segment, "scale=" + W + ":" + H);
    }

    /**
     * As {@link #of}, for a {@link dev.mintrecorder.devstack.media.Scene#CAMERA} recording: the pattern fills the
     * frame's top-left corner, which is cropped out first so that it keeps its full resolution.
     */
    static List<Long> ofCorner(Path segment) throws IOException, InterruptedException {
        return read(segment, "crop=iw/" + FramePattern.CORNER + ":ih/" + FramePattern.CORNER + ":0:0,scale=" + W + ":" + H);
    }

    private static List<Long> read(Path segment, String filter) throws IOException, InterruptedException {
        String ffmpeg = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
        ProcessBuilder pb = new ProcessBuilder(ffmpeg, "-hide_banner", "-loglevel", "error", "-i", segment.toString(),
                "-an", "-vf", filter, "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1")
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("LD_LIBRARY_PATH", FfmpegReference.libraryPath(ffmpeg));
        Process p = pb.start();
        List<Long> numbers = new ArrayList<>();
        byte[] frame = new byte[W * H];
        try (InputStream out = p.getInputStream()) {
            while (out.readNBytes(frame, 0, frame.length) == frame.length) {
                OptionalLong n = FramePattern.decode(ByteBuffer.wrap(frame), W, W, H);
                n.ifPresent(numbers::add);
            }
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return numbers;
    }
}
