package dev.mintrecorder.worker.media;

import org.bytedeco.javacpp.BytePointer;

import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

/** An FFmpeg call returned an error code. */
public final class FfmpegException extends RuntimeException {
    public FfmpegException(String what, int code) {
        super(what + " failed: " + describe(code) + " (" + code + ")");
    }

    public FfmpegException(String what) {
        super(what);
    }

    static int check(int code, String what) {
        if (code < 0) {
            throw new FfmpegException(what, code);
        }
        return code;
    }

    static String describe(int code) {
        try (BytePointer buf = new BytePointer(256)) {
            av_strerror(code, buf, 256);
            return buf.getString();
        }
    }
}
