package dev.mintrecorder.worker.media;

import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;

import java.util.function.Consumer;

import static dev.mintrecorder.worker.media.FfmpegException.check;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.avutil.AV_PICTURE_TYPE_I;
import static org.bytedeco.ffmpeg.global.avutil.AV_PICTURE_TYPE_NONE;
import static org.bytedeco.ffmpeg.global.avutil.av_opt_set;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCachedContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;

/**
 * libx264 (H.264) for one run. Every input frame is scaled with swscale to the recording's fixed output size, so a
 * frame above the cap and a mid-stream resolution change both end up the same size. Timestamps are in 1/90000 s.
 *
 * <p>Close order: the codec context, then the reusable frame and packet, then the swscale context and the source
 * pointer arrays.
 */
final class VideoEncoder implements AutoCloseable {
    static final int TIME_BASE = 90_000;
    /** A keyframe every 2 s of timestamps. */
    private static final long KEYFRAME_INTERVAL = 2L * TIME_BASE;

    private final AVCodecContext ctx;
    private final AVFrame frame;
    private final AVPacket pkt;
    private final PointerPointer<BytePointer> src = new PointerPointer<>(3);
    private final IntPointer srcStride = new IntPointer(3);
    private final long frameDuration;
    private SwsContext sws;
    private long nextKeyframePts;

    /** @param threads x264 threads ({@link MediaConfig#THREADS_AUTO}: x264 picks by the CPUs it sees) */
    VideoEncoder(int width, int height, int fps, int bitrateKbps, String preset, int threads) {
        AVCodec codec = avcodec_find_encoder_by_name("libx264");
        if (codec == null) {
            throw new FfmpegException("libx264 is not in this FFmpeg build");
        }
        ctx = avcodec_alloc_context3(codec);
        frame = av_frame_alloc();
        pkt = av_packet_alloc();
        boolean ok = false;
        try {
            ctx.width(width).height(height).pix_fmt(AV_PIX_FMT_YUV420P);
            ctx.time_base(new AVRational().num(1).den(TIME_BASE));
            ctx.framerate(new AVRational().num(fps).den(1));
            ctx.gop_size(fps * 2);
            ctx.keyint_min(fps * 2);
            ctx.max_b_frames(0);
            // libx264 takes its thread count from here (0: its own auto); with zerolatency each thread is a slice.
            ctx.thread_count(threads);
            long bps = bitrateKbps * 1000L;
            ctx.bit_rate(bps).rc_max_rate(bps).rc_buffer_size((int) Math.min(Integer.MAX_VALUE, bps * 2));
            av_opt_set(ctx.priv_data(), "preset", preset, 0);
            av_opt_set(ctx.priv_data(), "tune", "zerolatency", 0);
            // keyint/min-keyint come from gop_size/keyint_min; scenecut off keeps keyframes exactly every 2 s.
            av_opt_set(ctx.priv_data(), "x264-params", "scenecut=0", 0);
            // A frame forced to I (see encode) becomes an IDR, so every segment can start with it.
            av_opt_set(ctx.priv_data(), "forced-idr", "1", 0);
            check(avcodec_open2(ctx, codec, (PointerPointer<?>) null), "avcodec_open2(libx264)");
            frame.format(AV_PIX_FMT_YUV420P).width(width).height(height);
            check(av_frame_get_buffer(frame, 0), "av_frame_get_buffer");
            ok = true;
        } finally {
            if (!ok) {
                close();
            }
        }
        frameDuration = TIME_BASE / fps;
    }

    AVCodecContext context() {
        return ctx;
    }

    /** Scales {@code in} into the encoder's frame and encodes it; the caller still owns (and closes) {@code in}. */
    void encode(RawVideoFrame in, long pts, Consumer<AVPacket> out) {
        check(av_frame_make_writable(frame), "av_frame_make_writable");
        sws = sws_getCachedContext(sws, in.width(), in.height(), AV_PIX_FMT_YUV420P,
                ctx.width(), ctx.height(), AV_PIX_FMT_YUV420P, SWS_BILINEAR, null, null, (DoublePointer) null);
        if (sws == null) {
            throw new FfmpegException("sws_getCachedContext " + in.width() + "x" + in.height());
        }
        try (BytePointer y = new BytePointer(in.dataY()); BytePointer u = new BytePointer(in.dataU());
             BytePointer v = new BytePointer(in.dataV())) {
            src.put(0, y).put(1, u).put(2, v);
            srcStride.put(0, in.strideY()).put(1, in.strideU()).put(2, in.strideV());
            sws_scale(sws, src, srcStride, 0, in.height(), frame.data(), frame.linesize());
        }
        frame.pts(pts);
        frame.duration(frameDuration);
        // Keyframes by time, not by frame count: a publisher below the fps cap would otherwise stretch the GOP (gop_size
        // counts frames) and with it every segment (15 fps under a 30 fps cap gave 8 s and 4 s segments for 6 s).
        if (pts >= nextKeyframePts) {
            frame.pict_type(AV_PICTURE_TYPE_I);
            nextKeyframePts = (pts / KEYFRAME_INTERVAL + 1) * KEYFRAME_INTERVAL;
        } else {
            frame.pict_type(AV_PICTURE_TYPE_NONE);
        }
        check(avcodec_send_frame(ctx, frame), "avcodec_send_frame(video)");
        receive(out);
    }

    /** Drains the encoder at the end of a run. */
    void flush(Consumer<AVPacket> out) {
        check(avcodec_send_frame(ctx, null), "avcodec_send_frame(video, flush)");
        receive(out);
    }

    private void receive(Consumer<AVPacket> out) {
        EncodedPackets.drain(ctx, pkt, frameDuration, "video", out);
    }

    @Override
    public void close() {
        avcodec_free_context(ctx);
        av_frame_free(frame);
        av_packet_free(pkt);
        if (sws != null) {
            sws_freeContext(sws);
            sws = null;
        }
        src.close();
        srcStride.close();
    }
}
