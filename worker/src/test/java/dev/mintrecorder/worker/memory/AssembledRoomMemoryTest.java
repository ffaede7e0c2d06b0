package dev.mintrecorder.worker.memory;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.worker.media.BoundedFrameQueue;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A recording's memory view over real bounded queues: figures, shrinking (idempotent) and restoring. */
class AssembledRoomMemoryTest {
    private final List<String> calls = new ArrayList<>();
    private final List<byte[]> released = new ArrayList<>();
    private final BoundedFrameQueue<byte[]> video = new BoundedFrameQueue<>("video",
            BoundedFrameQueue.Limits.of(10, 1000), b -> b.length, released::add);
    private final BoundedFrameQueue<byte[]> baseline = new BoundedFrameQueue<>("baseline",
            BoundedFrameQueue.Limits.unbounded(), b -> b.length, released::add);
    private final AssembledRoomMemory memory = new AssembledRoomMemory(new MintId("M" + "1".repeat(31)),
            UUID.randomUUID(), List.of(video, baseline), () -> 5000,
            new AssembledRoomMemory.Levers(() -> calls.add("lower"), () -> calls.add("restore"),
                    () -> calls.add("handover")));

    @Test
    void figuresSumTheQueuesAndTheUpload() {
        for (int i = 0; i < 12; i++) {
            video.offer(new byte[100]); // 10 fit the 1000-byte bound: 2 dropped
        }
        baseline.offer(new byte[300]);
        RoomMemory.Figures f = memory.figures();
        assertEquals(new RoomMemory.Figures(1300, 2, 5000), f);
        assertEquals(6300, f.totalBytes());
    }

    @Test
    void shrinkingHalvesTheConfiguredBoundsOnceAndRestoringPutsThemBack() {
        for (int i = 0; i < 10; i++) {
            video.offer(new byte[100]);
        }
        memory.shrinkQueues(0.5);
        memory.shrinkQueues(0.5);
        assertEquals(BoundedFrameQueue.Limits.of(5, 500), video.limits(), "idempotent: half of the configured bound");
        assertEquals(500, video.stats().bytes());
        assertEquals(5, released.size(), "the oldest frames over the new bound are released at once");
        assertEquals(BoundedFrameQueue.Limits.unbounded(), baseline.limits(), "the baseline is never bounded");
        memory.restoreQueues();
        assertEquals(BoundedFrameQueue.Limits.of(10, 1000), video.limits());
    }

    @Test
    void leversReachTheRoomAndTheSession() {
        memory.lowerLayer();
        memory.restoreLayer();
        memory.handOver();
        assertEquals(List.of("lower", "restore", "handover"), calls);
    }
}
