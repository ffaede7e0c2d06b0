package dev.mintrecorder.worker.storage;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpoolPolicyTest {
    private final SpoolPolicy policy = new SpoolPolicy(1000, 400);

    @Test
    void aSegmentIsSpooledWhileItFitsTheRoomAndTheWorker() {
        assertEquals(SpoolPolicy.Decision.SPOOL, policy.decide(0, 0, 400));
        assertEquals(SpoolPolicy.Decision.SPOOL, policy.decide(300, 900, 100), "exactly full is still in bounds");
    }

    @Test
    void theNewestSegmentIsDroppedWhenTheRoomOrTheWorkerIsFull() {
        assertEquals(SpoolPolicy.Decision.DROP_ROOM_FULL, policy.decide(350, 350, 51));
        assertEquals(SpoolPolicy.Decision.DROP_WORKER_FULL, policy.decide(0, 950, 51));
        assertEquals(SpoolPolicy.Decision.DROP_WORKER_FULL, policy.decide(350, 950, 100), "the worker bound first");
        assertEquals(SpoolPolicy.Decision.DROP_ROOM_FULL, policy.decide(0, 0, 401), "larger than a room's share");
    }

    @Test
    void zeroBoundsTurnTheSpoolOff() {
        SpoolPolicy off = new SpoolPolicy(0, 0);
        assertFalse(off.enabled());
        assertEquals(SpoolPolicy.Decision.DROP_DISABLED, off.decide(0, 0, 1));
        assertEquals(SpoolPolicy.Level.OK, off.level(0));
        assertThrows(IllegalArgumentException.class, () -> new SpoolPolicy(-1, 10));
    }

    @Test
    void levelsAreSharesOfTheWorkerBound() {
        assertEquals(SpoolPolicy.Level.OK, policy.level(0));
        assertEquals(SpoolPolicy.Level.OK, policy.level(499));
        assertEquals(SpoolPolicy.Level.WARN, policy.level(500));
        assertEquals(SpoolPolicy.Level.WARN, policy.level(799));
        assertEquals(SpoolPolicy.Level.CRITICAL, policy.level(800));
        assertEquals(SpoolPolicy.Level.CRITICAL, policy.level(1000));
    }

    @Test
    void theWorkerTakesNoRoomOnceItsSpoolCannotHoldAnotherRoomsShare() {
        SpoolPolicy p = new SpoolPolicy(1000, 300);
        assertTrue(p.refusal(0).isEmpty());
        assertTrue(p.refusal(700).isEmpty(), "exactly one share free");
        assertTrue(p.refusal(701).orElseThrow().contains("less than one room's share of 300"));
        assertTrue(p.refusal(701).isPresent());
        assertTrue(p.refusal(699).isEmpty(), "taking rooms again once it drains");
    }

    @Test
    void theWorkerTakesNoRoomAtCritical() {
        SpoolPolicy p = new SpoolPolicy(1000, 100);
        assertTrue(p.refusal(799).isEmpty());
        assertTrue(p.refusal(800).orElseThrow().startsWith("spool CRITICAL: 800 of 1000"));
    }

    @Test
    void aRoomShareAboveTheWorkerBoundStillAdmitsAnEmptySpool() {
        SpoolPolicy p = new SpoolPolicy(100, 400);
        assertTrue(p.refusal(0).isEmpty());
        assertTrue(p.refusal(1).isPresent());
        assertTrue(new SpoolPolicy(0, 0).refusal(0).isEmpty(), "no spool, no refusal");
    }
}
