package dev.mintrecorder.worker.storage;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.S3Keys;
import dev.mintrecorder.devstack.Devstack;
import dev.mintrecorder.devstack.junit.WithDevstack;
import dev.mintrecorder.worker.media.SegmentDone;
import dev.mintrecorder.worker.media.SegmentOutput;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The multipart sink and salvage against a real S3 API server (S3Proxy in the devstack). */
@WithDevstack(Devstack.Component.S3)
class MultipartSegmentSinkIT {
    private static final MintId MINT = MintId.of("7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr");
    private static final Instant T0 = Instant.parse("2026-12-06T00:00:00Z");
    private static final int MIB = 1024 * 1024;
    private static final UploadConfig CONFIG = new UploadConfig(UploadConfig.MIN_PART_SIZE, 2, 8,
            Duration.ofMillis(100), Duration.ofSeconds(1));

    private static Devstack stack;
    private static S3Client s3;
    private static String bucket;

    private final UUID job = UUID.randomUUID();
    private final Recorded recorded = new Recorded();
    private MultipartSegmentSink sink;

    static final class Recorded implements SegmentUploadListener {
        final Map<Long, Long> uploaded = new ConcurrentHashMap<>();
        final Map<Long, Exception> failed = new ConcurrentHashMap<>();

        @Override
        public void uploaded(String key, SegmentDone segment) {
            uploaded.put(segment.sequence(), segment.bytes());
        }

        @Override
        public void failed(long sequence, String key, Exception error) {
            failed.put(sequence, error);
        }
    }

    /** The registry the sinks get, as the worker's pipeline passes its own. */
    private static final SimpleMeterRegistry METERS = new SimpleMeterRegistry();

    @BeforeAll
    static void connect(Devstack devstack) {
        stack = devstack;
        StorageConfig config = StorageConfig.from(stack.env());
        s3 = S3Clients.create(config);
        bucket = config.bucket();
    }

    @AfterAll
    static void close() {
        if (s3 != null) {
            s3.close();
        }
    }

    @AfterEach
    void closeSink() throws InterruptedException {
        if (sink != null) {
            sink.awaitUploads(Duration.ofSeconds(30));
            sink.close();
        }
        if (!stack.s3().isRunning()) {
            stack.s3().start();
        }
    }

