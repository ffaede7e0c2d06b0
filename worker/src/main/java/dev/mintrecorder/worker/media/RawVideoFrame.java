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

    /** Capture time on the sender's clock as libwebrtc reports it, in nanoseconds; used for A/V sync. */
    long timestampNanos();

    /** Bytes of native memory held, counted against the queue's byte bound. */
    long sizeBytes();

    /** Releases the native frame. Idempotent calls are a bug; implementations may assert. */
    @Override
    void close();
}
