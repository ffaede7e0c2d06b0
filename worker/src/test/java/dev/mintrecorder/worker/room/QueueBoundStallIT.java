package dev.mintrecorder.worker.room;

import dev.mintrecorder.devstack.room.RoomServer;
import dev.mintrecorder.devstack.room.RoomServerOptions;
import dev.mintrecorder.devstack.room.SyntheticPublisherSpec;
import dev.mintrecorder.worker.media.BoundedFrameQueue;
import dev.mintrecorder.worker.media.FrameQueues;
import dev.mintrecorder.worker.media.RawVideoFrame;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The memory bound under a stalled consumer, at 720p30 (docs/design.md, "What it is": the failure this project exists
 * for was decoded frames piling up while the encoder lagged). Nobody polls the video queue for 30 s: with the bound,
 * RSS stays flat and the drops are counted; with the bound off (the benchmark baseline), RSS grows by hundreds of MB.
 * Both figures are printed and written to {@code target/room-stall-report.txt}.
 */
class QueueBoundStallIT {
    private static final Logger log = LoggerFactory.getLogger(QueueBoundStallIT.class);
    private static final Duration STALL = Duration.ofSeconds(30);
    private static final long BOUND_BYTES = 48L << 20;
    /** The unbounded run stops early past this growth, to keep the machine usable. */
    private static final long UNBOUNDED_STOP_BYTES = 900L << 20;

    private static RoomServer server;
    private static WebRtcRuntime runtime;

    @BeforeAll
    static void start() {
        server = RoomServer.start(RoomServerOptions.defaults());
        runtime = WebRtcRuntime.start();
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
        if (server != null) {
            server.close();
        }
    }

    record Run(long rssBefore, long rssPeak, long delivered, long released, BoundedFrameQueue.Stats stats, double seconds,
               long sinkMeanNanos) {
        long growth() {
            return rssPeak - rssBefore;
        }

        String line(String label) {
            return String.format("%s: %.1f s stalled, RSS %d MB -> peak %d MB (growth %d MB), delivered %d, "
                            + "released %d, enqueued %d, dropped %d, queue high-water %d MB, sink %.1f us/frame",
                    label, seconds, rssBefore >> 20, rssPeak >> 20, growth() >> 20, delivered, released,
                    stats.enqueued(), stats.dropped(), stats.highWaterBytes() >> 20, sinkMeanNanos / 1e3);
        }
    }

    @Test
    void aStalledConsumerStaysWithinTheBoundAndTheUnboundedBaselineDoesNot() throws IOException {
        Run bounded = stalledRun(BoundedFrameQueue.Limits.of(60, BOUND_BYTES));
        log.info(bounded.line("bounded"));
        Run unbounded = stalledRun(BoundedFrameQueue.Limits.unbounded());
        log.info(unbounded.line("unbounded"));
        Path report = Path.of("target", "room-stall-report.txt");
        Files.createDirectories(report.getParent());
        Files.writeString(report, bounded.line("bounded") + "\n" + unbounded.line("unbounded") + "\n");

        assertTrue(bounded.stats().highWaterBytes() <= BOUND_BYTES, bounded.line("bounded"));
        assertTrue(bounded.stats().dropped() > 0, "drops are counted");
        assertEquals(bounded.delivered(), bounded.released(), "every delivered frame released exactly once");
        assertTrue(bounded.growth() < 150L << 20, bounded.line("bounded"));

        assertEquals(0, unbounded.stats().dropped());
        assertEquals(unbounded.delivered(), unbounded.released(), "closing releases the unbounded backlog too");
        assertTrue(unbounded.growth() > 300L << 20, unbounded.line("unbounded"));
    }

    private Run stalledRun(BoundedFrameQueue.Limits videoLimits) {
        String room = "stall720-" + UUID.randomUUID().toString().substring(0, 8);
        server.createRoom(room, SyntheticPublisherSpec.hd("streamer"));
        RoomConfig config = RoomConfig.from(Map.of()).withServer(server.url(), server.apiKey(), server.apiSecret())
                .withQueues(videoLimits, BoundedFrameQueue.Limits.of(500, 2L << 20));
        try (RoomClient client = new RoomClient(config, runtime, new SimpleMeterRegistry())) {
            // Nobody polls, so every native frame the sink delivers leaves through the queue (dropped, refused after
            // the end, or released on close): count the releases there.
            LongAdder released = new LongAdder();
            FrameQueues queues = new FrameQueues(new BoundedFrameQueue<>(room + "/video", config.videoQueue(),
                    RawVideoFrame::sizeBytes, frame -> {
                        frame.close();
                        released.increment();
                    }), BoundedFrameQueue.audio(room + "/audio", config.audioQueue()));
            RoomSession session = client.open(new RoomRequest(room, "streamer", new LayerCap(720, 30), "Mint" + room,
                    UUID.randomUUID().toString()), queues, RoomListener.NONE);
            await().atMost(Duration.ofSeconds(30)).until(() -> session.videoFramesDelivered() > 0);
            long rssBefore = rss();
            long peak = rssBefore;
            long start = System.nanoTime();
            long end = start + STALL.toNanos();
            // Nobody polls: the consumer is stalled. Sample RSS every 250 ms.
            while (System.nanoTime() < end && peak - rssBefore < UNBOUNDED_STOP_BYTES) {
                await().pollDelay(Duration.ofMillis(250)).atMost(Duration.ofSeconds(1)).until(() -> true);
                peak = Math.max(peak, rss());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            BoundedFrameQueue.Stats stats = queues.video().stats();
            session.close();
            session.completion().orTimeout(10, TimeUnit.SECONDS).join();
            queues.close();
            server.endRoom(room);
            long delivered = session.videoFramesDelivered();
            return new Run(rssBefore, peak, delivered, released.sum(), stats, seconds,
                    session.videoSinkMeanNanos());
        }
    }

    private static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("no VmRSS");
    }
}
