package dev.mintrecorder.worker.room;

import dev.mintrecorder.worker.ops.DeclaredMeters;
import dev.mintrecorder.worker.ops.Metric;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The WebRTC receiver stats are declared gauges per room and kind, removed on close (no libwebrtc needed). */
class ReceiverStatsTest {
    @Test
    void registersTheDeclaredWebRtcGaugesAndRemovesThemOnClose() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ReceiverStats stats = new ReceiverStats(registry, Tags.of("room", "r1"));

        assertEquals(List.of(), DeclaredMeters.undeclared(registry));
        assertEquals(EnumSet.of(Metric.WEBRTC_FRAMES_DECODED, Metric.WEBRTC_FRAMES_DROPPED, Metric.WEBRTC_FREEZES,
                Metric.WEBRTC_PACKETS_LOST, Metric.WEBRTC_JITTER_BUFFER_DELAY), DeclaredMeters.present(registry));
        assertEquals(1, registry.find("recorder.webrtc.freezes").gauges().size(), "video only");
        assertEquals(2, registry.find("recorder.webrtc.packets.lost").gauges().size(), "video and audio");
        stats.close();
        assertTrue(registry.getMeters().isEmpty());
    }
}
