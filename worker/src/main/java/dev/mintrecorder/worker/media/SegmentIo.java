package dev.mintrecorder.worker.media;

import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.Write_packet_Pointer_BytePointer_int;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The native callbacks FFmpeg calls to open, write and close segment files, routed to the owning {@link Segmenter}.
 *
 * <p>JavaCPP callbacks are a small, fixed pool of native thunks per callback class, and a thunk dies with its Java
 * object. So there is exactly one instance of each callback for the whole process, held in static finals (never
 * collected), and they find their {@link Segmenter} through a registry keyed by an id that FFmpeg carries for us in
 * {@code AVFormatContext.opaque} (the segment muxer copies it to each segment's context) and {@code AVIOContext.opaque}.
 * The callbacks never throw into native code: a Java failure becomes {@code AVERROR(EIO)}.
 */
final class SegmentIo {
    private static final Logger log = LoggerFactory.getLogger(SegmentIo.class);
    static final int AVERROR_EIO = -5;

    private static final AtomicLong IDS = new AtomicLong();
    private static final Map<Long, Segmenter> MUXERS = new ConcurrentHashMap<>();
    private static final Map<Long, Segmenter> STREAMS = new ConcurrentHashMap<>();

    static final IoOpen IO_OPEN = new IoOpen();
    static final IoClose IO_CLOSE = new IoClose();
    static final Write WRITE = new Write();

    private SegmentIo() {
    }

    /** An opaque id that FFmpeg hands back to us; never dereferenced. */
    static final class Token extends Pointer {
        Token(long id) {
            address = id;
        }
    }

    static Token registerMuxer(Segmenter segmenter) {
        long id = IDS.incrementAndGet();
        MUXERS.put(id, segmenter);
        return new Token(id);
    }

    static Token registerStream(Segmenter segmenter) {
        long id = IDS.incrementAndGet();
        STREAMS.put(id, segmenter);
        return new Token(id);
    }

    static void unregister(Token token) {
        MUXERS.remove(token.address());
        STREAMS.remove(token.address());
    }

    static final class IoOpen extends AVFormatContext.Io_open_AVFormatContext_PointerPointer_BytePointer_int_PointerPointer {
        @Override
        public int call(AVFormatContext s, PointerPointer pb, BytePointer url, int flags, PointerPointer options) {
            try {
                Segmenter owner = s.opaque() == null ? null : MUXERS.get(s.opaque().address());
                if (owner == null) {
                    log.error("io_open for an unknown muxer ({})", url.getString());
                    return AVERROR_EIO;
                }
                AVIOContext io = owner.openSegment();
                pb.put(0, io);
                return 0;
            } catch (Throwable t) {
                log.error("io_open failed", t);
                return AVERROR_EIO;
            }
        }
    }

    static final class IoClose extends AVFormatContext.Io_close2_AVFormatContext_AVIOContext {
        @Override
        public int call(AVFormatContext s, AVIOContext pb) {
            try {
                if (pb == null || pb.isNull()) {
                    return 0;
                }
                Segmenter owner = pb.opaque() == null ? null : STREAMS.get(pb.opaque().address());
                if (owner == null) {
                    log.error("io_close2 for an unknown stream");
                    return AVERROR_EIO;
                }
                return owner.closeSegment(pb);
            } catch (Throwable t) {
                log.error("io_close2 failed", t);
                return AVERROR_EIO;
            }
        }
    }

    static final class Write extends Write_packet_Pointer_BytePointer_int {
        @Override
        public int call(Pointer opaque, BytePointer buf, int size) {
            try {
                Segmenter owner = opaque == null ? null : STREAMS.get(opaque.address());
                if (owner == null) {
                    log.error("write for an unknown stream");
                    return AVERROR_EIO;
                }
                return owner.write(buf, size);
            } catch (Throwable t) {
                log.error("segment write failed", t);
                return AVERROR_EIO;
            }
        }
    }
}
