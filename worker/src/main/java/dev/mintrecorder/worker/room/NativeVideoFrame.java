package dev.mintrecorder.worker.room;

import dev.mintrecorder.worker.media.RawVideoFrame;
import dev.onvoid.webrtc.media.video.I420Buffer;
import dev.onvoid.webrtc.media.video.VideoFrame;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A libwebrtc {@link VideoFrame} handed to the encoder as a {@link RawVideoFrame}, without copying.
 *
 * <p>webrtc-java 0.14.0's sink bridge already copies each decoded frame into a fresh native I420 buffer that
 * the sink owns ({@code VideoTrackSink.cpp}: {@code I420Buffer::Copy} + {@code AddRef}), and
 * {@code NativeI420Buffer.toI420()} returns itself. So the I420 planes are read in place: no conversion, no
 * second copy. The native memory is freed only by {@link VideoFrame#release()}; there is no Cleaner, so
 * {@link #close()} must run exactly once, which the {@link AtomicBoolean} guarantees even under races.
 */
public final class NativeVideoFrame implements RawVideoFrame {
    private final VideoFrame frame;
    private final I420Buffer i420;
    private final AtomicBoolean released = new AtomicBoolean();

    private NativeVideoFrame(VideoFrame frame, I420Buffer i420) {
        this.frame = frame;
        this.i420 = i420;
    }

    /** Takes ownership of {@code frame}; on failure the frame is released before the exception leaves. */
    public static NativeVideoFrame wrap(VideoFrame frame) {
        try {
            return new NativeVideoFrame(frame, frame.buffer.toI420());
        } catch (RuntimeException e) {
            frame.release();
            throw e;
        }
    }

    @Override
    public int width() {
        return i420.getWidth();
    }

    @Override
    public int height() {
        return i420.getHeight();
    }

    @Override
    public ByteBuffer dataY() {
        return i420.getDataY();
    }

    @Override
    public ByteBuffer dataU() {
        return i420.getDataU();
    }

    @Override
    public ByteBuffer dataV() {
        return i420.getDataV();
    }

    @Override
    public int strideY() {
        return i420.getStrideY();
    }

    @Override
    public int strideU() {
        return i420.getStrideU();
    }

    @Override
    public int strideV() {
        return i420.getStrideV();
    }

    @Override
    public long timestampNanos() {
        return frame.timestampNs;
    }

    @Override
    public long sizeBytes() {
        int chromaHeight = (i420.getHeight() + 1) / 2;
        return (long) i420.getStrideY() * i420.getHeight()
                + (long) (i420.getStrideU() + i420.getStrideV()) * chromaHeight;
    }

    @Override
    public void close() {
        if (!released.compareAndSet(false, true)) {
            throw new IllegalStateException("video frame released twice");
        }
        frame.release();
    }
}
