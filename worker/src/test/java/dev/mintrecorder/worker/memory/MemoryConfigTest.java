package dev.mintrecorder.worker.memory;

import dev.mintrecorder.worker.ops.ConfigException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryConfigTest {
    @Test
    void defaults() {
        MemoryConfig c = MemoryConfig.from(Map.of());
        assertEquals(0, c.budgetBytes());
        assertEquals(MemoryLevels.Thresholds.defaults(), c.thresholds());
        assertEquals(Duration.ofSeconds(1), c.sampleInterval());
        assertEquals(80L * 1024 * 1024, c.roomCostBytes());
        assertEquals(0.5, c.queueShrink());
    }

    @Test
    void thresholdsMustRiseAndTheErrorNamesTheVariable() {
        ConfigException e = assertThrows(ConfigException.class, () -> MemoryConfig.from(Map.of(
                "MEMORY_WARN_FRACTION", "0.9")));
        assertEquals("MEMORY_CRITICAL_FRACTION", e.variable());
        e = assertThrows(ConfigException.class, () -> MemoryConfig.from(Map.of("MEMORY_EMERGENCY_FRACTION", "0.8")));
        assertEquals("MEMORY_EMERGENCY_FRACTION", e.variable());
        e = assertThrows(ConfigException.class, () -> MemoryConfig.from(Map.of("MEMORY_BUDGET_BYTES", "lots")));
        assertTrue(e.getMessage().startsWith("MEMORY_BUDGET_BYTES must be a byte count"), e.getMessage());
    }
}
