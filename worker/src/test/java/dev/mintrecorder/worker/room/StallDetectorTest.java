package dev.mintrecorder.worker.room;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StallDetectorTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<String> edges = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private StallDetector detector() {
        return new StallDetector("video", Duration.ofSeconds(2), now::get, new StallDetector.Listener() {
            @Override
            public void stalled(String track, Duration gap) {
                edges.add("stalled " + track + " " + gap.toMillis());
            }

            @Override
            public void resumed(String track, Duration gap) {
                edges.add("resumed " + track + " " + gap.toMillis());
            }
        }, registry, Tags.of("room", "r1"));
    }

    @Test
    void reportsOneStallAndOneRecoveryPerGap() {
        StallDetector d = detector();
        d.onFrame();
        now.addAndGet(Duration.ofMillis(1900).toNanos());
        d.check();
        assertEquals(List.of(), edges);
        now.addAndGet(Duration.ofMillis(200).toNanos());
        d.check();
        d.check();
        assertEquals(List.of("stalled video 2100"), edges);
        assertTrue(d.isStalled());
        now.addAndGet(Duration.ofMillis(900).toNanos());
        d.onFrame();
        d.check();
        assertEquals(List.of("stalled video 2100", "resumed video 3000"), edges);
        assertEquals(1.0, registry.get("recorder.track.stalls").tags("room", "r1", "track", "video").counter().count());
        d.close();
        assertTrue(registry.find("recorder.track.stalls").counters().isEmpty());
    }

    @Test
    void theGapGaugeShowsTheTimeSinceTheLastFrame() {
        StallDetector d = detector();
        now.addAndGet(Duration.ofMillis(1500).toNanos());
        assertEquals(1.5, registry.get("recorder.track.gap").gauge().value(), 1e-9);
        d.close();
    }
}
