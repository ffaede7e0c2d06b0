package dev.mintrecorder.worker.media;

import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVAudioFifo;
import org.bytedeco.ffmpeg.avutil.AVChannelLayout;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.swresample.SwrContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;

import java.util.function.Consumer;

import static dev.mintrecorder.worker.media.FfmpegException.check;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_AAC;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLTP;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_S16;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_drain;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_free;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_read;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_size;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_write;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_uninit;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.avutil.av_freep;
import static org.bytedeco.ffmpeg.global.avutil.av_samples_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_samples_set_silence;
import static org.bytedeco.ffmpeg.global.swresample.swr_alloc_set_opts2;
import static org.bytedeco.ffmpeg.global.swresample.swr_convert;
import static org.bytedeco.ffmpeg.global.swresample.swr_free;
import static org.bytedeco.ffmpeg.global.swresample.swr_get_out_samples;
import static org.bytedeco.ffmpeg.global.swresample.swr_init;

/**
 * FFmpeg's native AAC encoder at 48 kHz stereo for one run. Input chunks (16-bit interleaved PCM, 10 ms each from
 * libwebrtc) go through swresample (format, and rate/channels when they differ) into an {@link AVAudioFifo}, which
 * hands the encoder the 1024-sample frames AAC needs. Timestamps are sample counts (1/48000 s) from the run's start.
 *
 * <p>Close order: codec context, frame, packet, FIFO, resampler, then the native conversion buffers.
 */
final class AudioEncoder implements AutoCloseable {
    static final int SAMPLE_RATE = 48_000;
    static final int CHANNELS = 2;

    private final AVCodecContext ctx;
    private final AVFrame frame;
    private final AVPacket pkt;
    private final AVAudioFifo fifo;
    private final int frameSize;
    private SwrContext swr;
    private int swrInRate;
    private int swrInChannels;
    private final PointerPointer<BytePointer> inPlanes = new PointerPointer<>(1);
    private final PointerPointer<BytePointer> convPlanes = new PointerPointer<>(CHANNELS);
    private int convCapacity;
    private BytePointer inBuffer;
    private int inCapacity;
    /** Samples written into the FIFO since the run started: the timeline position of the next sample. */
    private long position;
    /** Samples still to drop from what is written next (see {@link #queue}). */
    private long trimOwed;
    /** Samples handed to the encoder: the next frame's PTS. */
    private long encodedPosition;

