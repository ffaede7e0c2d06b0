package dev.mintrecorder.worker.memory;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.worker.media.BoundedFrameQueue;

import java.util.List;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * The {@link RoomMemory} of a recording, assembled from its parts (its frame queues, the upload's held bytes and the
 * levers), so the pipeline registers a room with one call:
 *
 * <pre>{@code
 * RoomMemoryRegistry.Registration reg = roomMemories.register(new AssembledRoomMemory(mint, jobId,
 *         queues.both(), () -> sink == null ? 0 : sink.memoryBytes(),
 *         new AssembledRoomMemory.Levers(room::lowerLayer, room::restoreLayer, this::handOverForMemory)));
 * ... at the recording's end: reg.close();
 * }</pre>
 *
 * The queues' bounds at construction are the configured ones: shrinking sets {@code factor} times them (never below
 * one frame and one byte), restoring sets them back. An unbounded queue (the benchmark's baseline) is left alone.
 */
public final class AssembledRoomMemory implements RoomMemory {
    private final MintId mintId;
    private final UUID jobId;
    private final List<Queue> queues;
    private final LongSupplier uploadBytesHeld;
    private final Levers levers;

    /**
     * The levers that belong to the room and the session, each returning at once.
     *
     * @param lowerLayer asks the SFU for a lower layer ({@code RoomSession::lowerLayer}; its future is not awaited)
     * @param restoreLayer asks for the job's own layer again
     * @param handOver closes the current segment and ends the session with {@code SessionEnd.HandedOver}
     */
    public record Levers(Runnable lowerLayer, Runnable restoreLayer, Runnable handOver) {}

    private record Queue(BoundedFrameQueue<?> queue, BoundedFrameQueue.Limits configured) {}

    public AssembledRoomMemory(MintId mintId, UUID jobId, List<? extends BoundedFrameQueue<?>> queues,
                           LongSupplier uploadBytesHeld, Levers levers) {
        this.mintId = mintId;
        this.jobId = jobId;
        this.queues = queues.stream().map(q -> new Queue(q, q.limits())).toList();
        this.uploadBytesHeld = uploadBytesHeld;
        this.levers = levers;
    }

    @Override
    public MintId mintId() {
        return mintId;
    }

    @Override
    public UUID jobId() {
        return jobId;
    }

    @Override
    public Figures figures() {
        long bytes = 0;
        long dropped = 0;
        for (Queue q : queues) {
            BoundedFrameQueue.Stats s = q.queue.stats();
            bytes += s.bytes();
            dropped += s.dropped();
        }
        return new Figures(bytes, dropped, uploadBytesHeld.getAsLong());
    }

    @Override
    public void lowerLayer() {
        levers.lowerLayer().run();
    }

    @Override
    public void restoreLayer() {
        levers.restoreLayer().run();
    }

    @Override
    public void shrinkQueues(double factor) {
        for (Queue q : queues) {
            BoundedFrameQueue.Limits c = q.configured;
            if (c.bounded()) {
                q.queue.resize(BoundedFrameQueue.Limits.of(Math.max(1, (int) (c.maxFrames() * factor)),
                        Math.max(1, (long) (c.maxBytes() * factor))));
            }
        }
    }

    @Override
    public void restoreQueues() {
        queues.forEach(q -> q.queue.resize(q.configured));
    }

    @Override
    public void handOver() {
        levers.handOver().run();
    }
}
