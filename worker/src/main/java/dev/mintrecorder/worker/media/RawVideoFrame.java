package dev.mintrecorder.worker.media;

import java.nio.ByteBuffer;

/**
 * A decoded I420 video frame on its way from the room to the encoder.
 *
 * <p>It wraps native memory. Exactly one object owns it at a time (the sink, then the queue, then
 * the encoder), and the owner calls {@link #close()} exactly once, whether the frame was encoded,
 * dropped or abandoned on shutdown.
 */
public interface RawVideoFrame extends AutoCloseable {
    int width();

    int height();

    ByteBuffer dataY();

    ByteBuffer dataU();

    ByteBuffer dataV();

    int strideY();

    int strideU();

    int strideV();

    /**
     * When the frame is due, in nanoseconds on this machine's monotonic clock (the clock of {@link System#nanoTime()}):
     * libwebrtc's render time for a received frame. {@link AudioChunk#timestampNanos()} uses the same clock, so the
     * two can be aligned for A/V sync (checked in {@code RoomSessionIT}).
     */
    long timestampNanos();

    /** Bytes of native memory held, counted against the queue's byte bound. */
    long sizeBytes();

    /** Releases the native frame. Idempotent calls are a bug; implementations may assert. */
    @Override
    void close();
}
