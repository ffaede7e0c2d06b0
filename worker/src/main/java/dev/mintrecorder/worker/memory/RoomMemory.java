package dev.mintrecorder.worker.memory;

import dev.mintrecorder.contracts.MintId;

import java.util.UUID;

/**
 * One recording's view for the memory governor, registered by the pipeline in {@link RoomMemoryRegistry} while the
 * room runs: its figures, and the levers the governor pulls under pressure. Calls come from the governor's thread;
 * they must return promptly (post the work to the room's own thread).
 */
public interface RoomMemory {

    MintId mintId();

    UUID jobId();

    /** The room's figures now. */
    Figures figures();

    /** Asks the SFU for a lower video layer ({@code RoomSession.lowerLayer()}). */
    void lowerLayer();

    /** Asks for the job's own layer again. */
    void restoreLayer();

    /**
     * Sets the frame queues' bounds to {@code factor} times their configured bounds (idempotent), dropping the oldest
     * frames over the new bound ({@code BoundedFrameQueue.resize}).
     */
    void shrinkQueues(double factor);

    /** Puts the frame queues' configured bounds back. */
    void restoreQueues();

    /**
     * Hands the recording over to another worker, gracefully: the current segment is closed and uploaded, and the
     * session ends with {@code SessionEnd.HandedOver}, on which the job engine re-produces the job. Returns at once.
     */
    void handOver();

    /**
     * @param queueBytes bytes held in the room's frame queues (video and audio)
     * @param dropped frames the queues dropped
     * @param uploadBytesHeld bytes held by the segment upload (part buffer and parts in flight)
     */
    record Figures(long queueBytes, long dropped, long uploadBytesHeld) {
        /** What the room holds in all: what "the room using the most memory" is decided on. */
        public long totalBytes() {
            return queueBytes + uploadBytesHeld;
        }
    }
}
