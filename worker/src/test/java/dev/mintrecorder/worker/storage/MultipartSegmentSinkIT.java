package dev.mintrecorder.worker.storage;

import dev.mintrecorder.contracts.MemoryAlarm;
import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.S3Keys;
import dev.mintrecorder.devstack.Devstack;
import dev.mintrecorder.devstack.junit.WithDevstack;
import dev.mintrecorder.devstack.s3.S3Server;
import dev.mintrecorder.devstack.s3.S3ServerOptions;
import dev.mintrecorder.worker.media.FrameLoss;
import dev.mintrecorder.worker.media.SegmentDone;
import dev.mintrecorder.worker.media.SegmentOutput;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.nio.file.Path;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The multipart sink and salvage against a real S3 API server (S3Proxy in the devstack). */
@WithDevstack(Devstack.Component.S3)
class MultipartSegmentSinkIT {
    private static final Logger log = LoggerFactory.getLogger(MultipartSegmentSinkIT.class);
    private static final MintId MINT = MintId.of("7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr");
    private static final Instant T0 = Instant.parse("2026-12-06T00:00:00Z");
    private static final int MIB = 1024 * 1024;
    private static final UploadConfig CONFIG = new UploadConfig(UploadConfig.MIN_PART_SIZE, 2, 8,
            Duration.ofMillis(100), Duration.ofSeconds(1));

    private static Devstack stack;
    private static S3Client s3;
    private static String bucket;
    private static UploadJanitor janitor;

    private final UUID job = UUID.randomUUID();
    private final Recorded recorded = new Recorded();
    private MultipartSegmentSink sink;

    static final class Recorded implements SegmentUploadListener {
        final Map<Long, Long> uploaded = new ConcurrentHashMap<>();
        final Map<Long, String> checksums = new ConcurrentHashMap<>();
        final List<Long> order = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        final Map<Long, String> lost = new ConcurrentHashMap<>();
        final Map<Long, Exception> failed = new ConcurrentHashMap<>();
        final Set<Long> inFallback = ConcurrentHashMap.newKeySet();
        final List<Long> copiedBack = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        /** What the listener heard, in order, as the recording's index hears it. */
        final List<Heard> heard = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

        record Heard(String what, String key, SegmentDone segment, String crc32c) {
        }

        @Override
        public void uploaded(String key, SegmentDone segment, String crc32c) {
            heard.add(new Heard("uploaded", key, segment, crc32c));
            stored(segment, crc32c);
        }

        private void stored(SegmentDone segment, String crc32c) {
            checksums.put(segment.sequence(), crc32c);
            order.add(segment.sequence());
            uploaded.put(segment.sequence(), segment.bytes());
        }

        @Override
        public void uploadedToFallback(String key, SegmentDone segment, String crc32c) {
            heard.add(new Heard("fallback", key, segment, crc32c));
            inFallback.add(segment.sequence());
            stored(segment, crc32c);
        }

        @Override
        public void copiedToPrimary(String key, SegmentDone segment, String crc32c) {
            heard.add(new Heard("copied", key, segment, crc32c));
            copiedBack.add(segment.sequence());
        }

        /** Feeds what was heard to {@code index} as the recording does; returns each live playlist it rendered. */
        List<String> replay(RecordingIndex index) {
            List<String> playlists = new java.util.ArrayList<>();
            for (Heard h : List.copyOf(heard)) {
                switch (h.what()) {
                    case "copied" -> index.movedToPrimary(h.segment().sequence());
                    default -> index.add(h.key(), h.segment(), h.crc32c(), h.what().equals("fallback"));
                }
                playlists.add(Playlist.render(index.manifest()));
            }
            return playlists;
        }

        @Override
        public void lost(SegmentDone segment, String key, String why) {
            lost.put(segment.sequence(), why);
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
        janitor = new UploadJanitor(s3, METERS);
    }

