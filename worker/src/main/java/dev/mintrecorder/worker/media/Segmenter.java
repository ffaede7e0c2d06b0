package dev.mintrecorder.worker.media;

import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static dev.mintrecorder.worker.media.FfmpegException.check;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_move_ref;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_from_context;
import static org.bytedeco.ffmpeg.global.avformat.av_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_alloc_context;
import static org.bytedeco.ffmpeg.global.avformat.avio_context_free;
import static org.bytedeco.ffmpeg.global.avformat.avio_flush;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_free;
import static org.bytedeco.ffmpeg.global.avutil.av_malloc;
import static org.bytedeco.ffmpeg.global.avutil.av_q2d;

/**
 * One continuous run of media cut into MPEG-TS segments by FFmpeg's {@code segment} muxer, each segment written to
 * a stream from {@link SegmentOutput}.
 *
 * <p>Timestamp rules (docs/design.md, "FFmpeg"): packets arrive on one timeline starting at 0;
 * {@code reset_timestamps} is off and every segment's inner MPEG-TS muxer gets the same {@code output_ts_offset}
 * ({@link #TS_OFFSET}), so AAC priming's negative first timestamp never makes segment 0 shift differently from the
 * others. The muxer cuts at the first video keyframe at or after each multiple of {@code segment_s}, so audio and
 * video are cut together.
 *
 * <p>Packets are interleaved here by DTS (not by {@code av_interleaved_write_frame}) so that the packet that triggers a
 * cut is known while FFmpeg opens the next segment; that gives each segment's exact start and duration.
 *
 * <p>Close order: flush the interleaver, {@code av_write_trailer} (closes the last segment through io_close2), free any
 * held packets, {@code avformat_free_context} (frees the inner per-segment context), then unregister the callbacks' ids.
 * Not thread-safe: the encoder thread owns it.
 */
final class Segmenter implements AutoCloseable {
    /** Added to every segment's timestamps; larger than AAC priming (1024 samples). */
    static final String TS_OFFSET = "1";
    private static final int IO_BUFFER = 64 * 1024;
    /** The interleaver lets one stream run this far ahead of the other before it writes anyway (a track went quiet). */
    private static final double MAX_INTERLEAVE_S = 1.0;

    private final SegmentOutput output;
    private final AtomicLong closedTotal;
    private final boolean discontinuity;
    private final RunTimeline timeline;
    private final AVFormatContext ctx;
    private final SegmentIo.Token muxToken;
    private final AVStream videoStream;
    private final AVStream audioStream;
    private final AVRational videoCodecTb;
    private final AVRational audioCodecTb;
    private final ArrayDeque<AVPacket> heldVideo = new ArrayDeque<>();
    private final ArrayDeque<AVPacket> heldAudio = new ArrayDeque<>();

    private long nextSequence;
    private OpenSegment open;
    private int segmentsClosed;
    private final Supplier<FrameLoss> loss;
    private IOException ioFailure;
    private byte[] scratch = new byte[IO_BUFFER];
    /** PTS (s) of the video packet being written right now; NaN outside av_write_frame or for audio. */
    private double inFlightVideoPts = Double.NaN;
    private double lastVideoEnd = Double.NaN;
    private boolean closed;

    private static final class OpenSegment {
        final long sequence;
        final SegmentOutput.Segment stream;
        final SegmentIo.Token token;
        final AVIOContext io;
        long bytes;
        double startPts;

        OpenSegment(long sequence, SegmentOutput.Segment stream, SegmentIo.Token token, AVIOContext io,
                    double startPts) {
            this.sequence = sequence;
            this.stream = stream;
            this.token = token;
            this.io = io;
            this.startPts = startPts;
        }
    }

