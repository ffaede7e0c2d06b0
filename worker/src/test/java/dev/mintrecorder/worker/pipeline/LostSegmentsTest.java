package dev.mintrecorder.worker.pipeline;

import dev.mintrecorder.contracts.StatusEvent;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LostSegmentsTest {
    private final LostSegments lost = new LostSegments();

    @Test
    void nothingLostReportsNothing() {
        assertEquals(Optional.empty(), lost.before(3));
    }

    @Test
    void aRunOfLossesIsReportedOnceOnTheNextSegmentAfterIt() {
        lost.add(4, 2.002, "this recording's share of the spool is full");
        lost.add(5, 1.998, "the worker's spool is full");
        lost.add(9, 2.0, "the spool is off");
        assertEquals(Optional.empty(), lost.before(4), "a segment indexed before the loss (spooled earlier) carries none");
        assertEquals(Optional.of(new StatusEvent.Lost(4, 2, 4.0, "the worker's spool is full")), lost.before(6));
        assertEquals(Optional.empty(), lost.before(7), "reported once");
        assertEquals(Optional.of(new StatusEvent.Lost(9, 1, 2.0, "the spool is off")), lost.before(10));
    }
}
