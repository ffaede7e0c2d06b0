package dev.mintrecorder.worker.storage;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.S3Keys;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.devstack.Devstack;
import dev.mintrecorder.devstack.junit.WithDevstack;
import dev.mintrecorder.worker.media.FrameLoss;
import dev.mintrecorder.worker.media.SegmentDone;
import dev.mintrecorder.worker.media.SegmentOutput;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A worker killed after a segment's upload completed and before the index was rewritten: the resuming worker
 * rebuilds the index from what S3 holds, so that segment is played, and the dead attempt's dropped frames stay
 * counted. Against a real S3 API server (S3Proxy in the devstack); the kill is placed in that window through the S3
 * client the dying worker writes with, which holds the index write of that segment and then refuses every call.
 */
@WithDevstack(Devstack.Component.S3)
class IndexRebuildIT {
    private static final MintId MINT = MintId.of("7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr");
    private static final int SEGMENT_S = 4;
    private static final UploadConfig CONFIG = new UploadConfig(UploadConfig.MIN_PART_SIZE, 2, 8,
            Duration.ofMillis(100), Duration.ofSeconds(1));
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static S3Client s3;
    private static String bucket;
    private static UploadJanitor janitor;
    /** The spool is off here: a resume is about what S3 holds. */
    private static final SegmentSpool NO_SPOOL = new SegmentSpool(new SpoolConfig(java.util.Optional.empty(), 0, 0,
            Duration.ofSeconds(1)), new SimpleMeterRegistry());

    private final UUID job = UUID.randomUUID();

    @BeforeAll
    static void connect(Devstack stack) {
        StorageConfig config = StorageConfig.from(stack.env());
        s3 = S3Clients.create(config);
        bucket = config.bucket();
        janitor = new UploadJanitor(s3, new SimpleMeterRegistry());
    }

    @AfterAll
    static void close() {
        if (janitor != null) {
            janitor.close();
        }
        NO_SPOOL.close();
        if (s3 != null) {
            s3.close();
        }
    }

    /**
     * The real S3 client, with a kill switch at one point: the PUT of the manifest that would first list
     * {@code segment} is held (as a slow S3 would hold it) until {@link #kill}, then fails, and so does every call
     * after it: the worker is dead.
     */
    static final class DyingS3 implements S3Client {
        private final S3Client real;
        private final String manifestKey;
        private final String segment;
        final CountDownLatch indexWriteReached = new CountDownLatch(1);
        private final CountDownLatch killed = new CountDownLatch(1);

        DyingS3(S3Client real, String manifestKey, String segment) {
            this.real = real;
            this.manifestKey = manifestKey;
            this.segment = segment;
        }

        void kill() {
            killed.countDown();
        }

        private void aliveOrThrow() {
            if (killed.getCount() == 0) {
                throw new IllegalStateException("the worker is dead");
            }
        }

