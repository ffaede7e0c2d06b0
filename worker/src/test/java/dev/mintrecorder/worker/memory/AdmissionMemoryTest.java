package dev.mintrecorder.worker.memory;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Admission: the current RSS, read at each decision. */
class AdmissionMemoryTest {
    private static final long MB = 1024 * 1024;

    @Test
    void followsTheCurrentRss() {
        AtomicLong rss = new AtomicLong(700 * MB);
        Admission admission = new Admission(1000 * MB, 100 * MB, 100 * MB, rss::get);
        assertTrue(admission.tryReserve().isPresent(), "700 + 100 + 100 fits 1000");
        rss.set(701 * MB);
        assertTrue(admission.tryReserve().isEmpty(), "701 + 100 reserved + 100 + 100 does not");
        assertTrue(admission.refusal().isPresent());
    }

    @Test
    void theHeadroomIsKeptFree() {
        Admission admission = new Admission(1000 * MB, 100 * MB, 250 * MB, () -> 651 * MB);
        assertTrue(admission.tryReserve().isEmpty(), "651 + 100 + 250 exceeds 1000");
        Admission noHeadroom = new Admission(1000 * MB, 100 * MB, 0, () -> 651 * MB);
        assertTrue(noHeadroom.tryReserve().isPresent());
    }
}
