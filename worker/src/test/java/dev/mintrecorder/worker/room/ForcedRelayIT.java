package dev.mintrecorder.worker.room;

import dev.mintrecorder.devstack.room.RoomServer;
import dev.mintrecorder.devstack.room.RoomServerOptions;
import dev.mintrecorder.devstack.room.SyntheticPublisherSpec;
import dev.mintrecorder.worker.media.BoundedFrameQueue;
import dev.mintrecorder.worker.media.FrameQueues;
import dev.mintrecorder.worker.media.RawVideoFrame;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import livekit.LivekitModels;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A recording through a real TURN relay (Debian's coturn) with {@code force_relay}: the room server names the relay
 * in {@code ice_servers} and forces relaying, so the worker's peer connection may use relay candidates only; frames
 * arrive only if the TURN allocation and the relayed path work. Without a reachable relay the same settings fail
 * ({@code RoomSessionIT.forcedRelayWithoutAReachableTurnServerIsAConnectError}).
 */
class ForcedRelayIT {
    @TempDir
    Path dir;

    @Test
    void aForcedRelayRoomIsRecordedThroughTurn() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(TurnRelay.TURNSERVER), "Debian's coturn is not installed: run scripts/setup");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (RoomServer server = RoomServer.start(RoomServerOptions.defaults());
             TurnRelay relay = TurnRelay.start(URI.create(server.url()).getHost(), dir);
             WebRtcRuntime runtime = WebRtcRuntime.start()) {
            RoomConfig config = RoomConfig.from(Map.of()).withServer(server.url(), server.apiKey(), server.apiSecret());
            server.network(List.of(relay.iceServer()), LivekitModels.ClientConfiguration.newBuilder()
                    .setForceRelay(LivekitModels.ClientConfigSetting.ENABLED).build());
            String room = "relay-" + UUID.randomUUID().toString().substring(0, 8);
            server.createRoom(room, SyntheticPublisherSpec.small("streamer"));
            List<RoomEvent> events = new CopyOnWriteArrayList<>();
            AtomicLong frames = new AtomicLong();
            AtomicReference<String> size = new AtomicReference<>();
            try (RoomClient client = new RoomClient(config, runtime, registry);
                 FrameQueues queues = FrameQueues.create(room, config.videoQueue(), config.audioQueue())) {
                Thread consumer = Thread.ofVirtual().start(() -> consume(queues.video(), frames, size));
                RoomSession session = client.open(new RoomRequest(room, "streamer", new LayerCap(720, 30), "Mint" + room,
                        UUID.randomUUID().toString()), queues, events::add);
                try {
                    await().atMost(Duration.ofSeconds(30)).until(() -> frames.get() >= 30 || session.completion().isDone());
                    assertTrue(!session.completion().isDone(), "ended: " + session.completion().getNow(null));
                    assertEquals(new RoomEvent.PeerConfigured(List.of(relay.url()), true),
                            events.stream().filter(RoomEvent.PeerConfigured.class::isInstance).findFirst().orElseThrow());
                    assertEquals("320x240", size.get());
                    String log = relay.log();
                    assertTrue(log.contains("ALLOCATE processed, success"), "no TURN allocation in the relay's log:\n" + log);
                    assertTrue(log.contains("CREATE_PERMISSION processed, success"), "no TURN permission:\n" + log);
                } finally {
                    session.close();
                    consumer.join(5_000);
                }
            }
        }
    }

    private static void consume(BoundedFrameQueue<RawVideoFrame> queue, AtomicLong frames, AtomicReference<String> size) {
        try {
            while (!queue.isDrained()) {
                try (RawVideoFrame frame = queue.poll(Duration.ofMillis(200))) {
                    if (frame != null) {
                        frames.incrementAndGet();
                        size.set(frame.width() + "x" + frame.height());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