    private MultipartSegmentSink sink(UploadConfig config) {
        sink = new MultipartSegmentSink(s3, bucket, MINT, job, config, recorded, METERS);
        return sink;
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Ends a segment of {@code bytes} as the muxer does: finished, with its figures (2 s here). */
    private static void finish(SegmentOutput.Segment out, long seq, long bytes) throws IOException {
        out.finish(new SegmentDone(seq, 2.0, false, bytes, null));
    }

    /** Writes like the muxer does: in 64 KiB pieces. */
    private static void writeInPieces(OutputStream out, byte[] data) throws IOException {
        for (int off = 0; off < data.length; off += 65536) {
            out.write(data, off, Math.min(65536, data.length - off));
        }
    }

    private List<MultipartUpload> openUploads() {
        return s3.listMultipartUploads(r -> r.bucket(bucket).prefix(S3Keys.jobPrefix(MINT, job))).uploads();
    }

    private byte[] object(long seq) {
        return s3.getObjectAsBytes(r -> r.bucket(bucket).key(S3Keys.segment(MINT, job, seq))).asByteArray();
    }

    @Test
    void aSmallSegmentGoesUpAsOnePartWhenItCloses() throws Exception {
        MultipartSegmentSink sink = sink(CONFIG);
        byte[] data = random(1_500_000, 1);
        try (SegmentOutput.Segment out = sink.open(0)) {
            writeInPieces(out, data);
            assertEquals(data.length, sink.bytesHeld(), "held until close: smaller than a part");
            finish(out, 0, data.length);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> recorded.uploaded.containsKey(0L));
        assertEquals(data.length, recorded.uploaded.get(0L));
        assertArrayEquals(data, object(0));
        assertEquals(0, sink.bytesHeld());
        assertTrue(openUploads().isEmpty());
    }

    @Test
    void aLongSegmentStreamsFiveMebibytePartsBeforeItCloses() throws Exception {
        MultipartSegmentSink sink = sink(CONFIG);
        byte[] data = random(12 * MIB + 12345, 2);
        SegmentOutput.Segment out = sink.open(3);
        writeInPieces(out, java.util.Arrays.copyOf(data, 11 * MIB));
        // Two full 5 MiB parts are in S3 while the segment is still open.
        await().atMost(Duration.ofSeconds(20)).until(() -> openUploads().size() == 1 && s3.listParts(r -> r.bucket(bucket)
                .key(openUploads().getFirst().key()).uploadId(openUploads().getFirst().uploadId())).parts().size() == 2);
        assertTrue(sink.bytesHeld() <= CONFIG.partSizeBytes() * (CONFIG.maxPartsInFlight() + 1));
        out.write(data, 11 * MIB, data.length - 11 * MIB);
        finish(out, 3, data.length);
        await().atMost(Duration.ofSeconds(30)).until(() -> recorded.uploaded.containsKey(3L));
        assertArrayEquals(data, object(3));
        assertEquals(0, sink.bytesHeld());
        assertTrue(openUploads().isEmpty());
    }

    @Test
    void aShortS3OutageIsRiddenOutByRetries() throws Exception {
        double retriesBefore = globalCount("recorder.upload.retries");
        long uploadsBefore = METERS.timer("recorder.upload.latency").count();
        MultipartSegmentSink sink = sink(CONFIG);
        byte[] data = random(2 * MIB, 3);
        SegmentOutput.Segment out = sink.open(1);
        writeInPieces(out, data);
        await().atMost(Duration.ofSeconds(10)).until(() -> openUploads().size() == 1);
        stack.s3().stop();
        finish(out, 1, data.length); // the last part and the completion now fail and retry
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.retries() >= 2);
        stack.s3().start();
        await().atMost(Duration.ofSeconds(30)).until(() -> recorded.uploaded.containsKey(1L));
        assertTrue(recorded.failed.isEmpty());
        assertArrayEquals(data, object(1));
        // What the dashboard shows: the retries, and an upload that took as long as the outage.
        assertTrue(globalCount("recorder.upload.retries") - retriesBefore >= 2);
        assertEquals(uploadsBefore + 1, METERS.timer("recorder.upload.latency").count());
    }

    private static double globalCount(String counter) {
        return METERS.counter(counter).count();
    }

    @Test
    void anUnrecoverableFailureAbortsTheUpload() throws Exception {
        // Parts below S3's 5 MiB minimum (a configuration the env var's rule forbids) make the completion fail
        // with 400 EntityTooSmall: not transient, so no retry, and the upload must be aborted, not left open.
        UploadConfig tooSmallParts = new UploadConfig(MIB, 2, 8, Duration.ofMillis(100), Duration.ofSeconds(1));
        MultipartSegmentSink sink = sink(tooSmallParts);
        try (SegmentOutput.Segment out = sink.open(2)) {
            writeInPieces(out, random(2 * MIB + 100, 4));
            finish(out, 2, 2 * MIB + 100);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> recorded.failed.containsKey(2L));
        assertTrue(recorded.failed.get(2L).getMessage().contains("EntityTooSmall")
                || recorded.failed.get(2L).getMessage().contains("5 MB"), recorded.failed.get(2L).toString());
        assertTrue(recorded.uploaded.isEmpty());
        assertTrue(openUploads().isEmpty(), "aborted, not left open");
        assertEquals(0, sink.bytesHeld());
        assertEquals(0, sink.retries(), "a 400 is not retried");
    }

