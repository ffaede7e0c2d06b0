package dev.mintrecorder.worker.media;

import java.util.List;

/**
 * One recording's two hand-offs from the room to the encoder: decoded video and PCM audio, each a
 * {@link BoundedFrameQueue}.
 *
 * <p>Ownership: whoever creates them (the recording) closes them, after the room that fills them has closed, which
 * releases any frame still queued. The room only offers into them and {@linkplain #finishInput() finishes their
 * input} when it ends; the encoder only polls them.
 */
public record FrameQueues(BoundedFrameQueue<RawVideoFrame> video, BoundedFrameQueue<AudioChunk> audio)
        implements AutoCloseable {

    /** The queues of the room {@code name} ({@code name/video}, {@code name/audio}) with these bounds. */
    public static FrameQueues create(String name, BoundedFrameQueue.Limits video, BoundedFrameQueue.Limits audio) {
        return new FrameQueues(BoundedFrameQueue.video(name + "/video", video),
                BoundedFrameQueue.audio(name + "/audio", audio));
    }

    /** Both queues, for what watches them as a whole (the memory governor). */
    public List<BoundedFrameQueue<?>> both() {
        return List.of(video, audio);
    }

    /** No more input will come (the room ended): the consumer drains what is left. */
    public void finishInput() {
        video.finishInput();
        audio.finishInput();
    }

    /** Closes both queues, releasing what is left in them. Idempotent. */
    @Override
    public void close() {
        try {
            video.close();
        } finally {
            audio.close();
        }
    }
}