    /**
     * Opens the muxer and, through it, the first segment.
     *
     * @param closedTotal counts each segment this segmenter finishes (the encoder's statistics)
     * @param discontinuity whether the first segment follows a gap
     * @param timeline the run's clock: a segment's program date-time is the wall-clock time of its first frame
     * @param loss the encoder's frame-loss counters, read when a segment closes: they then cover exactly the frames
     *        before the one whose keyframe cut it (the encoder adds a frame's loss after encoding it)
     */
    Segmenter(SegmentOutput output, AtomicLong closedTotal, int segmentSeconds, long startSequence,
              boolean discontinuity, RunTimeline timeline, AVCodecContext video, AVCodecContext audio,
              Supplier<FrameLoss> loss) {
        this.output = output;
        this.loss = loss;
        this.closedTotal = closedTotal;
        this.discontinuity = discontinuity;
        this.timeline = timeline;
        this.nextSequence = startSequence;
        this.videoCodecTb = video.time_base();
        this.audioCodecTb = audio.time_base();
        this.muxToken = SegmentIo.registerMuxer(this);
        this.ctx = new AVFormatContext(null);
        boolean ok = false;
        try {
            check(avformat_alloc_output_context2(ctx, null, "segment", "%d"), "avformat_alloc_output_context2");
            ctx.opaque(muxToken);
            ctx.io_open(SegmentIo.IO_OPEN);
            ctx.io_close2(SegmentIo.IO_CLOSE);
            videoStream = newStream(video);
            audioStream = newStream(audio);

            AVDictionary opts = new AVDictionary(null);
            av_dict_set(opts, "segment_format", "mpegts", 0);
            av_dict_set(opts, "segment_time", Integer.toString(segmentSeconds), 0);
            av_dict_set(opts, "break_non_keyframes", "0", 0);
            av_dict_set(opts, "reset_timestamps", "0", 0);
            av_dict_set(opts, "segment_format_options",
                    "output_ts_offset=" + TS_OFFSET + ":avoid_negative_ts=disabled", 0);
            // The outer muxer must not shift timestamps either: one timeline for the whole run.
            av_dict_set(opts, "avoid_negative_ts", "disabled", 0);
            PointerPointer<AVDictionary> optsRef = new PointerPointer<>(1);
            optsRef.put(0, opts);
            try {
                check(avformat_write_header(ctx, optsRef), "avformat_write_header");
            } finally {
                av_dict_free(optsRef);
                optsRef.close();
            }
            failIfIo();
            ok = true;
        } finally {
            if (!ok) {
                freeContext();
            }
        }
    }

    private AVStream newStream(AVCodecContext codec) {
        AVStream st = avformat_new_stream(ctx, null);
        if (st == null) {
            throw new FfmpegException("avformat_new_stream returned null");
        }
        check(avcodec_parameters_from_context(st.codecpar(), codec), "avcodec_parameters_from_context");
        st.time_base(codec.time_base());
        return st;
    }

    /** Takes over the packet's data (leaves {@code pkt} empty) and writes it when interleaving allows. */
    void submit(AVPacket pkt, boolean video) {
        AVPacket held = av_packet_alloc();
        av_packet_move_ref(held, pkt);
        av_packet_rescale_ts(held, video ? videoCodecTb : audioCodecTb,
                video ? videoStream.time_base() : audioStream.time_base());
        held.stream_index(video ? videoStream.index() : audioStream.index());
        (video ? heldVideo : heldAudio).addLast(held);
        drain(false);
    }

    private void drain(boolean all) {
        while (!heldVideo.isEmpty() || !heldAudio.isEmpty()) {
            AVPacket next;
            if (!heldVideo.isEmpty() && !heldAudio.isEmpty()) {
                next = dts(heldVideo.peekFirst()) <= dts(heldAudio.peekFirst()) ? heldVideo.pollFirst() : heldAudio.pollFirst();
            } else {
                ArrayDeque<AVPacket> only = heldVideo.isEmpty() ? heldAudio : heldVideo;
                boolean tooFarAhead = dts(only.peekLast()) - dts(only.peekFirst()) > MAX_INTERLEAVE_S;
                if (!all && !tooFarAhead) {
                    return;
                }
                next = only.pollFirst();
            }
            writeNow(next);
        }
    }

    private double dts(AVPacket p) {
        return p.dts() * av_q2d(p.stream_index() == videoStream.index() ? videoStream.time_base() : audioStream.time_base());
    }

    private void writeNow(AVPacket pkt) {
        try {
            boolean video = pkt.stream_index() == videoStream.index();
            if (video) {
                double tb = av_q2d(videoStream.time_base());
                inFlightVideoPts = pkt.pts() * tb;
                double end = (pkt.pts() + pkt.duration()) * tb;
                lastVideoEnd = Double.isNaN(lastVideoEnd) ? end : Math.max(lastVideoEnd, end);
                if (open != null && Double.isNaN(open.startPts)) {
                    open.startPts = inFlightVideoPts;
                }
            }
            int rc = av_write_frame(ctx, pkt);
            failIfIo();
            check(rc, "av_write_frame");
        } finally {
            inFlightVideoPts = Double.NaN;
            av_packet_free(pkt);
        }
    }

