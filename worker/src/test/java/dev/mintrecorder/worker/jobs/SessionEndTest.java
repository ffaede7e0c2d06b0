package dev.mintrecorder.worker.jobs;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SessionEndTest {
    @Test
    void finishedDescribesItsReasonForTheStoppedEvent() {
        assertEquals("max_duration", SessionEnd.Finished.of(SessionEnd.Reason.MAX_DURATION).describe());
        assertEquals("stopped: operator asked",
                new SessionEnd.Finished(SessionEnd.Reason.STOPPED, "operator asked").describe());
    }
}
