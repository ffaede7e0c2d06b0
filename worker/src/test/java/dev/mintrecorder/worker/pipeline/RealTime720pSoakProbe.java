package dev.mintrecorder.worker.pipeline;

import dev.mintrecorder.worker.media.BoundedFrameQueue;
import dev.mintrecorder.worker.media.EncodeSettings;
import dev.mintrecorder.worker.media.EncoderStats;
import dev.mintrecorder.worker.media.FrameQueues;
import dev.mintrecorder.worker.media.FrameSource;
import dev.mintrecorder.worker.media.MediaConfig;
import dev.mintrecorder.worker.media.MediaListener;
import dev.mintrecorder.worker.media.RawVideoFrame;
import dev.mintrecorder.worker.media.RoomEncoder;
import dev.mintrecorder.worker.media.TestSegments;
import dev.mintrecorder.worker.room.RoomClient;
import dev.mintrecorder.worker.room.RoomConfig;
import dev.mintrecorder.worker.room.RoomListener;
import dev.mintrecorder.worker.room.RoomRequest;
import dev.mintrecorder.worker.room.RoomSession;
import dev.mintrecorder.worker.room.LayerCap;
import dev.mintrecorder.worker.room.WebRtcRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Run in a child JVM by {@link RealTime720pSoakIT} with a fixed, pre-touched heap, so that RSS changes are native
 * memory (WebRTC decode, frame queues, x264/AAC, muxer). Joins the devstack room named by {@code args[0]} (server
 * from {@code LIVEKIT_URL}/{@code LIVEKIT_API_KEY}/{@code LIVEKIT_API_SECRET}, encoder settings from the worker's
 * own defaults), records the publisher {@code args[1]} at 720p30 into discarded 2 s segments for {@code args[2]}
 * seconds of real time, prints {@code RSS <bytes>} every {@link #SAMPLE_SECONDS} s and one {@code STATS} line at
 * the end. Exits 1 if the encoder failed or did not stop cleanly.
 */
public final class RealTime720pSoakProbe {
    static final int SAMPLE_SECONDS = 5;
    static final int FPS = 30;

    public static void main(String[] args) throws Exception {
        String room = args[0];
        String publisher = args[1];
        int seconds = Integer.parseInt(args[2]);
        RoomConfig config = RoomConfig.from(System.getenv());
        EncodeSettings settings = new EncodeSettings(720, FPS, 2, 0, MediaConfig.from(System.getenv()));
        boolean ok;
        try (WebRtcRuntime runtime = WebRtcRuntime.start();
             RoomClient client = new RoomClient(config, runtime, new SimpleMeterRegistry())) {
            FrameQueues queues = FrameQueues.create(room, config.videoQueue(), config.audioQueue());
            RoomSession session = client.open(new RoomRequest(room, publisher, new LayerCap(720, FPS), "Mint" + room,
                    UUID.randomUUID().toString()), queues, RoomListener.NONE);
            BoundedFrameQueue<RawVideoFrame> videoQueue = queues.video();
            // When the first frame reached the encoder: the expected frame count runs from there.
            AtomicLong firstFrameNanos = new AtomicLong();
            FrameSource<RawVideoFrame> video = timeout -> {
                RawVideoFrame frame = videoQueue.poll(timeout);
                if (frame != null) {
                    firstFrameNanos.compareAndSet(0, System.nanoTime());
                }
                return frame;
            };
            RoomEncoder encoder = new RoomEncoder("soak-" + room, settings, video, queues.audio()::poll,
                    TestSegments.discard(), MediaListener.NONE);
            encoder.start();
            int samples = seconds / SAMPLE_SECONDS;
            CountDownLatch done = new CountDownLatch(samples);
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(() -> {
                try {
                    System.out.println("RSS " + rss());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                done.countDown();
                if (encoder.state() == RoomEncoder.State.FAILED) {
                    while (done.getCount() > 0) {
                        done.countDown();
                    }
                }
            }, SAMPLE_SECONDS, SAMPLE_SECONDS, TimeUnit.SECONDS);
            done.await(seconds + 60L, TimeUnit.SECONDS);
            sampler.shutdownNow();
            encoder.close();
            long stopped = System.nanoTime();
            EncoderStats stats = encoder.stats();
            long first = firstFrameNanos.get();
            long expected = first == 0 ? 0 : (stopped - first) * FPS / 1_000_000_000L;
            BoundedFrameQueue.Stats vq = videoQueue.stats();
            BoundedFrameQueue.Stats aq = queues.audio().stats();
            System.out.println("STATS encoded=" + stats.framesEncoded() + " expected=" + expected
                    + " delivered=" + session.videoFramesDelivered() + " skipped=" + stats.framesSkipped()
                    + " videoDropped=" + vq.dropped() + " audioDropped=" + aq.dropped()
                    + " videoHighWaterBytes=" + vq.highWaterBytes() + " segments=" + stats.segments()
                    + " gaps=" + stats.gaps() + " state=" + encoder.state());
            ok = encoder.state() == RoomEncoder.State.STOPPED;
            session.close();
            session.completion().orTimeout(10, TimeUnit.SECONDS).join();
            queues.close();
        }
        System.out.flush();
        // Exit explicitly: a lingering native or pool thread must not keep the child alive past its report.
        System.exit(ok ? 0 : 1);
    }

    private static long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS");
    }
}