        @Override
        public PutObjectResponse putObject(PutObjectRequest request, RequestBody body) {
            aliveOrThrow();
            if (request.key().equals(manifestKey) && text(body).contains(segment)) {
                indexWriteReached.countDown();
                try {
                    killed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                aliveOrThrow();
            }
            return real.putObject(request, body);
        }

        @Override
        public CreateMultipartUploadResponse createMultipartUpload(CreateMultipartUploadRequest request) {
            aliveOrThrow();
            return real.createMultipartUpload(request);
        }

        @Override
        public UploadPartResponse uploadPart(UploadPartRequest request, RequestBody body) {
            aliveOrThrow();
            return real.uploadPart(request, body);
        }

        @Override
        public CompleteMultipartUploadResponse completeMultipartUpload(CompleteMultipartUploadRequest request) {
            aliveOrThrow();
            return real.completeMultipartUpload(request);
        }

        @Override
        public AbortMultipartUploadResponse abortMultipartUpload(AbortMultipartUploadRequest request) {
            aliveOrThrow();
            return real.abortMultipartUpload(request);
        }

        private static String text(RequestBody body) {
            try (InputStream in = body.contentStreamProvider().newStream()) {
                return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public String serviceName() {
            return SERVICE_NAME;
        }

        @Override
        public void close() {
        }
    }

    /** The pipeline's wiring: a stored segment joins the index with the attempt's drops so far. */
    static final class Indexer implements SegmentUploadListener {
        private final RecordingIndex index;
        final AtomicLong drops = new AtomicLong();
        final Set<Long> told = ConcurrentHashMap.newKeySet();

        Indexer(RecordingIndex index) {
            this.index = index;
        }

        @Override
        public void uploaded(String key, SegmentDone segment, String crc32c) {
            try {
                index.add(key, new SegmentDone(segment.sequence(), segment.durationSeconds(), segment.discontinuity(),
                        segment.bytes(), segment.programDateTime(), new FrameLoss(drops.get(), 0)), crc32c);
            } finally {
                told.add(segment.sequence());
            }
        }

        @Override
        public void lost(SegmentDone segment, String key, String why) {
            throw new AssertionError("no spool here: nothing is lost to it");
        }

        @Override
        public void failed(long sequence, String key, Exception error) {
        }
    }

    /**
     * An MPEG-TS stream of {@code frames} video PES packets at 30 fps from {@code firstPts} (what {@link TsDuration}
     * reads), padded with null packets to at least {@code minBytes}.
     */
    static byte[] ts(long firstPts, int frames, int minBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < frames; i++) {
            long pts = firstPts + i * 3000L;
            byte[] p = new byte[188];
            p[0] = 0x47;
            p[1] = 0x40 | 0x01; // payload unit start, PID 0x100
            p[2] = 0x00;
            p[3] = 0x10; // payload only
            p[4] = 0;
            p[5] = 0;
            p[6] = 1;
            p[7] = (byte) 0xE0; // video
            p[10] = (byte) 0x80;
            p[11] = (byte) 0x80; // PTS only
            p[12] = 5;
            p[13] = (byte) (0x21 | ((pts >> 29) & 0x0E));
            p[14] = (byte) (pts >> 22);
            p[15] = (byte) (((pts >> 14) & 0xFE) | 1);
            p[16] = (byte) (pts >> 7);
            p[17] = (byte) (((pts << 1) & 0xFE) | 1);
            out.writeBytes(p);
        }
        byte[] nul = new byte[188];
        nul[0] = 0x47;
        nul[1] = 0x1F;
        nul[2] = (byte) 0xFF;
        nul[3] = 0x10;
        while (out.size() < minBytes) {
            out.writeBytes(nul);
        }
        return out.toByteArray();
    }

    private static void write(MultipartSegmentSink sink, long seq, byte[] data, double durationS) throws IOException {
        try (SegmentOutput.Segment out = sink.open(seq)) {
            out.write(data);
            out.finish(new SegmentDone(seq, durationS, false, data.length, null, FrameLoss.NONE));
        }
    }

    private List<MultipartUpload> openUploads() {
        return s3.listMultipartUploads(r -> r.bucket(bucket).prefix(S3Keys.jobPrefix(MINT, job))).uploads();
    }

    private Manifest manifestInS3() {
        return Manifest.fromJson(s3.getObjectAsBytes(r -> r.bucket(bucket).key(S3Keys.manifest(MINT, job)))
                .asByteArray());
    }

    @Test
    void aSegmentUploadedButNotIndexedWhenTheWorkerDiedIsPlayedAfterTheResume() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        String prefix = S3Keys.jobPrefix(MINT, job);
        String manifestKey = S3Keys.manifest(MINT, job);

        // Attempt 1: segments 0-2 stored and indexed, with 7 frames dropped by then.
        DyingS3 dying = new DyingS3(s3, manifestKey, "seg_000003.ts");
        S3Retry deadRetry = new S3Retry("dead", CONFIG, meters);
        Indexer first = new Indexer(new RecordingIndex(dying, bucket, MINT, job, SEGMENT_S, deadRetry, meters));
        MultipartSegmentSink dead = new MultipartSegmentSink(dying, bucket, MINT, job, CONFIG, first, meters,
                janitor, NO_SPOOL);
        for (long seq = 0; seq < 3; seq++) {
            first.drops.set(seq == 2 ? 7 : seq);
            write(dead, seq, ts(seq * SEGMENT_S * 90_000L, SEGMENT_S * 30, 0), SEGMENT_S);
            long s = seq;
            await().atMost(WAIT).until(() -> first.told.contains(s));
        }
        // Segment 3 (3.5 s) completes; its index write hangs. Meanwhile segment 4 opens and its first 5 MiB part
        // (2 s of video) goes up. Then the worker is killed: the index never names segment 3.
        byte[] seg3 = ts(12 * 90_000L, 105, 0);
        write(dead, 3, seg3, 3.5);
        assertTrue(dying.indexWriteReached.await(WAIT.toSeconds(), TimeUnit.SECONDS), "segment 3 reached the index");
        byte[] seg4 = ts(1_395_000L, 60, (int) UploadConfig.MIN_PART_SIZE + 1000);
        SegmentOutput.Segment open = dead.open(4);
        open.write(seg4);
        await().atMost(WAIT).until(() -> openUploads().size() == 1 && s3.listParts(r -> r.bucket(bucket)
                .key(openUploads().getFirst().key()).uploadId(openUploads().getFirst().uploadId())).parts().size() == 1);
        dying.kill();
        await().atMost(WAIT).until(() -> first.told.contains(3L));
        dead.handOver(); // as a crash leaves them: the open upload stays open

        // The window: segment 3 is complete in S3, the manifest and the playlist stop at 2.
        assertEquals(List.of(0L, 1L, 2L), manifestInS3().segments().stream().map(Manifest.Segment::seq).toList());
        assertEquals(7, manifestInS3().droppedFrames());
        assertEquals(seg3.length, s3.headObject(r -> r.bucket(bucket).key(S3Keys.segment(MINT, job, 3)))
                .contentLength());

        // Attempt 2 on another worker: salvage, rebuild the index from S3, record segment 5 with 3 frames dropped.
        S3Retry retry = new S3Retry("resume", CONFIG, meters);
        Salvage.Result found = Salvage.run(s3, bucket, prefix, manifestKey, retry);
        RecordingIndex index = new RecordingIndex(s3, bucket, MINT, job, SEGMENT_S, retry, meters);
        long next = index.resume(found, "worker-b");
        assertEquals(5, next);
        Indexer second = new Indexer(index);
        second.drops.set(3);
        try (MultipartSegmentSink sink = new MultipartSegmentSink(s3, bucket, MINT, job, CONFIG, second, meters,
                janitor, NO_SPOOL)) {
            write(sink, 5, ts(20 * 90_000L, SEGMENT_S * 30, 0), SEGMENT_S);
            await().atMost(WAIT).until(() -> second.told.contains(5L));
            assertTrue(sink.awaitUploads(WAIT));
        }
        index.end("stopped: done");

        assertTrue(openUploads().isEmpty(), "no upload left open");
        String playlist = s3.getObjectAsBytes(r -> r.bucket(bucket).key(S3Keys.playlist(MINT, job))).asUtf8String();
        assertEquals("""
                #EXTM3U
                #EXT-X-VERSION:3
                #EXT-X-INDEPENDENT-SEGMENTS
                #EXT-X-PLAYLIST-TYPE:EVENT
                #EXT-X-TARGETDURATION:4
                #EXT-X-MEDIA-SEQUENCE:0
                #EXTINF:4.000,
                seg_000000.ts
                #EXTINF:4.000,
                seg_000001.ts
                #EXTINF:4.000,
                seg_000002.ts
                #EXTINF:3.500,
                seg_000003.ts
                #EXTINF:2.000,
                seg_000004.ts
                #EXT-X-DISCONTINUITY
                #EXTINF:4.000,
                seg_000005.ts
                #EXT-X-ENDLIST
                """, playlist);
        assertEquals(List.of(), HlsSpec.violations(playlist, true));
        Manifest manifest = manifestInS3();
        Manifest.Segment recovered = manifest.segments().get(3);
        assertTrue(recovered.recovered() && !recovered.salvaged(), recovered.toString());
        assertEquals(seg3.length, recovered.bytes());
        Manifest.Segment salvaged = manifest.segments().get(4);
        assertTrue(salvaged.salvaged() && !salvaged.recovered(), salvaged.toString());
        assertEquals(UploadConfig.MIN_PART_SIZE, salvaged.bytes());
        Manifest.Resume resume = manifest.resumes().getFirst();
        assertEquals(5, resume.fromSeq());
        assertEquals(List.of(4L), resume.salvagedSeqs());
        assertEquals(List.of(3L), resume.recoveredSeqs());
        assertEquals(List.of(7L, 3L), manifest.attempts().stream().map(Manifest.Attempt::droppedFrames).toList());
        assertEquals(List.of(0L, 5L), manifest.attempts().stream().map(Manifest.Attempt::fromSeq).toList());
        assertEquals(10, manifest.droppedFrames());
        assertFalse(manifest.segments().get(5).recovered());

        // The terminal event's recording says what the final manifest says.
        StatusEvent.Recording summary = index.summary();
        assertEquals(manifest.segments().size(), summary.segments());
        assertEquals(manifest.totalBytes(), summary.bytes());
        assertEquals(manifest.totalSeconds(), summary.durationS(), 1e-9);
        assertEquals(10, summary.droppedFrames());
        assertEquals(1, summary.resumes());
        assertEquals(2, summary.attempts());
        assertEquals(manifest.startedAt(), summary.startedAt());
        assertEquals(manifest.endedAt(), summary.endedAt());
    }
}