    @Test
    void salvageCompletesUploadsWithPartsAbortsEmptyOnesAndContinuesTheNumbering() throws Exception {
        String prefix = S3Keys.jobPrefix(MINT, job);
        S3Retry retry = new S3Retry("salvage", CONFIG, METERS);
        // A dead worker's state: segments 0-1 finished (only 0 indexed), 2 open with one 5 MiB part uploaded, 3 open
        // and empty.
        MultipartSegmentSink dead = sink(CONFIG);
        for (long seq = 0; seq < 2; seq++) {
            try (SegmentOutput.Segment out = dead.open(seq)) {
                out.write(random(1000, seq));
                finish(out, seq, 1000);
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> recorded.uploaded.size() == 2);
        RecordingIndex index = new RecordingIndex(s3, bucket, MINT, job, 6, retry, METERS);
        index.add(S3Keys.segment(MINT, job, 0), new SegmentDone(0, 6.0, false, 1000, T0));
        byte[] part = random(5 * MIB, 7);
        OutputStream open = dead.open(2);
        open.write(part);
        dead.open(3).write(new byte[10]);
        await().atMost(Duration.ofSeconds(20)).until(() -> openUploads().size() == 2
                && s3.listParts(r -> r.bucket(bucket).key(S3Keys.segment(MINT, job, 2))
                .uploadId(openUploads().stream().filter(u -> u.key().endsWith("seg_000002.ts")).findFirst()
                        .orElseThrow().uploadId())).parts().size() == 1);
        dead.close(); // the worker dies: nothing more is uploaded or completed
        sink = null;

        Salvage.Result result = Salvage.run(s3, bucket, prefix, S3Keys.manifest(MINT, job), retry);

        assertEquals(List.of(2L), List.copyOf(result.completed().keySet()));
        Salvage.Completed salvaged = result.completed().get(2L);
        assertEquals(S3Keys.segment(MINT, job, 2), salvaged.key());
        assertEquals(5L * MIB, salvaged.bytes());
        assertTrue(Double.isNaN(salvaged.durationS()), "random bytes carry no timestamps: segment_s is used");
        assertEquals(List.of(3L), result.aborted());
        assertEquals(3, result.nextSequence());
        assertTrue(openUploads().isEmpty(), "no upload left open");
        assertArrayEquals(part, object(2));
        assertEquals(1, result.manifest().orElseThrow().segments().size());
        assertEquals(List.of(0L, 1L, 2L), List.copyOf(result.stored().keySet()), "every segment object in S3");

        // The resuming worker continues the manifest and the playlist.
        index.resume(result, "worker-b");
        index.add(S3Keys.segment(MINT, job, 3), new SegmentDone(3, 6.0, false, 2000, T0.plusSeconds(30)));
        index.end("stopped");
        String playlist = s3.getObjectAsBytes(r -> r.bucket(bucket).key(S3Keys.playlist(MINT, job))).asUtf8String();
        assertEquals("""
                #EXTM3U
                #EXT-X-VERSION:3
                #EXT-X-INDEPENDENT-SEGMENTS
                #EXT-X-PLAYLIST-TYPE:EVENT
                #EXT-X-TARGETDURATION:6
                #EXT-X-MEDIA-SEQUENCE:0
                #EXT-X-PROGRAM-DATE-TIME:2026-12-06T00:00:00.000Z
                #EXTINF:6.000,
                seg_000000.ts
                #EXTINF:6.000,
                seg_000001.ts
                #EXTINF:6.000,
                seg_000002.ts
                #EXT-X-DISCONTINUITY
                #EXT-X-PROGRAM-DATE-TIME:2026-12-06T00:00:30.000Z
                #EXTINF:6.000,
                seg_000003.ts
                #EXT-X-ENDLIST
                """, playlist);
        assertEquals(List.of(), HlsSpec.violations(playlist, true));
        Manifest manifest = Manifest.fromJson(s3.getObjectAsBytes(r -> r.bucket(bucket)
                .key(S3Keys.manifest(MINT, job))).asByteArray());
        assertEquals(List.of(2L), manifest.resumes().getFirst().salvagedSeqs());
        // Segment 1 was complete but never indexed (the dead worker indexed only 0): it is found in S3 and played.
        assertEquals(List.of(1L), manifest.resumes().getFirst().recoveredSeqs());
        assertTrue(manifest.segments().get(1).recovered());
        assertTrue(manifest.segments().get(2).salvaged());
        assertTrue(manifest.ended());
    }
}
