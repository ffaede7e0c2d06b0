package dev.mintrecorder.worker.media;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.S3Keys;
import dev.mintrecorder.devstack.Devstack;
import dev.mintrecorder.devstack.DevstackOptions;
import dev.mintrecorder.worker.storage.Crc32c;
import dev.mintrecorder.worker.storage.Manifest;
import dev.mintrecorder.worker.storage.MultipartSegmentSink;
import dev.mintrecorder.worker.storage.RecordingIndex;
import dev.mintrecorder.worker.storage.S3Clients;
import dev.mintrecorder.worker.storage.S3Retry;
import dev.mintrecorder.worker.storage.SegmentUploadListener;
import dev.mintrecorder.worker.storage.StorageConfig;
import dev.mintrecorder.worker.storage.SegmentSpool;
import dev.mintrecorder.worker.storage.SpoolConfig;
import dev.mintrecorder.worker.storage.UploadConfig;
import dev.mintrecorder.worker.storage.UploadJanitor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The media path into real S3: encoder, segment muxer, multipart sink, manifest and playlist. Synthetic media with
 * a 4 s stall in the middle; the downloaded playlist must decode from start to end without an error.
 */
class EncoderToS3IT {
    private static final MintId MINT = MintId.of("7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr");

    @Test
    void aRecordingWithAGapBecomesAPlayableHlsEventPlaylist(@TempDir Path dir) throws Exception {
        try (Devstack stack = Devstack.start(DevstackOptions.defaults().only(Devstack.Component.S3))) {
            StorageConfig storage = StorageConfig.from(stack.env());
            UploadConfig upload = new UploadConfig(UploadConfig.MIN_PART_SIZE, 2, 8, Duration.ofMillis(100),
                    Duration.ofSeconds(1));
            UUID job = UUID.randomUUID();
            try (S3Client s3 = S3Clients.create(storage);
                 UploadJanitor janitor = new UploadJanitor(s3, new SimpleMeterRegistry())) {
                RecordingIndex index = new RecordingIndex(s3, storage.bucket(), MINT, job, 2,
                        new S3Retry("index", upload, new SimpleMeterRegistry()), new SimpleMeterRegistry());
                AtomicInteger failures = new AtomicInteger();
                MultipartSegmentSink sink = new MultipartSegmentSink(s3, storage.bucket(), MINT, job, upload,
                        new SegmentUploadListener() {
                            @Override
                            public void uploaded(String key, SegmentDone segment, String crc32c) {
                                index.add(key, segment, crc32c);
                            }

                            @Override
                            public void lost(SegmentDone segment, String key, String why) {
                                failures.incrementAndGet();
                            }

                            @Override
                            public void failed(long sequence, String key, Exception error) {
                                failures.incrementAndGet();
                            }
                        }, new SimpleMeterRegistry(), janitor, new SegmentSpool(new SpoolConfig(dir.resolve("spool"),
                                64L << 20, 64L << 20, Duration.ofSeconds(1)), new SimpleMeterRegistry()));
                MediaListener toIndex = new MediaListener() {
                    @Override
                    public void gap(long beforeSequence, long lastMediaNanos, long resumedNanos, Instant lastMediaAt,
                                    Instant resumedAt) {
                        index.gap(beforeSequence, (resumedNanos - lastMediaNanos) / 1_000_000, lastMediaAt, resumedAt);
                    }

                    @Override
                    public void failed(Throwable error) {
                        failures.incrementAndGet();
                    }
                };
                int fps = 30;
                long stall = 4_000_000_000L;
                int frames = fps * 12;
                var video = new SyntheticMedia.Video(frames, fps, i -> 240, i -> i < frames / 2 ? 0 : stall);
                var audio = new SyntheticMedia.Audio(12_000_000_000L + stall,
                        ts -> ts < 6_000_000_000L || ts >= 6_000_000_000L + stall);
                var settings = new EncodeSettings(720, fps, 2, 0,
                        new MediaConfig("veryfast", 800, 96, Duration.ofSeconds(2), 1));
                long closed;
                try (RoomEncoder enc = new RoomEncoder("e2e", settings, video, audio, sink, toIndex)) {
                    enc.start();
                    await().atMost(Duration.ofSeconds(60)).until(() -> video.exhausted() && audio.exhausted()
                            || enc.state() == RoomEncoder.State.FAILED);
                    enc.stop();
                    assertTrue(enc.awaitTermination(Duration.ofSeconds(30)));
                    assertEquals(RoomEncoder.State.STOPPED, enc.state(), () -> String.valueOf(enc.failure()));
                    closed = enc.stats().segments();
                }
                assertTrue(sink.awaitUploads(Duration.ofSeconds(30)));
                sink.close();
                await().atMost(Duration.ofSeconds(10)).until(() -> index.manifest().segments().size() == closed);
                index.end("stopped");
                assertEquals(0, failures.get());
                assertEquals(0, sink.bytesHeld());

                String json = s3.getObjectAsBytes(r -> r.bucket(storage.bucket())
                        .key(S3Keys.manifest(MINT, job))).asUtf8String();
                assertTrue(json.matches("(?s).*\"duration_s\" : [0-9]+\\.[0-9]{1,3}[,\\s].*")
                        && !json.matches("(?s).*\"duration_s\" : [0-9]+\\.[0-9]{4,}.*"), json);
                Manifest manifest = Manifest.fromJson(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                assertEquals(6, manifest.segments().size(), manifest.toString());
                assertEquals(1, manifest.gaps().size());
                assertEquals(3, manifest.gaps().getFirst().beforeSeq());
                assertEquals(4000, manifest.gaps().getFirst().durationMs(), 100);
                // Program date-times: every segment has one; within a run each follows the one before by its
                // duration; the run after the gap starts with a fresh one, the gap's end.
                for (int i = 0; i < manifest.segments().size(); i++) {
                    Manifest.Segment s = manifest.segments().get(i);
                    assertNotNull(s.programDateTime(), s.toString());
                    if (i > 0 && !s.discontinuity()) {
                        Manifest.Segment before = manifest.segments().get(i - 1);
                        assertEquals(before.programDateTime().toEpochMilli() + Math.round(before.durationS() * 1000),
                                s.programDateTime().toEpochMilli(), 2, s + " after " + before);
                    }
                }
                assertEquals(manifest.segments().get(3).programDateTime(), manifest.gaps().getFirst().to());
                assertNotNull(manifest.gaps().getFirst().from());
                assertEquals(12.0, manifest.totalSeconds(), 0.2);

                String playlist = s3.getObjectAsBytes(r -> r.bucket(storage.bucket())
                        .key(S3Keys.playlist(MINT, job))).asUtf8String();
                assertEquals(1, playlist.split("#EXT-X-DISCONTINUITY\n", -1).length - 1, playlist);
                assertTrue(playlist.endsWith("#EXT-X-ENDLIST\n"), playlist);
                Files.writeString(dir.resolve("index.m3u8"), playlist);
                for (Manifest.Segment s : manifest.segments()) {
                    byte[] object = s3.getObjectAsBytes(r -> r.bucket(storage.bucket()).key(s.key())).asByteArray();
                    // End to end: what a reader downloads is what the manifest says was written.
                    assertEquals(s.bytes(), object.length, s.key());
                    assertEquals(s.crc32c(), Crc32c.of(object, 0, object.length), s.key());
                    Files.write(dir.resolve(s.key().substring(s.key().lastIndexOf('/') + 1)), object);
                }
                assertEquals("", Probe.decodeErrors(dir.resolve("index.m3u8")), "the playlist decodes cleanly");
                Probe.Result whole = Probe.probe(dir.resolve("index.m3u8"));
                assertEquals(12 * fps, whole.video().size(), "every frame is in the recording");
            }
        }
    }
}