    AudioEncoder(int bitrateKbps) {
        AVCodec codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
        ctx = avcodec_alloc_context3(codec);
        frame = av_frame_alloc();
        pkt = av_packet_alloc();
        boolean ok = false;
        AVAudioFifo f = null;
        try {
            ctx.sample_fmt(AV_SAMPLE_FMT_FLTP).sample_rate(SAMPLE_RATE).bit_rate(bitrateKbps * 1000L);
            av_channel_layout_default(ctx.ch_layout(), CHANNELS);
            ctx.time_base(new AVRational().num(1).den(SAMPLE_RATE));
            check(avcodec_open2(ctx, codec, (PointerPointer<?>) null), "avcodec_open2(aac)");
            frameSize = ctx.frame_size();
            frame.nb_samples(frameSize).format(AV_SAMPLE_FMT_FLTP).sample_rate(SAMPLE_RATE);
            av_channel_layout_default(frame.ch_layout(), CHANNELS);
            check(av_frame_get_buffer(frame, 0), "av_frame_get_buffer(audio)");
            f = av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, CHANNELS, frameSize * 4);
            if (f == null) {
                throw new FfmpegException("av_audio_fifo_alloc returned null");
            }
            ok = true;
        } finally {
            fifo = f;
            if (!ok) {
                close();
            }
        }
    }

    AVCodecContext context() {
        return ctx;
    }

    /** The timeline position, in samples, where the next written sample lands (any trim still owed counted as done). */
    long position() {
        return position;
    }

    /**
     * Converts and queues {@code chunk}, drops {@code trim} of the oldest samples not yet encoded (a correction of audio
     * that ran ahead of its timestamps; what the FIFO does not hold yet is dropped from the next chunks), then encodes
     * every full frame.
     */
    void write(AudioChunk chunk, int trim, Consumer<AVPacket> out) {
        configureResampler(chunk.sampleRate(), chunk.channels());
        int len = chunk.pcm().length;
        if (inCapacity < len) {
            if (inBuffer != null) {
                inBuffer.close();
            }
            inBuffer = new BytePointer(len);
            inCapacity = len;
        }
        inBuffer.position(0).put(chunk.pcm(), 0, len);
        inPlanes.put(0, inBuffer);
        int maxOut = swr_get_out_samples(swr, chunk.frames());
        ensureConversionBuffer(maxOut);
        int got = check(swr_convert(swr, convPlanes, maxOut, inPlanes, chunk.frames()), "swr_convert");
        queue(got, trim, out);
    }

    /** Queues {@code samples} of silence (a missing or late stretch of audio), then encodes every full frame. */
    void writeSilence(int samples, Consumer<AVPacket> out) {
        while (samples > 0) {
            int n = Math.min(samples, SAMPLE_RATE / 10);
            ensureConversionBuffer(n);
            av_samples_set_silence(convPlanes, 0, n, CHANNELS, AV_SAMPLE_FMT_FLTP);
            queue(n, 0, out);
            samples -= n;
        }
    }

    private void queue(int samples, int trim, Consumer<AVPacket> out) {
        if (samples <= 0) {
            return;
        }
        check(av_audio_fifo_write(fifo, convPlanes, samples), "av_audio_fifo_write");
        position += samples - trim;
        // A trim larger than what waits in the FIFO (audio far ahead of its timestamps) is owed and taken from the
        // next chunks; the position already counts it, so the timeline does not ask for it twice.
        trimOwed += trim;
        if (trimOwed > 0) {
            int drop = (int) Math.min(trimOwed, av_audio_fifo_size(fifo));
            check(av_audio_fifo_drain(fifo, drop), "av_audio_fifo_drain");
            trimOwed -= drop;
        }
        while (av_audio_fifo_size(fifo) >= frameSize) {
            encodeFrame(frameSize, out);
        }
    }

    private void encodeFrame(int samples, Consumer<AVPacket> out) {
        check(av_frame_make_writable(frame), "av_frame_make_writable(audio)");
        frame.nb_samples(samples);
        check(av_audio_fifo_read(fifo, frame.data(), samples), "av_audio_fifo_read");
        frame.pts(encodedPosition);
        encodedPosition += samples;
        check(avcodec_send_frame(ctx, frame), "avcodec_send_frame(audio)");
        receive(out);
    }

    /** Encodes what is left in the FIFO (padded to a full frame) and drains the encoder. */
    void flush(Consumer<AVPacket> out) {
        trimOwed = 0; // nothing comes after to take it from
        int left = av_audio_fifo_size(fifo);
        if (left > 0) {
            writeSilence(frameSize - left, out);
        }
        check(avcodec_send_frame(ctx, null), "avcodec_send_frame(audio, flush)");
        receive(out);
    }

    private void receive(Consumer<AVPacket> out) {
        EncodedPackets.drain(ctx, pkt, frameSize, "audio", out);
    }

    private void configureResampler(int rate, int channels) {
        if (swr != null && rate == swrInRate && channels == swrInChannels) {
            return;
        }
        if (swr != null) {
            swr_free(swr);
            swr = null;
        }
        AVChannelLayout inLayout = new AVChannelLayout();
        try {
            av_channel_layout_default(inLayout, channels);
            SwrContext s = new SwrContext(null);
            check(swr_alloc_set_opts2(s, ctx.ch_layout(), AV_SAMPLE_FMT_FLTP, SAMPLE_RATE,
                    inLayout, AV_SAMPLE_FMT_S16, rate, 0, null), "swr_alloc_set_opts2");
            swr = s;
            check(swr_init(swr), "swr_init");
        } finally {
            av_channel_layout_uninit(inLayout);
            inLayout.close();
        }
        swrInRate = rate;
        swrInChannels = channels;
    }

    private void ensureConversionBuffer(int samples) {
        if (samples <= convCapacity) {
            return;
        }
        if (convCapacity > 0) {
            av_freep(convPlanes);
        }
        try (IntPointer linesize = new IntPointer(1)) {
            check(av_samples_alloc(convPlanes, linesize, CHANNELS, samples, AV_SAMPLE_FMT_FLTP, 0), "av_samples_alloc");
        }
        convCapacity = samples;
    }

    @Override
    public void close() {
        avcodec_free_context(ctx);
        av_frame_free(frame);
        av_packet_free(pkt);
        if (fifo != null) {
            av_audio_fifo_free(fifo);
        }
        if (swr != null) {
            swr_free(swr);
            swr = null;
        }
        if (convCapacity > 0) {
            av_freep(convPlanes); // one allocation holds every plane
            convCapacity = 0;
        }
        convPlanes.close();
        inPlanes.close();
        if (inBuffer != null) {
            inBuffer.close();
        }
    }
}
