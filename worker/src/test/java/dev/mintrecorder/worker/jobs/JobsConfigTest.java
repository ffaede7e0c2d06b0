package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.worker.ops.ConfigException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class JobsConfigTest {
    @Test
    void defaultsSuitAKafkaWithDefaultTimings() {
        JobsConfig c = JobsConfig.from(Map.of());
        assertEquals(4, c.maxRooms());
        assertEquals(Duration.ofSeconds(5), c.heartbeatInterval());
        assertEquals(Duration.ofSeconds(15), c.livenessWindow()); // three heartbeats: what a crash costs a recording
        assertEquals(10, c.maxAttempts());
        assertEquals(Duration.ofSeconds(25), c.drainGrace());
    }

    @Test
    void durationsAreReadWithUnits() {
        JobsConfig c = JobsConfig.from(Map.of("JOBS_HEARTBEAT_INTERVAL", "500ms", "JOBS_DRAIN_GRACE_PERIOD", "2m"));
        assertEquals(Duration.ofMillis(500), c.heartbeatInterval());
        assertEquals(Duration.ofMinutes(2), c.drainGrace());
    }

    @Test
    void aBadValueNamesItsVariable() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> JobsConfig.from(Map.of("JOBS_LIVENESS_WINDOW", "soon")));
        assertEquals("JOBS_LIVENESS_WINDOW", e.variable());
    }

    @Test
    void aLivenessWindowBelowTheFloorIsRefused() {
        assertThrows(ConfigException.class, () -> JobsConfig.from(Map.of("JOBS_LIVENESS_WINDOW", "10ms")));
    }
}
