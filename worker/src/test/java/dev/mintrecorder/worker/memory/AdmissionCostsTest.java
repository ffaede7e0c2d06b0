package dev.mintrecorder.worker.memory;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Admission: the reserved cost of rooms still starting counts against the budget until they run or end. */
class AdmissionCostsTest {
    private static final long MB = 1024 * 1024;

    // Budget 900 MB, RSS 500 MB, room 100 MB, headroom 100 MB: three rooms fit (500 + 200 reserved + 100 + 100 = 900).
    private final Admission admission = new Admission(900 * MB, 100 * MB, 100 * MB, () -> 500 * MB);

    @Test
    void roomsStartingAreCountedUntilTheyRun() {
        Admission.Reservation a = admission.tryReserve().orElseThrow();
        Admission.Reservation b = admission.tryReserve().orElseThrow();
        Admission.Reservation c = admission.tryReserve().orElseThrow();
        assertEquals(300 * MB, admission.reservedBytes());
        assertTrue(admission.tryReserve().isEmpty(), "a fourth room would exceed the budget");
        assertTrue(admission.refusal().orElseThrow().contains("reserved " + 300 * MB));

        a.running();
        assertEquals(200 * MB, admission.reservedBytes());
        assertTrue(admission.tryReserve().isPresent());
        b.close();
        c.close();
    }

    @Test
    void releasingTwiceReleasesOnce() {
        Admission.Reservation a = admission.tryReserve().orElseThrow();
        Admission.Reservation b = admission.tryReserve().orElseThrow();
        a.running();
        a.close();
        assertEquals(100 * MB, admission.reservedBytes());
        b.close();
        assertEquals(0, admission.reservedBytes());
    }

    @Test
    void aRoomRegisteringAsRunningReleasesItsJobsReservation() {
        java.util.UUID job = java.util.UUID.randomUUID();
        Admission.Reservation r = admission.tryReserve().orElseThrow().forJob(job);
        admission.tryReserve().orElseThrow();
        assertEquals(200 * MB, admission.reservedBytes());
        admission.running(job);
        assertEquals(100 * MB, admission.reservedBytes());
        r.close(); // the attempt's end: already released
        admission.running(job);
        assertEquals(100 * MB, admission.reservedBytes());
    }

    @Test
    void pausedAdmitsNothing() {
        admission.pause();
        assertEquals(Optional.empty(), admission.tryReserve());
        assertEquals("intake paused by the memory governor", admission.refusal().orElseThrow());
        admission.resume();
        assertTrue(admission.tryReserve().isPresent());
    }
}