    /** Called from io_open: a new segment file. */
    AVIOContext openSegment() throws IOException {
        long seq = nextSequence++;
        SegmentOutput.Segment stream = output.open(seq);
        SegmentIo.Token token = SegmentIo.registerStream(this);
        BytePointer buffer = new BytePointer(av_malloc(IO_BUFFER)).capacity(IO_BUFFER);
        AVIOContext io = avio_alloc_context(buffer, IO_BUFFER, 1, token, null, SegmentIo.WRITE, null);
        if (io == null || io.isNull()) {
            av_free(buffer);
            SegmentIo.unregister(token);
            stream.close();
            throw new IOException("avio_alloc_context failed");
        }
        open = new OpenSegment(seq, stream, token, io, inFlightVideoPts);
        return io;
    }

    /** Called from the AVIOContext's write callback. */
    int write(BytePointer buf, int size) {
        if (open == null) {
            return SegmentIo.AVERROR_EIO;
        }
        if (scratch.length < size) {
            scratch = new byte[size];
        }
        buf.position(0).get(scratch, 0, size);
        try {
            open.stream.write(scratch, 0, size);
        } catch (IOException e) {
            ioFailure = e;
            return SegmentIo.AVERROR_EIO;
        }
        open.bytes += size;
        return size;
    }

    /** Called from io_close2: flush, free the AVIOContext, and finish the segment's stream, which reports it. */
    int closeSegment(AVIOContext io) {
        OpenSegment seg = open;
        open = null;
        avio_flush(io);
        av_free(io.buffer());
        SegmentIo.Token token = seg == null ? null : seg.token;
        avio_context_free(io);
        if (seg == null) {
            return 0;
        }
        SegmentIo.unregister(token);
        double end = Double.isNaN(inFlightVideoPts) ? lastVideoEnd : inFlightVideoPts;
        double duration = Double.isNaN(seg.startPts) || Double.isNaN(end) ? 0 : Math.max(0, end - seg.startPts);
        try {
            seg.stream.finish(new SegmentDone(seg.sequence, duration, discontinuity && segmentsClosed == 0,
                    seg.bytes, Double.isNaN(seg.startPts) ? null : timeline.wallAt(seg.startPts), loss.get()));
        } catch (IOException e) {
            ioFailure = e;
            return SegmentIo.AVERROR_EIO;
        }
        segmentsClosed++;
        closedTotal.incrementAndGet();
        return 0;
    }

    /** The sequence number the next segment (after this run) should take. */
    long nextSequence() {
        return nextSequence;
    }

    private void failIfIo() {
        if (ioFailure != null) {
            IOException e = ioFailure;
            ioFailure = null;
            throw new SegmentWriteException(e);
        }
    }

    /** Writing a segment to its stream failed (for example S3 gave up after retries). */
    public static final class SegmentWriteException extends RuntimeException {
        SegmentWriteException(IOException cause) {
            super("segment output failed: " + cause.getMessage(), cause);
        }
    }

    /** Writes what is held, the trailer, and closes the last segment; then frees everything. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            drain(true);
            check(av_write_trailer(ctx), "av_write_trailer");
            failIfIo();
        } finally {
            freeContext();
        }
    }

    private void freeContext() {
        heldVideo.forEach(p -> av_packet_free(p));
        heldVideo.clear();
        heldAudio.forEach(p -> av_packet_free(p));
        heldAudio.clear();
        if (open != null) {
            // The trailer failed before closing the segment: free its AVIOContext (the segment context freed below
            // does not) and close its stream (unfinished: not reported) so its upload ends.
            OpenSegment seg = open;
            open = null;
            SegmentIo.unregister(seg.token);
            av_free(seg.io.buffer());
            avio_context_free(seg.io);
            try {
                seg.stream.close();
            } catch (IOException ignored) {
                // already failing; the first error is the one reported
            }
        }
        if (!ctx.isNull()) {
            avformat_free_context(ctx);
            ctx.setNull();
        }
        SegmentIo.unregister(muxToken);
    }
}
