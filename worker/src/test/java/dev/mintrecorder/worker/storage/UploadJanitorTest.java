package dev.mintrecorder.worker.storage;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadResponse;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UploadJanitorTest {
    @Test
    void abortsAreRetriedAfterOneSecondDoublingToOneMinute() {
        assertEquals(Duration.ofSeconds(1), UploadJanitor.delay(1));
        assertEquals(Duration.ofSeconds(2), UploadJanitor.delay(2));
        assertEquals(Duration.ofSeconds(32), UploadJanitor.delay(6));
        assertEquals(Duration.ofMinutes(1), UploadJanitor.delay(7));
        assertEquals(Duration.ofMinutes(1), UploadJanitor.delay(1_000), "no overflow however long S3 stays down");
    }

    /**
     * After a long outage an abort waits a minute between tries; once S3 answers something else it must not wait out
     * the rest of that minute (a 60 s outage left an upload open after the recording ended, RecordingPipelineIT).
     */
    @Test
    void anAbortWaitingOutItsBackoffIsTriedAsSoonAsS3Answers() {
        DownThenUp s3 = new DownThenUp();
        try (UploadJanitor janitor = new UploadJanitor(s3, new SimpleMeterRegistry())) {
            janitor.abortLater(new UploadJanitor.Orphan("recordings", "seg_000001.ts", "upload-1"));
            // Tried at once, after 1 s and after 2 s more: the next try is 4 s away.
            await().atMost(Duration.ofSeconds(20)).until(() -> s3.aborts.get() == 3);
            s3.up = true;
            long answeredAt = System.nanoTime();
            janitor.s3Answered();
            await().atMost(Duration.ofSeconds(10)).until(() -> janitor.pending() == 0);
            long tookMs = (System.nanoTime() - answeredAt) / 1_000_000;
            assertTrue(tookMs < 2_000, "aborted " + tookMs + " ms after S3 answered, not at its backoff's end");
            assertEquals(4, s3.aborts.get());
        }
    }

    /** S3 as the janitor sees it: refusing connections until {@code up}. */
    private static final class DownThenUp implements S3Client {
        final AtomicInteger aborts = new AtomicInteger();
        volatile boolean up;

        @Override
        public AbortMultipartUploadResponse abortMultipartUpload(AbortMultipartUploadRequest request) {
            aborts.incrementAndGet();
            if (!up) {
                throw SdkClientException.create("Unable to execute HTTP request: Connection refused");
            }
            return AbortMultipartUploadResponse.builder().build();
        }

        @Override
        public String serviceName() {
            return "s3";
        }

        @Override
        public void close() {
        }
    }
}
