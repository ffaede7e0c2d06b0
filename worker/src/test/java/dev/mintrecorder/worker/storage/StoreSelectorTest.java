package dev.mintrecorder.worker.storage;

import dev.mintrecorder.worker.storage.StoreSelector.Store;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StoreSelectorTest {
    private static final Instant T0 = Instant.parse("2026-12-06T00:00:00Z");
    private final StoreSelector selector = new StoreSelector(Duration.ofSeconds(10), Duration.ofSeconds(3));

    private static Instant at(double seconds) {
        return T0.plusMillis((long) (seconds * 1000));
    }

    @Test
    void thePrimaryKeepsSegmentsUntilItHasFailedForTheThreshold() {
        assertEquals(Store.PRIMARY, selector.target(at(0)));
        selector.primaryFailed(at(0));
        selector.primaryFailed(at(5));
        assertEquals(Store.PRIMARY, selector.target(at(9.9)), "failing, but not for 10 s yet");
        assertFalse(selector.failedOver(at(9.9)));
        assertTrue(selector.failedOver(at(10)));
    }

    @Test
    void failedOverSegmentsGoToTheFallbackWithAProbeOfThePrimaryEveryInterval() {
        selector.primaryFailed(at(0));
        assertEquals(Store.PRIMARY, selector.target(at(10)), "the first put after the threshold probes the primary");
        selector.primaryFailed(at(10));
        assertEquals(Store.FALLBACK, selector.target(at(10.1)));
        assertEquals(Store.FALLBACK, selector.target(at(12.9)));
        assertEquals(Store.PRIMARY, selector.target(at(13)), "a probe every 3 s");
        selector.primaryFailed(at(13));
        assertEquals(Store.FALLBACK, selector.target(at(13.5)), "the failure goes on: it started at 0");
    }

    @Test
    void thePrimaryTakesSegmentsAgainAsSoonAsItAnswers() {
        selector.primaryFailed(at(0));
        selector.target(at(10));
        assertEquals(Store.FALLBACK, selector.target(at(11)));
        selector.primaryAnswered();
        assertEquals(Store.PRIMARY, selector.target(at(11.5)));
        assertFalse(selector.failedOver(at(30)));
        selector.primaryFailed(at(40));
        assertEquals(Store.PRIMARY, selector.target(at(45)), "a new failure waits the whole threshold again");
    }
}
