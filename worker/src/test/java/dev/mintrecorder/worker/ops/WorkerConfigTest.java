package dev.mintrecorder.worker.ops;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkerConfigTest {

    @Test
    void defaultsLoadWithoutAnyVariable() {
        WorkerConfig config = WorkerConfig.load(Map.of());
        assertEquals("localhost:9092", config.kafkaBootstrapServers());
        assertFalse(config.workerId().isBlank());
    }

    @Test
    void invalidValueNamesTheVariable() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> WorkerConfig.load(Map.of("JOBS_MAX_ROOMS", "zero")));
        assertEquals("JOBS_MAX_ROOMS", e.variable());
        assertEquals("JOBS_MAX_ROOMS must be an integer in [1, 256], got 'zero'", e.getMessage());
    }

    @Test
    void outOfRangeValueNamesTheVariable() {
        ConfigException e = assertThrows(ConfigException.class, () -> WorkerConfig.load(Map.of("JOBS_MAX_ROOMS", "0")));
        assertTrue(e.getMessage().startsWith("JOBS_MAX_ROOMS must be"), e.getMessage());
    }

    @Test
    void secretsAreNeverEchoed() {
        Setting<Integer> s = new Setting<>("X_SECRET", null, "a number", "doc", true, Integer::parseInt);
        ConfigException e = assertThrows(ConfigException.class, () -> s.read(Map.of("X_SECRET", "hunter2")));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void requiredSettingWithoutValueFails() {
        Setting<String> s = new Setting<>("NEEDED", null, "a string", "doc", false, v -> v);
        assertEquals("NEEDED is required (a string)", assertThrows(ConfigException.class, () -> s.read(Map.of())).getMessage());
    }

    @Test
    void durationsAcceptUnitsAndIso() {
        assertEquals(Duration.ofMillis(500), Setting.parseDuration("500ms"));
        assertEquals(Duration.ofSeconds(30), Setting.parseDuration("30s"));
        assertEquals(Duration.ofMinutes(5), Setting.parseDuration("5m"));
        assertEquals(Duration.ofSeconds(90), Setting.parseDuration("PT90S"));
    }

    @Test
    void secretsAreRedactedInToString() {
        WorkerConfig config = WorkerConfig.load(Map.of("LIVEKIT_API_SECRET", "s3cr3t-value", "S3_SECRET_ACCESS_KEY", "k3y-value"));
        assertFalse(config.toString().contains("s3cr3t-value"));
        assertFalse(config.toString().contains("k3y-value"));
    }
}
