package dev.mintrecorder.worker.media;

import java.time.Duration;

/**
 * Where the encoder takes its input from: a bounded frame queue in production, a synthetic generator in tests.
 *
 * @param <T> {@link RawVideoFrame} or {@link AudioChunk}
 */
@FunctionalInterface
public interface FrameSource<T> {
    /**
     * Takes the next item, waiting at most {@code timeout} ({@link Duration#ZERO}: do not wait).
     *
     * @return the item, now owned by the caller, or {@code null} when none arrived in time
     */
    T poll(Duration timeout) throws InterruptedException;

    /**
     * The items this source dropped so far before they could be taken (a bounded queue's drops), so that the consumer
     * can tell which of the items it took had others dropped in front of them.
     */
    default long dropped() {
        return 0;
    }
}
