package dev.mintrecorder.worker.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A renamed variable: its former name is still read for one release, with one WARN line naming the new one. */
class SettingFormerNameTest {
    private final Logger logger = (Logger) LoggerFactory.getLogger(Setting.class);
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void capture() {
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void release() {
        logger.detachAppender(logs);
    }

    private List<String> warnings() {
        return logs.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    @Test
    void theFormerNameIsStillReadAndWarnedAbout() {
        WorkerConfig config = WorkerConfig.load(Map.of("MAX_ROOMS", "7"));
        assertEquals(7, config.jobs().maxRooms());
        List<String> warnings = warnings();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.getFirst().contains("MAX_ROOMS is deprecated"), warnings.getFirst());
        assertTrue(warnings.getFirst().contains("set JOBS_MAX_ROOMS instead"), warnings.getFirst());
    }

    @Test
    void theNewNameWinsWhenBothAreSet() {
        WorkerConfig config = WorkerConfig.load(Map.of("JOBS_MAX_ROOMS", "3", "MAX_ROOMS", "7"));
        assertEquals(3, config.jobs().maxRooms());
        List<String> warnings = warnings();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.getFirst().contains("MAX_ROOMS is deprecated and ignored because JOBS_MAX_ROOMS is set"),
                warnings.getFirst());
    }

    @Test
    void onlyTheNewNameWarnsNothing() {
        WorkerConfig config = WorkerConfig.load(Map.of("JOBS_MAX_ROOMS", "3", "ROOM_QUEUE_UNBOUNDED", "true"));
        assertEquals(3, config.jobs().maxRooms());
        assertEquals(List.of(), warnings());
    }

    @Test
    void everyFormerNameUsedWarnsOnce() {
        WorkerConfig config = WorkerConfig.load(Map.of("HEARTBEAT_INTERVAL", "2s", "QUEUE_UNBOUNDED", "true",
                "ROOM_MEMORY_COST_BYTES", "2097152"));
        assertEquals(2, config.jobs().heartbeatInterval().toSeconds());
        assertEquals(2097152, config.memory().roomCostBytes());
        List<String> warnings = warnings();
        assertEquals(3, warnings.size(), warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.contains("set JOBS_HEARTBEAT_INTERVAL instead")),
                warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.contains("set ROOM_QUEUE_UNBOUNDED instead")),
                warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.contains("set MEMORY_ROOM_COST_BYTES instead")),
                warnings.toString());
    }

    @Test
    void anInvalidValueIsReportedUnderTheNameItWasSetAs() {
        ConfigException e = assertThrows(ConfigException.class, () -> WorkerConfig.load(Map.of("MAX_ROOMS", "zero")));
        assertEquals("MAX_ROOMS", e.variable());
    }

    @Test
    void theTableNamesTheFormerName() {
        assertTrue(ConfigDoc.markdownTable().contains("| `JOBS_MAX_ROOMS` (was `MAX_ROOMS`) |"));
    }
}
