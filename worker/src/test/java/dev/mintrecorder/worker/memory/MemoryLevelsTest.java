package dev.mintrecorder.worker.memory;

import dev.mintrecorder.contracts.MemoryAlarm.Level;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Level logic and its hysteresis (thresholds 0.70 / 0.85 / 0.95, band 0.05). */
class MemoryLevelsTest {
    private final MemoryLevels levels = new MemoryLevels(MemoryLevels.Thresholds.defaults());

    @Test
    void risingEntersTheHighestLevelReachedAtOnce() {
        assertEquals(Level.OK, levels.next(Level.OK, 0.69));
        assertEquals(Level.WARN, levels.next(Level.OK, 0.70));
        assertEquals(Level.CRITICAL, levels.next(Level.OK, 0.85));
        assertEquals(Level.EMERGENCY, levels.next(Level.OK, 0.99));
        assertEquals(Level.EMERGENCY, levels.next(Level.WARN, 0.95));
    }

    @Test
    void aLevelIsLeftOnlyBelowItsThresholdMinusTheBand() {
        assertEquals(Level.CRITICAL, levels.next(Level.CRITICAL, 0.84));
        assertEquals(Level.CRITICAL, levels.next(Level.CRITICAL, 0.80));
        assertEquals(Level.WARN, levels.next(Level.CRITICAL, 0.79));
        assertEquals(Level.WARN, levels.next(Level.WARN, 0.66));
        assertEquals(Level.OK, levels.next(Level.WARN, 0.64));
    }

    @Test
    void fallingLandsInTheBandOfALowerLevelItStillReaches() {
        // Left EMERGENCY (0.82 < 0.90) but still within CRITICAL's band (0.82 >= 0.80).
        assertEquals(Level.CRITICAL, levels.next(Level.EMERGENCY, 0.82));
        assertEquals(Level.WARN, levels.next(Level.EMERGENCY, 0.70));
        assertEquals(Level.OK, levels.next(Level.EMERGENCY, 0.10));
    }

    @Test
    void aShareHoveringAtAThresholdDoesNotFlap() {
        Level level = Level.OK;
        List<Level> seen = new ArrayList<>();
        for (double share : new double[] {0.84, 0.86, 0.84, 0.86, 0.83, 0.81, 0.86, 0.79, 0.86}) {
            level = levels.next(level, share);
            seen.add(level);
        }
        assertEquals(List.of(Level.WARN, Level.CRITICAL, Level.CRITICAL, Level.CRITICAL, Level.CRITICAL,
                Level.CRITICAL, Level.CRITICAL, Level.WARN, Level.CRITICAL), seen);
    }

    @Test
    void thresholdsMustRise() {
        assertThrows(IllegalArgumentException.class, () -> new MemoryLevels.Thresholds(0.8, 0.7, 0.9, 0.05));
        assertThrows(IllegalArgumentException.class, () -> new MemoryLevels.Thresholds(0.5, 0.7, 0.9, 0.5));
    }
}