    @AfterAll
    static void close() {
        if (janitor != null) {
            janitor.close();
        }
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

    @TempDir
    Path spoolDir;

    private MultipartSegmentSink sink(UploadConfig config) {
        return sink(config, new SpoolConfig(spoolDir, 0, 0, Duration.ofSeconds(1)));
    }

    private MultipartSegmentSink sink(UploadConfig config, SpoolConfig spool) {
        return sink(config, new SegmentSpool(spool, METERS));
    }

    private MultipartSegmentSink sink(UploadConfig config, SegmentSpool spool) {
        sink = new MultipartSegmentSink(s3, bucket, MINT, job, config, recorded, METERS, janitor, spool);
        return sink;
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Ends a segment of {@code bytes} as the muxer does: finished, with its figures (2 s here). */
    private static void finish(SegmentOutput.Segment out, long seq, long bytes) throws IOException {
        out.finish(new SegmentDone(seq, 2.0, false, bytes, null, FrameLoss.NONE));
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
        await().atMost(Duration.ofSeconds(5)).until(() -> sink.memoryBytes() >= data.length); // kept for the next
        assertTrue(sink.memoryBytes() <= 2 * CONFIG.partSizeBytes(), "at most two idle buffers");
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
    void eachPartCarriesACrc32cThatS3VerifiesAndTheSegmentsChecksumIsReported() throws Exception {
        MultipartSegmentSink sink = sink(CONFIG);
        byte[] data = random(11 * MIB + 777, 5);
        try (SegmentOutput.Segment out = sink.open(4)) {
            writeInPieces(out, data);
            finish(out, 4, data.length);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> recorded.uploaded.containsKey(4L));
        byte[] stored = object(4);
        assertArrayEquals(data, stored);
        assertEquals(Crc32c.of(data, 0, data.length), recorded.checksums.get(4L), "the whole segment's CRC32C");
        // S3 kept the parts' CRC32Cs: the object's checksum is their composite, over 3 parts.
        HeadObjectResponse head = s3.headObject(r -> r.bucket(bucket).key(S3Keys.segment(MINT, job, 4))
                .checksumMode(ChecksumMode.ENABLED));
        assertTrue(head.checksumCRC32C() != null && head.checksumCRC32C().endsWith("-3"), head.toString());
    }

    @Test
    void s3RefusesAPartWhoseCrc32cDoesNotMatchItsBytes() {
        // What makes the checksums worth sending: the server checks them (400 BadDigest), it does not just store them.
        String key = S3Keys.segment(MINT, job, 9);
        String id = s3.createMultipartUpload(r -> r.bucket(bucket).key(key).checksumAlgorithm(ChecksumAlgorithm.CRC32_C))
                .uploadId();
        try {
            byte[] part = random(1000, 9);
            String wrong = Crc32c.of(random(1000, 10), 0, 1000);
            S3Exception e = assertThrows(S3Exception.class, () -> s3.uploadPart(r -> r.bucket(bucket).key(key)
                    .uploadId(id).partNumber(1).checksumCRC32C(wrong), RequestBody.fromBytes(part)));
            assertEquals(400, e.statusCode(), e.toString());
            assertFalse(S3Retry.isTransient(e), "a corrupted part fails at once");
            s3.uploadPart(r -> r.bucket(bucket).key(key).uploadId(id).partNumber(1)
                    .checksumCRC32C(Crc32c.of(part, 0, part.length)), RequestBody.fromBytes(part));
        } finally {
            s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(id));
        }
    }

    @Test
    void anOutageSendsSegmentsToTheSpoolWithoutBlockingAndTheyDrainInOrderOnceS3Returns() throws Exception {
        // Scaled down: 300 kB segments, retries that give up in about 3 s, a 200 ms slot deadline.
        UploadConfig quick = new UploadConfig(UploadConfig.MIN_PART_SIZE, 2, 6, Duration.ofMillis(100),
                Duration.ofSeconds(1));
        MultipartSegmentSink sink = sink(quick, new SpoolConfig(spoolDir, 64L << 20, 32L << 20,
                Duration.ofMillis(200)));
        int segments = 12;
        int size = 300_000;
        Map<Long, byte[]> data = new java.util.HashMap<>();
        for (long seq = 0; seq < segments; seq++) {
            data.put(seq, random(size, 100 + seq));
        }
        for (long seq = 0; seq < 2; seq++) {
            try (SegmentOutput.Segment out = sink.open(seq)) {
                writeInPieces(out, data.get(seq));
                finish(out, seq, size);
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> recorded.uploaded.size() == 2);

        stack.s3().stop();
        long slowestNanos = 0;
        for (long seq = 2; seq < segments; seq++) {
            long t0 = System.nanoTime();
            try (SegmentOutput.Segment out = sink.open(seq)) {
                writeInPieces(out, data.get(seq));
                finish(out, seq, size);
            }
            slowestNanos = Math.max(slowestNanos, System.nanoTime() - t0);
        }
        // Every segment of the outage is on local disk, the two that first tried S3 directly included.
        await().atMost(Duration.ofSeconds(30)).until(() -> sink.spooledBytes() == (long) (segments - 2) * size);
        long peak = sink.spooledBytes();
        assertTrue(slowestNanos < Duration.ofSeconds(1).toNanos(),
                "the writer never waits on S3 past the deadline: slowest segment took " + slowestNanos / 1_000_000 + " ms");
        assertEquals(2, recorded.uploaded.size(), "nothing reported while S3 is down");
        // Only the segments begun before anything was spooled asked S3 with retries (three: two holding the upload
        // slots, one that found none; a fourth where a slow machine frees a slot before the first failed segment is
        // spooled); each later one followed them into the spool without a call of its own. The drain's puts back off
        // on their own and are not counted here. Each segment used to run a create chain: 50 retries here.
        long retriesInOutage = sink.retries();
        assertTrue(retriesInOutage <= 4L * (quick.retryAttempts() - 1), "retries during the outage: " + retriesInOutage);

        stack.s3().start();
        await().atMost(Duration.ofSeconds(60)).until(() -> recorded.uploaded.size() == segments);
        assertTrue(sink.awaitUploads(Duration.ofSeconds(10)));
        assertEquals(0, sink.spooledBytes(), "the spool is empty");
        // The two before the outage went up in parallel (either may finish first); the backlog follows, in order.
        assertEquals(java.util.Set.of(0L, 1L), java.util.Set.copyOf(recorded.order.subList(0, 2)), recorded.order.toString());
        assertEquals(java.util.stream.LongStream.range(2, segments).boxed().toList(),
                recorded.order.subList(2, segments), "the backlog drains in order");
        for (long seq = 0; seq < segments; seq++) {
            byte[] stored = object(seq);
            assertArrayEquals(data.get(seq), stored, "segment " + seq);
            assertEquals(Crc32c.of(stored, 0, stored.length), recorded.checksums.get(seq));
        }
        assertTrue(recorded.lost.isEmpty() && recorded.failed.isEmpty());
        // The abandoned multipart uploads of the spooled segments are aborted by the janitor.
        await().atMost(Duration.ofSeconds(60)).until(() -> openUploads().isEmpty());
        log.info("spool outage: {} segments spooled, peak {} bytes, slowest segment close {} ms, {} S3 retries during "
                + "the outage, 0 lost", segments - 2, peak, slowestNanos / 1_000_000, retriesInOutage);
    }

    @Test
    void aFullSpoolKeepsWhatItHoldsAndReportsEveryLaterSegmentLost() throws Exception {
        UploadConfig quick = new UploadConfig(UploadConfig.MIN_PART_SIZE, 2, 3, Duration.ofMillis(100),
                Duration.ofMillis(300));
        // Room for two 300 kB segments in this recording's share; the worker's bound is 1 MB.
        SegmentSpool spool = new SegmentSpool(new SpoolConfig(spoolDir, 1_000_000, 700_000, Duration.ofMillis(100)),
                METERS);
        MultipartSegmentSink sink = sink(quick, spool);
        assertTrue(spool.refusal().isEmpty());
        stack.s3().stop();
        for (long seq = 0; seq < 5; seq++) {
            try (SegmentOutput.Segment out = sink.open(seq)) {
                writeInPieces(out, random(300_000, 200 + seq));
                finish(out, seq, 300_000);
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> recorded.lost.size() == 3);
        assertEquals(600_000, sink.spooledBytes());
        assertTrue(recorded.lost.values().stream().allMatch(w -> w.contains("share of the spool is full")),
                recorded.lost.toString());
        // 400 kB free, less than a room's share: the worker takes no more rooms until the spool drains.
        assertEquals("spool: 400000 bytes free, less than one room's share of 700000", spool.refusal().orElseThrow());
        assertEquals(MemoryAlarm.Level.WARN, spool.alarmState().level());
        stack.s3().start();
        await().atMost(Duration.ofSeconds(60)).until(() -> recorded.uploaded.size() == 2);
        assertTrue(sink.awaitUploads(Duration.ofSeconds(10)));
        assertEquals(0, sink.spooledBytes());
        assertTrue(spool.refusal().isEmpty(), "rooms are taken again once it drained");
        // What the spool took it kept (the first two to arrive there); every other segment was reported lost.
        assertEquals(5, recorded.uploaded.size() + recorded.lost.size());
        assertTrue(recorded.uploaded.keySet().stream().noneMatch(recorded.lost::containsKey));
    }

    /**
     * Primary stopped: after S3_FALLBACK_AFTER (2 s here) the spooled segments go to a second S3Proxy, the fallback;
     * primary back: segments go there again, and those in the fallback are copied back, in order, verified, and
     * deleted there. In the end every segment is in the primary, byte for byte with the CRC32C the manifest lists, the
     * playlist lists every one in order (appending only while live), and the fallback holds none.
     */
    @Test
    void whileThePrimaryKeepsFailingSegmentsGoToTheFallbackAndAreCopiedBackOnceItAnswers() throws Exception {
        double copiedBefore = globalCount("recorder.storage.fallback.copied.back");
        try (Fallback fb = fallback()) {
            Map<Long, byte[]> data = segmentData(12);
            // One at a time: two direct uploads in parallel may complete in either order (not this test's subject).
            writeSegments(sink, data, 0, 1);
            await().atMost(Duration.ofSeconds(20)).until(() -> recorded.uploaded.size() == 1);
            writeSegments(sink, data, 1, 2);
            await().atMost(Duration.ofSeconds(20)).until(() -> recorded.uploaded.size() == 2);

            stack.s3().stop();
            writeSegments(sink, data, 2, 8);
            await().atMost(Duration.ofSeconds(30)).until(() -> recorded.uploaded.size() == 8);
            assertEquals(Set.of(2L, 3L, 4L, 5L, 6L, 7L), recorded.inFallback, "the outage's segments are in the fallback");
            assertEquals(1.0, METERS.get("recorder.storage.fallback.active").gauge().value());
            assertEquals(6.0, METERS.get("recorder.storage.fallback.held").gauge().value());
            assertEquals(6, fb.keys().size());

            stack.s3().start();
            writeSegments(sink, data, 8, 12);
            await().atMost(Duration.ofSeconds(30)).until(() -> recorded.uploaded.size() == 12);
            assertTrue(sink.awaitUploads(Duration.ofSeconds(10)));
            assertTrue(sink.awaitCopyBack(Duration.ofSeconds(30)), "copied back once the primary answers");
            assertEquals(6, recorded.inFallback.size(), "the primary takes new segments again once it answers");
            assertEquals(List.of(2L, 3L, 4L, 5L, 6L, 7L), List.copyOf(recorded.copiedBack), "copied back in order");
            assertEquals(0.0, METERS.get("recorder.storage.fallback.active").gauge().value());
            assertEquals(0.0, METERS.get("recorder.storage.fallback.held").gauge().value());
            assertEquals(copiedBefore + 6, globalCount("recorder.storage.fallback.copied.back"));
            // Deleted from the fallback after the primary's copy is verified (awaitCopyBack does not wait for that).
            await().atMost(Duration.ofSeconds(10)).until(() -> fb.keys().isEmpty());

            // The index as the recording keeps it, fed in the order the segments were reported.
            RecordingIndex index = new RecordingIndex(s3, bucket, MINT, job, 2, new S3Retry("it", QUICK, METERS),
                    METERS);
            List<String> live = recorded.replay(index);
            for (int k = 1; k < live.size(); k++) {
                assertTrue(live.get(k).startsWith(live.get(k - 1)), "a live playlist only appends:\n"
                        + live.get(k - 1) + "\n" + live.get(k));
            }
            // Heard before the primary came back: 0-1 uploaded, 2-7 to the fallback. Those are not listed.
            assertEquals(List.of("seg_000000.ts", "seg_000001.ts"), listed(live.get(7)));
            for (String p : live) {
                List<String> names = listed(p);
                assertEquals(java.util.stream.LongStream.range(0, names.size()).mapToObj("seg_%06d.ts"::formatted)
                        .toList(), names, "a segment after one still in the fallback waits, in order");
            }
            assertEquals(StoreSelector.Store.PRIMARY, index.end("test done", Optional.of(fb.store())));
            Manifest manifest = Manifest.fromJson(s3.getObjectAsBytes(r -> r.bucket(bucket)
                    .key(S3Keys.manifest(MINT, job))).asByteArray());
            assertEquals(java.util.stream.LongStream.range(0, 12).boxed().toList(),
                    manifest.segments().stream().map(Manifest.Segment::seq).toList());
            for (Manifest.Segment s : manifest.segments()) {
                assertFalse(s.inFallback(), "segment " + s.seq());
                byte[] stored = object(s.seq());
                assertArrayEquals(data.get(s.seq()), stored, "segment " + s.seq());
                assertEquals(s.bytes(), stored.length);
                assertEquals(s.crc32c(), Crc32c.of(stored, 0, stored.length), "segment " + s.seq());
            }
            String playlist = s3.getObjectAsBytes(r -> r.bucket(bucket).key(S3Keys.playlist(MINT, job))).asUtf8String();
            assertEquals(java.util.stream.LongStream.range(0, 12).mapToObj("seg_%06d.ts"::formatted).toList(),
                    listed(playlist), playlist);
            assertEquals(List.of(), HlsSpec.violations(playlist, true));
        }
    }

    /**
     * The primary is still down when the recording ends: the segments of the outage stay in the fallback, and the
     * final manifest goes there too, under its key, naming every segment with its store.
     */
    @Test
    void whenThePrimaryIsStillDownAtTheEndTheFinalManifestGoesToTheFallbackNamingEverySegmentsStore()
            throws Exception {
        try (Fallback fb = fallback()) {
            Map<Long, byte[]> data = segmentData(6);
            Manifest manifest = endWithThePrimaryDown(fb, data);

            // A later attempt of the job (a resume) given this manifest copies its fallback segments back.
            sink = new MultipartSegmentSink(s3, bucket, MINT, job, QUICK, recorded, METERS, janitor,
                    new SegmentSpool(new SpoolConfig(spoolDir, 64L << 20, 32L << 20, Duration.ofMillis(100)), METERS),
                    Optional.of(fb.store()));
            sink.copyBackLater(manifest.segments());
            assertTrue(sink.awaitCopyBack(Duration.ofSeconds(30)));
            assertEquals(List.copyOf(new java.util.TreeSet<>(recorded.inFallback)), List.copyOf(recorded.copiedBack));
            for (long seq : recorded.inFallback) {
                assertArrayEquals(data.get(seq), object(seq), "segment " + seq + " copied back");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> fb.keys().equals(List.of(S3Keys.manifest(MINT, job))));
        }
    }

    /**
     * The job that ended so is not resumed: the operator's {@link FallbackRecovery} copies its segments back, verified,
     * and publishes the manifest and a finished playlist in the primary; a corrupt copy stays where it is, named.
     */
    @Test
    void theOperatorsRecoveryCopiesAFailedJobBackAndLeavesACorruptSegmentNamedInTheFallback() throws Exception {
        try (Fallback fb = fallback()) {
            Map<Long, byte[]> data = segmentData(6);
            Manifest ended = endWithThePrimaryDown(fb, data);
            List<Long> inFallback = ended.segments().stream().filter(Manifest.Segment::inFallback)
                    .map(Manifest.Segment::seq).toList();
            long corrupt = inFallback.getLast();
            byte[] bad = data.get(corrupt).clone();
            bad[100] ^= 1;
            fb.client().putObject(r -> r.bucket(fb.bucket()).key(S3Keys.segment(MINT, job, corrupt)),
                    software.amazon.awssdk.core.sync.RequestBody.fromBytes(bad));
            FallbackRecovery recovery = new FallbackRecovery(s3, bucket, fb.client(), fb.bucket(),
                    new S3Retry("it", QUICK, METERS));

            FallbackRecovery.Result first = recovery.recover(MINT, job);
            assertEquals(inFallback.subList(0, inFallback.size() - 1), first.copied());
            assertEquals(List.of(corrupt), List.copyOf(first.left().keySet()));
            assertTrue(first.left().get(corrupt).contains("CRC32C"), first.left().toString());
            Manifest inPrimary = Manifest.fromJson(s3.getObjectAsBytes(r -> r.bucket(bucket)
                    .key(S3Keys.manifest(MINT, job))).asByteArray());
            assertEquals(List.of(corrupt), inPrimary.segments().stream().filter(Manifest.Segment::inFallback)
                    .map(Manifest.Segment::seq).toList(), "the primary's manifest names the store of the one left");
            for (long seq : first.copied()) {
                assertArrayEquals(data.get(seq), object(seq), "segment " + seq + " copied back");
            }
            String playlist = s3.getObjectAsBytes(r -> r.bucket(bucket).key(S3Keys.playlist(MINT, job))).asUtf8String();
            assertTrue(playlist.contains("#EXT-X-ENDLIST"), playlist);
            assertEquals(List.of(), HlsSpec.violations(playlist, true));
            assertEquals(6 - 1, listed(playlist).size(), "every segment but the corrupt one");
            assertEquals(List.of(S3Keys.segment(MINT, job, corrupt)), fb.keys(), "only the corrupt one is left");

            // Repaired (here: the good bytes put back), a second run copies it and finds the rest in the primary.
            fb.client().putObject(r -> r.bucket(fb.bucket()).key(S3Keys.segment(MINT, job, corrupt)),
                    software.amazon.awssdk.core.sync.RequestBody.fromBytes(data.get(corrupt)));
            FallbackRecovery.Result second = recovery.recover(MINT, job);
            assertTrue(second.complete(), second.left().toString());
            assertEquals(List.of(corrupt), second.copied());
            assertEquals(List.of(), second.alreadyInPrimary(), "the primary's manifest named only the one left");
            assertArrayEquals(data.get(corrupt), object(corrupt));
            playlist = s3.getObjectAsBytes(r -> r.bucket(bucket).key(S3Keys.playlist(MINT, job))).asUtf8String();
            assertEquals(6, listed(playlist).size(), playlist);
            assertEquals(List.of(), fb.keys(), "the fallback holds nothing of the job");

            // A recording that has not ended copies back through its own worker: refused, nothing touched.
            UUID running = UUID.randomUUID();
            s3.putObject(r -> r.bucket(bucket).key(S3Keys.manifest(MINT, running)),
                    software.amazon.awssdk.core.sync.RequestBody.fromBytes(
                            Manifest.start(MINT.toString(), running.toString(), 2).toJson()));
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> recovery.recover(MINT, running));
            assertTrue(refused.getMessage().contains("not ended"), refused.getMessage());
        }
    }

    /**
     * Records 6 segments, the last 4 with the primary down so they go to the fallback, and ends the recording with the
     * primary still down; then brings the primary back.
     *
     * @return the final manifest, which the fallback holds
     */
    private Manifest endWithThePrimaryDown(Fallback fb, Map<Long, byte[]> data) throws Exception {
        double indexesBefore = globalCount("recorder.index.in.fallback");
        RecordingIndex index = new RecordingIndex(s3, bucket, MINT, job, 2, new S3Retry("it", QUICK, METERS), METERS);
        writeSegments(sink, data, 0, 2);
        await().atMost(Duration.ofSeconds(20)).until(() -> recorded.uploaded.size() == 2);
        stack.s3().stop();
        writeSegments(sink, data, 2, 6);
        await().atMost(Duration.ofSeconds(30)).until(() -> recorded.uploaded.size() == 6);
        assertTrue(sink.awaitUploads(Duration.ofSeconds(5)), "every segment is stored, some in the fallback");
        assertFalse(sink.awaitCopyBack(Duration.ofSeconds(1)), "the primary is down: nothing to copy back to");
        recorded.replay(index);

        assertEquals(StoreSelector.Store.FALLBACK, index.end("stopped", Optional.of(fb.store())));
        sink.close();
        sink = null;
        assertEquals(indexesBefore + 1, globalCount("recorder.index.in.fallback"));
        Manifest manifest = Manifest.fromJson(fb.client().getObjectAsBytes(r -> r.bucket(fb.bucket())
                .key(S3Keys.manifest(MINT, job))).asByteArray());
        assertTrue(manifest.ended());
        assertEquals(java.util.stream.LongStream.range(0, 6).boxed().toList(),
                manifest.segments().stream().map(Manifest.Segment::seq).toList());
        for (Manifest.Segment s : manifest.segments()) {
            assertEquals(recorded.inFallback.contains(s.seq()), s.inFallback(), "segment " + s.seq());
            if (s.inFallback()) {
                byte[] stored = fb.client().getObjectAsBytes(r -> r.bucket(fb.bucket()).key(s.key())).asByteArray();
                assertArrayEquals(data.get(s.seq()), stored, "segment " + s.seq());
                assertEquals(s.crc32c(), Crc32c.of(stored, 0, stored.length), "segment " + s.seq());
            }
        }
        assertFalse(recorded.inFallback.isEmpty());
        stack.s3().start();
        for (Manifest.Segment s : manifest.segments().stream().filter(s -> !s.inFallback()).toList()) {
            assertArrayEquals(data.get(s.seq()), object(s.seq()), "segment " + s.seq() + " in the primary");
        }
        return manifest;
    }

    /** The segment names a playlist lists, in its order. */
    private static List<String> listed(String playlist) {
        return playlist.lines().filter(l -> l.endsWith(".ts")).toList();
    }

    private static final UploadConfig QUICK = new UploadConfig(UploadConfig.MIN_PART_SIZE, 2, 4,
            Duration.ofMillis(100), Duration.ofMillis(500));

    /** A second S3Proxy as the fallback store (S3_FALLBACK_AFTER 2 s), and this test's sink using it. */
    private Fallback fallback() {
        S3Server second = S3Server.start(S3ServerOptions.defaults());
        FallbackStore store = new FallbackStore(second.client(), second.options().bucket(), Duration.ofSeconds(2),
                java.time.Clock.systemUTC(), METERS);
        sink = new MultipartSegmentSink(s3, bucket, MINT, job, QUICK, recorded, METERS, janitor,
                new SegmentSpool(new SpoolConfig(spoolDir, 64L << 20, 32L << 20, Duration.ofMillis(100)), METERS),
                Optional.of(store));
        return new Fallback(second, store, job);
    }

    private record Fallback(S3Server server, FallbackStore store, UUID job) implements AutoCloseable {
        S3Client client() {
            return store.client();
        }

        String bucket() {
            return store.bucket();
        }

        /** This job's objects in the fallback store. */
        List<String> keys() {
            return client().listObjectsV2(r -> r.bucket(bucket()).prefix(S3Keys.jobPrefix(MINT, job)))
                    .contents().stream().map(software.amazon.awssdk.services.s3.model.S3Object::key).toList();
        }

        @Override
        public void close() {
            store.close();
            server.close();
        }
    }

    private static Map<Long, byte[]> segmentData(int segments) {
        Map<Long, byte[]> data = new java.util.HashMap<>();
        for (long seq = 0; seq < segments; seq++) {
            data.put(seq, random(200_000, 300 + seq));
        }
        return data;
    }

    private static void writeSegments(MultipartSegmentSink sink, Map<Long, byte[]> data, long from, long to)
            throws IOException {
        for (long seq = from; seq < to; seq++) {
            try (SegmentOutput.Segment out = sink.open(seq)) {
                writeInPieces(out, data.get(seq));
                finish(out, seq, data.get(seq).length);
            }
        }
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

    @Test
    void anOutageWhenTheJobEndsLeavesNoOpenUploadOnceS3Returns() throws Exception {
        double deferredBefore = globalCount("recorder.upload.aborts.deferred");
        double failedBefore = globalCount("recorder.upload.aborts.failed");
        // Retries that outlast the job's end: the sink is closed while the segment's upload still waits for S3.
        UploadConfig patient = new UploadConfig(UploadConfig.MIN_PART_SIZE, 2, 50, Duration.ofMillis(100),
                Duration.ofSeconds(1));
        MultipartSegmentSink sink = sink(patient);
        byte[] data = random(6 * MIB, 11);
        SegmentOutput.Segment out = sink.open(6);
        writeInPieces(out, data);
        await().atMost(Duration.ofSeconds(20)).until(() -> openUploads().size() == 1 && s3.listParts(r -> r
                .bucket(bucket).key(openUploads().getFirst().key()).uploadId(openUploads().getFirst().uploadId()))
                .parts().size() == 1);
        stack.s3().stop();
        finish(out, 6, data.length); // the last part and the completion now wait for S3
        assertFalse(sink.awaitUploads(Duration.ofSeconds(1)), "S3 is down: the upload cannot finish");
        sink.close(); // the job ends
        this.sink = null;
        assertEquals(1, janitor.pending(), "the open upload is the janitor's now");
        assertEquals(1.0, METERS.get("recorder.upload.aborts.pending").gauge().value());
        assertEquals(deferredBefore + 1, globalCount("recorder.upload.aborts.deferred"));
        // Its first abort meets the outage too, and is retried later.
        await().atMost(Duration.ofSeconds(20)).until(() -> globalCount("recorder.upload.aborts.failed") > failedBefore);
        assertEquals(1, janitor.pending());

        stack.s3().start();
        await().atMost(Duration.ofSeconds(60)).until(() -> janitor.pending() == 0);
        assertTrue(openUploads().isEmpty(), "aborted once S3 answered");
        assertEquals(0.0, METERS.get("recorder.upload.aborts.pending").gauge().value());
        assertTrue(recorded.uploaded.isEmpty());
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
        index.add(S3Keys.segment(MINT, job, 0), new SegmentDone(0, 6.0, false, 1000, T0, FrameLoss.NONE), null);
        byte[] part = random(5 * MIB, 7);
        OutputStream open = dead.open(2);
        open.write(part);
        dead.open(3).write(new byte[10]);
        await().atMost(Duration.ofSeconds(20)).until(() -> openUploads().size() == 2
                && s3.listParts(r -> r.bucket(bucket).key(S3Keys.segment(MINT, job, 2))
                .uploadId(openUploads().stream().filter(u -> u.key().endsWith("seg_000002.ts")).findFirst()
                        .orElseThrow().uploadId())).parts().size() == 1);
        dead.handOver(); // the worker dies: nothing more is uploaded or completed, and nothing aborted
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
        index.add(S3Keys.segment(MINT, job, 3), new SegmentDone(3, 6.0, false, 2000, T0.plusSeconds(30), FrameLoss.NONE), null);
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
