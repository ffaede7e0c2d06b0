package dev.mintrecorder.bench;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalDouble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OpsScrapeTest {
    private static final String TEXT = """
            # HELP recorder_spool_bytes Segment bytes in the local spool
            # TYPE recorder_spool_bytes gauge
            recorder_spool_bytes 1234.0
            recorder_spool_bytes_max 99.0
            recorder_queue_dropped_total{room="a",track="video",} 3.0
            recorder_queue_dropped_total{room="a",track="audio",} 1.0
            recorder_queue_dropped_total{room="b",track="video",} 5.0
            """;

    @Test
    void readsOneSampleByItsExactName() {
        assertEquals(OptionalDouble.of(1234), OpsScrape.value(TEXT, "recorder_spool_bytes"));
        assertEquals(OptionalDouble.empty(), OpsScrape.value(TEXT, "recorder_spool"));
    }

    @Test
    void sumsTheSamplesWhoseLabelsMatch() {
        assertEquals(OptionalDouble.of(9), OpsScrape.value(TEXT, "recorder_queue_dropped_total"));
        assertEquals(OptionalDouble.of(8), OpsScrape.value(TEXT, "recorder_queue_dropped_total", "track=\"video\""));
        assertEquals(OptionalDouble.of(3),
                OpsScrape.value(TEXT, "recorder_queue_dropped_total", "room=\"a\"", "track=\"video\""));
    }

    @Test
    void findsThePortTheWorkerLogged() {
        assertThrows(IllegalStateException.class, () -> OpsScrape.of(List.of("starting")));
        OpsScrape.of(List.of("12:00:00 INFO operations endpoint on port 41234: /metrics, /health/live"));
    }
}
