package dev.mintrecorder.worker.storage;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class UploadJanitorTest {
    @Test
    void abortsAreRetriedAfterOneSecondDoublingToOneMinute() {
        assertEquals(Duration.ofSeconds(1), UploadJanitor.delay(1));
        assertEquals(Duration.ofSeconds(2), UploadJanitor.delay(2));
        assertEquals(Duration.ofSeconds(32), UploadJanitor.delay(6));
        assertEquals(Duration.ofMinutes(1), UploadJanitor.delay(7));
        assertEquals(Duration.ofMinutes(1), UploadJanitor.delay(1_000), "no overflow however long S3 stays down");
    }
}
