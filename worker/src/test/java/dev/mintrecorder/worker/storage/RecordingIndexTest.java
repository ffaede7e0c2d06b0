package dev.mintrecorder.worker.storage;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.S3Keys;
import dev.mintrecorder.worker.media.FrameLoss;
import dev.mintrecorder.worker.media.SegmentDone;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a failed index write does (the class comment of {@link RecordingIndex}): one failed publish is counted and
 * repaired by the next; {@value RecordingIndex#MAX_FAILED_PUBLISHES_IN_A_ROW} in a row fail the recording; a failed
 * final publish is thrown at once. S3 here is an in-memory stand-in whose PUTs can be made to fail.
 */
class RecordingIndexTest {
    private static final MintId MINT = MintId.of("7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr");
    private static final Instant T0 = Instant.parse("2026-12-06T00:00:00Z");
    /** One attempt per call: the retry policy itself is S3Retry's business, not this test's. */
    private static final UploadConfig NO_RETRY = new UploadConfig(UploadConfig.MIN_PART_SIZE, 1, 1,
            Duration.ofMillis(10), Duration.ofMillis(10));

    private final UUID job = UUID.randomUUID();
    private final FakeS3 s3 = new FakeS3();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RecordingIndex index = new RecordingIndex(s3, "b", MINT, job, 2,
            new S3Retry("index-test", NO_RETRY, registry), registry);

    /** Objects by key; PUTs fail while {@code failing} is above zero (each failure counts it down), or always if -1. */
    static final class FakeS3 implements S3Client {
        final Map<String, String> objects = new ConcurrentHashMap<>();
        final AtomicInteger failing = new AtomicInteger();

        @Override
        public PutObjectResponse putObject(PutObjectRequest request, RequestBody body) {
            int f = failing.get();
            if (f == -1 || f > 0 && failing.compareAndSet(f, f - 1)) {
                throw SdkClientException.create("Connection refused");
            }
            try (var in = body.contentStreamProvider().newStream()) {
                objects.put(request.key(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return PutObjectResponse.builder().build();
        }

        @Override
        public String serviceName() {
            return "s3";
        }

        @Override
        public void close() {
        }
    }

    private SegmentDone segment(long seq) {
        return segment(seq, FrameLoss.NONE);
    }

    private SegmentDone segment(long seq, FrameLoss loss) {
        return new SegmentDone(seq, 2.0, false, 1000 + seq, T0.plusSeconds(2 * seq), loss);
    }

    private String key(long seq) {
        return S3Keys.segment(MINT, job, seq);
    }

    private String playlist() {
        return s3.objects.get(S3Keys.playlist(MINT, job));
    }

    private double failures() {
        return registry.get("recorder.index.publish.failures").counter().count();
    }

    @Test
    void aFailedPublishIsCountedAndTheNextOneRepairsIt() {
        index.add(key(0), segment(0), "AAAAAA==");
        s3.failing.set(1);
        assertDoesNotThrow(() -> index.add(key(1), segment(1), "AAAAAA=="), "one failed publish does not fail the recording");
        assertEquals(1, failures());
        assertFalse(playlist().contains("seg_000001.ts"), "S3 holds the playlist of before");

        index.add(key(2), segment(2), "AAAAAA==");
        assertTrue(playlist().contains("seg_000001.ts") && playlist().contains("seg_000002.ts"), playlist());
        assertEquals(1, failures());
    }

    @Test
    void aPlaylistThatCannotBeWrittenSeveralTimesInARowFailsTheRecording() {
        index.add(key(0), segment(0), "AAAAAA==");
        s3.failing.set(-1);
        for (long seq = 1; seq < RecordingIndex.MAX_FAILED_PUBLISHES_IN_A_ROW; seq++) {
            long s = seq;
            assertDoesNotThrow(() -> index.add(key(s), segment(s), "AAAAAA=="));
        }
        long last = RecordingIndex.MAX_FAILED_PUBLISHES_IN_A_ROW;
        RecordingIndex.PublishException e = assertThrows(RecordingIndex.PublishException.class,
                () -> index.add(key(last), segment(last), "AAAAAA=="));
        assertTrue(e.getMessage().contains("could not be written " + last + " times in a row"), e.getMessage());
        assertEquals(last, failures());
        assertEquals(last + 1, index.manifest().segments().size(), "the manifest keeps every segment for the end");
    }

    @Test
    void successesInBetweenResetTheCount() {
        for (long seq = 0; seq < 3 * RecordingIndex.MAX_FAILED_PUBLISHES_IN_A_ROW; seq++) {
            s3.failing.set(seq % 2 == 0 ? 1 : 0);
            long s = seq;
            assertDoesNotThrow(() -> index.add(key(s), segment(s), "AAAAAA=="));
        }
    }

    @Test
    void aFailedFinalPublishIsCountedAndThrown() {
        index.add(key(0), segment(0), "AAAAAA==");
        s3.failing.set(-1);
        assertThrows(SdkClientException.class, () -> index.end("stopped"));
        assertEquals(1, failures());
        assertFalse(playlist().contains("#EXT-X-ENDLIST"));
    }

    /** The terminal event's recording is the final manifest.json in figures. */
    @Test
    void theSummaryAgreesWithTheFinalManifest() {
        index.add(key(0), segment(0), "AAAAAA==");
        index.gap(1, 1500, T0.plusSeconds(2), T0.plusMillis(3500));
        index.add(key(1), segment(1, new FrameLoss(7, 4)), "AAAAAA==");
        index.end("stopped: done");
        Manifest written = Manifest.fromJson(s3.objects.get(S3Keys.manifest(MINT, job))
                .getBytes(StandardCharsets.UTF_8));
        var summary = index.summary();
        assertEquals("b", summary.bucket());
        assertEquals(S3Keys.playlist(MINT, job), summary.playlistKey());
        assertEquals(S3Keys.manifest(MINT, job), summary.manifestKey());
        assertEquals(written.startedAt(), summary.startedAt());
        assertEquals(written.endedAt(), summary.endedAt());
        assertFalse(summary.endedAt().isBefore(summary.startedAt()));
        assertEquals(written.totalSeconds(), summary.durationS());
        assertEquals(2, summary.segments());
        assertEquals(2001, summary.bytes());
        assertEquals(7, summary.droppedFrames());
        assertEquals(4, written.sourceSkippedFrames());
        assertEquals(1, summary.gaps());
        assertEquals(1500, summary.gapMs());
        assertEquals(List.of(new Manifest.Gap(1, 1500, T0.plusSeconds(2), T0.plusMillis(3500))), written.gaps());
        assertEquals(T0.plusSeconds(2), written.segments().get(1).programDateTime());
        assertEquals(List.of(), HlsSpec.violations(playlist(), true));
        assertEquals(0, summary.resumes());
        assertEquals(1, summary.attempts());
    }

    /**
     * A resumed attempt counts its own drops from 0: the dead attempt's stay in the manifest and the summary's total
     * is their sum. The complete segment the dead attempt never indexed is in the playlist.
     */
    @Test
    void aResumeKeepsTheDeadAttemptsDropsAndAddsItsOwn() {
        index.add(key(0), segment(0, new FrameLoss(7, 0)), "AAAAAA==");
        Manifest dead = index.manifest();
        var stored = new java.util.TreeMap<Long, Salvage.Completed>(Map.of(0L, new Salvage.Completed(key(0), 1000,
                Double.NaN), 1L, new Salvage.Completed(key(1), 1500, 1.5)));
        RecordingIndex resumed = new RecordingIndex(s3, "b", MINT, job, 2,
                new S3Retry("index-test", NO_RETRY, registry), registry);

        long next = resumed.resume(new Salvage.Result(Map.of(), java.util.List.of(), 2,
                java.util.Optional.of(dead), stored), "worker-b");
        resumed.add(key(2), segment(2, new FrameLoss(3, 5)), "AAAAAA==");
        resumed.end("stopped");

        assertEquals(2, next);
        Manifest written = Manifest.fromJson(s3.objects.get(S3Keys.manifest(MINT, job))
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(java.util.List.of(7L, 3L), written.attempts().stream().map(Manifest.Attempt::droppedFrames)
                .toList());
        assertEquals(10, written.droppedFrames());
        assertEquals(java.util.List.of(0L, 5L), written.attempts().stream().map(Manifest.Attempt::sourceSkippedFrames)
                .toList());
        assertEquals(5, written.sourceSkippedFrames());
        var summary = resumed.summary();
        assertEquals(10, summary.droppedFrames());
        assertEquals(3, summary.segments());
        assertEquals(2, summary.attempts());
        assertEquals(1, summary.resumes());
        assertTrue(playlist().contains("#EXTINF:1.500,\nseg_000001.ts\n#EXT-X-DISCONTINUITY\n"
                + "#EXT-X-PROGRAM-DATE-TIME:2026-12-06T00:00:04.000Z\n#EXTINF:2.000,\nseg_000002.ts\n"), playlist());
        assertEquals(List.of(), HlsSpec.violations(playlist(), true));
    }
}
