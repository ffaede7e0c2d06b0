package dev.mintrecorder.worker.media;

import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;

import java.util.function.Consumer;

import static dev.mintrecorder.worker.media.FfmpegException.check;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EAGAIN;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;

/** The receive side of an FFmpeg encoder, shared by the audio and video encoders. */
final class EncodedPackets {
    private EncodedPackets() {}

    /**
     * Hands every packet the encoder has ready to {@code out}, then unrefs it: {@code pkt} is the caller's one reusable
     * packet. A packet without a duration gets {@code defaultDuration} (the muxer needs it to cut segments exactly).
     */
    static void drain(AVCodecContext ctx, AVPacket pkt, long defaultDuration, String what, Consumer<AVPacket> out) {
        while (true) {
            int rc = avcodec_receive_packet(ctx, pkt);
            if (rc == AVERROR_EAGAIN() || rc == AVERROR_EOF) {
                return;
            }
            check(rc, "avcodec_receive_packet(" + what + ")");
            if (pkt.duration() == 0) {
                pkt.duration(defaultDuration);
            }
            try {
                out.accept(pkt);
            } finally {
                av_packet_unref(pkt);
            }
        }
    }
}
