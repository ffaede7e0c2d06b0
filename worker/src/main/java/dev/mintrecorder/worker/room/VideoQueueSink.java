package dev.mintrecorder.worker.room;

import dev.mintrecorder.worker.media.BoundedFrameQueue;
import dev.mintrecorder.worker.media.RawVideoFrame;
import dev.onvoid.webrtc.media.video.VideoFrame;
import dev.onvoid.webrtc.media.video.VideoTrackSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.LongAdder;

/**
 * The remote video track's sink: wraps each frame and hands it to the bounded queue, never blocking.
 *
 * <p>libwebrtc calls this on its decoder thread. A sink that blocks makes libwebrtc buffer decoded frames
 * internally, outside any bound (docs/design.md, "webrtc-java"), so this does a constant amount of work and returns.
 * Every frame is released exactly once: by the queue (drop, close), by the consumer, or here if wrapping fails.
 */
public final class VideoQueueSink implements VideoTrackSink {
    private static final Logger log = LoggerFactory.getLogger(VideoQueueSink.class);

    private final BoundedFrameQueue<RawVideoFrame> queue;
    private final StallDetector stall;
    private final LongAdder delivered = new LongAdder();
    private final LongAdder callbackNanos = new LongAdder();

    public VideoQueueSink(BoundedFrameQueue<RawVideoFrame> queue, StallDetector stall) {
        this.queue = queue;
        this.stall = stall;
    }

    @Override
    public void onVideoFrame(VideoFrame frame) {
        long start = System.nanoTime();
        delivered.increment();
        stall.onFrame();
        try {
            queue.offer(NativeVideoFrame.wrap(frame));
        } catch (RuntimeException e) {
            // wrap() released the frame; an exception must not unwind into native code.
            log.warn("video sink of {} failed", queue.name(), e);
        }
        callbackNanos.add(System.nanoTime() - start);
    }

    /** Mean time spent in this callback per frame, in nanoseconds: what the sink costs libwebrtc's decoder thread. */
    public long meanCallbackNanos() {
        long n = delivered.sum();
        return n == 0 ? 0 : callbackNanos.sum() / n;
    }

    /** Frames libwebrtc delivered to this sink. */
    public long delivered() {
        return delivered.sum();
    }
}
