package dev.mintrecorder.bench;

import dev.mintrecorder.worker.media.BoundedFrameQueue;
import dev.mintrecorder.worker.media.FrameQueues;
import dev.mintrecorder.worker.room.RoomClient;
import dev.mintrecorder.worker.room.RoomConfig;
import dev.mintrecorder.worker.room.RoomListener;
import dev.mintrecorder.worker.room.RoomRequest;
import dev.mintrecorder.worker.room.RoomSession;
import dev.mintrecorder.worker.room.LayerCap;
import dev.mintrecorder.worker.room.WebRtcRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * The {@code stall} scenario's recorder, run as a child JVM so its RSS is the figure: the worker's own room client
 * joins the room with the worker's queue configuration ({@code ROOM_QUEUE_UNBOUNDED=true} gives the baseline) and then
 * nobody drains the queues for the stall: the encoder is stalled.
 *
 * <p>Args: room, target identity, max height, stall seconds. Prints {@code STALLING} once frames flow, one
 * {@code stats} line per second and {@code DONE} at the end.
 */
public final class StallChild {
    private StallChild() {
    }

    public static void main(String[] args) {
        String room = args[0];
        String target = args[1];
        int maxHeight = Integer.parseInt(args[2]);
        int stallSeconds = Integer.parseInt(args[3]);
        RoomConfig config = RoomConfig.from(System.getenv());
        System.out.println("queues: video " + config.videoQueue() + ", audio " + config.audioQueue());
        try (WebRtcRuntime runtime = WebRtcRuntime.start();
             RoomClient client = new RoomClient(config, runtime, new SimpleMeterRegistry());
             FrameQueues queues = FrameQueues.create(room, config.videoQueue(), config.audioQueue())) {
            String job = UUID.randomUUID().toString();
            RoomSession session = client.open(new RoomRequest(room, target, new LayerCap(maxHeight, 30),
                    "stall-" + room, job), queues, RoomListener.NONE);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> session.videoFramesDelivered() > 0);
            System.out.println("STALLING");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(stallSeconds);
            for (int second = 1; System.nanoTime() < end; second++) {
                Timing.pause(Duration.ofNanos(Math.min(end, System.nanoTime() + TimeUnit.SECONDS.toNanos(1))
                        - System.nanoTime()));
                print("stats", second, session, queues);
            }
            print("DONE", stallSeconds, session, queues);
            session.close();
            session.completion().orTimeout(20, TimeUnit.SECONDS).join();
        }
        System.exit(0);
    }

    private static void print(String what, int second, RoomSession session, FrameQueues queues) {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        BoundedFrameQueue.Stats v = queues.video().stats();
        System.out.println(String.format(Locale.ROOT, "%s second=%d delivered=%d enqueued=%d dropped=%d frames=%d "
                        + "bytes=%d high_water=%d audio_dropped=%d heap_used=%d heap_committed=%d gcs=%d", what, second,
                session.videoFramesDelivered(), v.enqueued(), v.dropped(), v.frames(), v.bytes(), v.highWaterBytes(),
                queues.audio().stats().dropped(), heap.getUsed(), heap.getCommitted(),
                ManagementFactory.getGarbageCollectorMXBeans().stream()
                        .mapToLong(GarbageCollectorMXBean::getCollectionCount).sum()));
        System.out.flush();
    }
}
