package dev.mintrecorder.worker.media;

import dev.mintrecorder.worker.storage.HlsSpec;
import dev.mintrecorder.worker.storage.TsDuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoomEncoderTest {
    private static final MediaConfig MEDIA = new MediaConfig("veryfast", 800, 96, Duration.ofSeconds(2), 1);

    record Closed(long seq, double duration, long bytes, boolean discontinuity, FrameLoss loss) {
    }

    /** Collects segments in memory and what the encoder reported. */
    static final class Recorder implements SegmentOutput, MediaListener {
        final Map<Long, ByteArrayOutputStream> files = new ConcurrentHashMap<>();
        final List<Closed> closed = new CopyOnWriteArrayList<>();
        final List<long[]> gaps = new CopyOnWriteArrayList<>();
        volatile Throwable failure;
        private final SegmentOutput inMemory = TestSegments.into(sequence -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            files.put(sequence, out);
            return out;
        }, d -> closed.add(new Closed(d.sequence(), d.durationSeconds(), d.bytes(), d.discontinuity(),
                d.loss())));

        @Override
        public Segment open(long sequence) throws IOException {
            return inMemory.open(sequence);
        }

        @Override
        public void gap(long beforeSequence, long lastMediaNanos, long resumedNanos, Instant lastMediaAt,
                        Instant resumedAt) {
            gaps.add(new long[] {beforeSequence, lastMediaNanos, resumedNanos});
        }

        @Override
        public void failed(Throwable error) {
            failure = error;
        }

        Map<Long, Path> writeTo(Path dir) throws IOException {
            Map<Long, Path> out = new TreeMap<>();
            for (var e : files.entrySet()) {
                Path p = dir.resolve("seg_%06d.ts".formatted(e.getKey()));
                Files.write(p, e.getValue().toByteArray());
                out.put(e.getKey(), p);
            }
            return out;
        }
    }

    static RoomEncoder runToEnd(EncodeSettings settings, SyntheticMedia.Video video, SyntheticMedia.Audio audio,
                                Recorder rec) throws InterruptedException {
        return runToEnd(settings, video, audio, rec, enc -> { });
    }

    static RoomEncoder runToEnd(EncodeSettings settings, SyntheticMedia.Video video, SyntheticMedia.Audio audio,
                                Recorder rec, java.util.function.Consumer<RoomEncoder> beforeStart)
            throws InterruptedException {
        RoomEncoder enc = new RoomEncoder("test", settings, video, audio, rec, rec);
        beforeStart.accept(enc);
        enc.start();
        try {
            await().atMost(Duration.ofSeconds(120)).until(() -> video.exhausted() && audio.exhausted()
                    || enc.state() == RoomEncoder.State.FAILED);
            enc.stop();
            assertTrue(enc.awaitTermination(Duration.ofSeconds(30)));
        } finally {
            enc.close();
        }
        return enc;
    }

    @Test
    void twentySecondsBecomeValidSegmentsThatStartWithKeyframes(@TempDir Path dir) throws Exception {
        int fps = 30;
        int seconds = 20;
        var video = new SyntheticMedia.Video(fps * seconds, fps, i -> 240, i -> 0);
        var audio = new SyntheticMedia.Audio(seconds * 1_000_000_000L, ts -> true);
        var rec = new Recorder();
        RoomEncoder enc = runToEnd(new EncodeSettings(720, fps, 2, 0, MEDIA), video, audio, rec);

        assertEquals(RoomEncoder.State.STOPPED, enc.state(), () -> String.valueOf(enc.failure()));
        assertEquals(0, video.open.get(), "every frame closed");
        assertEquals(fps * seconds, enc.stats().framesEncoded());
        Map<Long, Path> files = rec.writeTo(dir);
        assertEquals(10, files.size(), "20 s in 2 s segments: " + rec.closed);
        assertEquals(files.keySet(), rec.closed.stream().map(Closed::seq).collect(java.util.stream.Collectors.toSet()));
        assertSegmentsValid(files, rec, 2, 320, 240);

        // Salvage reads a dead worker's segment duration from the TS itself, also from a truncated one. Every segment
        // starts with an IDR frame, as the playlist's EXT-X-INDEPENDENT-SEGMENTS says.
        for (Closed c : rec.closed) {
            byte[] ts = Files.readAllBytes(files.get(c.seq()));
            assertTrue(HlsSpec.startsWithIdr(ts), "segment " + c.seq() + " starts with an IDR frame");
            assertEquals(c.duration(), TsDuration.of(new ByteArrayInputStream(ts)), 0.05, "segment " + c.seq());
            double half = TsDuration.of(new ByteArrayInputStream(ts, 0, ts.length / 2 + 77));
            assertTrue(half > 0.5 && half < c.duration() - 0.3, "truncated segment " + c.seq() + ": " + half);
        }
    }

    /**
     * Frames a lossy source never sent (every sixth step after the first second skips one) and frames its queue dropped
     * (every eleventh taken) are each counted once, by cause; each segment's figures cover exactly the frames up to its
     * end, and the last one's are the encoder's totals.
     */
    @Test
    void missingFrameNumbersAreCountedByCauseAndBySegment() throws Exception {
        int fps = 30;
        int frames = fps * 9;
        long interval = 1_000_000_000L / fps;
        java.util.function.IntToLongFunction skippedBefore = i -> i < fps ? 0 : (i - fps) / 6 + 1;
        var source = new SyntheticMedia.Video(frames, fps, i -> 240, i -> skippedBefore.applyAsLong(i) * interval);
        // A queue in front of the encoder that drops every eleventh frame (never the first).
        var dropped = new java.util.concurrent.atomic.AtomicLong();
        FrameSource<RawVideoFrame> video = new FrameSource<>() {
            private int taken;

            @Override
            public RawVideoFrame poll(Duration timeout) {
                RawVideoFrame f = source.poll(timeout);
                if (f != null && ++taken % 11 == 0) {
                    f.close();
                    dropped.incrementAndGet();
                    f = source.poll(timeout);
                }
                return f;
            }

            @Override
            public long dropped() {
                return dropped.get();
            }
        };
        var audio = new SyntheticMedia.Audio(12_000_000_000L, ts -> true);
        var rec = new Recorder();
        RoomEncoder enc = new RoomEncoder("loss", new EncodeSettings(720, fps, 2, 0, MEDIA), video, audio, rec, rec);
        enc.start();
        try {
            await().atMost(Duration.ofSeconds(120)).until(() -> source.exhausted() && audio.exhausted()
                    || enc.state() == RoomEncoder.State.FAILED);
            enc.stop();
            assertTrue(enc.awaitTermination(Duration.ofSeconds(30)));
        } finally {
            enc.close();
        }

        assertEquals(RoomEncoder.State.STOPPED, enc.state(), () -> String.valueOf(enc.failure()));
        long skipped = skippedBefore.applyAsLong(frames - 1);
        assertEquals(new FrameLoss(dropped.get(), skipped), enc.loss());
        assertTrue(dropped.get() > 10 && skipped > 30, dropped + " dropped, " + skipped + " skipped");
        assertEquals(frames - dropped.get(), enc.stats().framesEncoded());
        // Each segment's figures are the counts up to its last frame: they only grow, and the last is the total.
        List<Closed> closed = rec.closed.stream().sorted(java.util.Comparator.comparingLong(Closed::seq)).toList();
        assertTrue(closed.size() >= 4, closed.toString());
        assertTrue(closed.get(1).loss().dropped() > 0 && closed.get(1).loss().sourceSkipped() > 0, closed.toString());
        for (int i = 1; i < closed.size(); i++) {
            assertTrue(closed.get(i).loss().dropped() >= closed.get(i - 1).loss().dropped(), closed.toString());
            assertTrue(closed.get(i).loss().sourceSkipped() >= closed.get(i - 1).loss().sourceSkipped(), closed.toString());
        }
        assertEquals(enc.loss(), closed.getLast().loss());
    }

    @Test
    void aGapStartsANewRunAndAResolutionChangeKeepsTheOutputSize(@TempDir Path dir) throws Exception {
        int fps = 30;
        long gapNanos = 5_000_000_000L;
        int frames = fps * 16;
        // 8 s at 480p (taller than the 360p cap), a 5 s stall, then 8 s at 240p (a resolution change, scaled up).
        var video = new SyntheticMedia.Video(frames, fps, i -> i < frames / 2 ? 480 : 240,
                i -> i < frames / 2 ? 0 : gapNanos);
        long end = 16_000_000_000L + gapNanos;
        long gapStart = 8_000_000_000L;
        var audio = new SyntheticMedia.Audio(end, ts -> ts < gapStart || ts >= gapStart + gapNanos);
        var rec = new Recorder();
        RoomEncoder enc = runToEnd(new EncodeSettings(360, fps, 2, 7, MEDIA), video, audio, rec);

        assertEquals(RoomEncoder.State.STOPPED, enc.state(), () -> String.valueOf(enc.failure()));
        assertEquals(1, rec.gaps.size());
        assertEquals(1, enc.stats().gaps());
        List<Closed> discontinuities = rec.closed.stream().filter(Closed::discontinuity).toList();
        assertEquals(1, discontinuities.size(), rec.closed.toString());
        assertEquals(11, discontinuities.getFirst().seq(), "8 s from seq 7 is 4 segments, then the new run");
        assertEquals(11, rec.gaps.getFirst()[0]);
        assertEquals(5_000_000_000L, rec.gaps.getFirst()[2] - rec.gaps.getFirst()[1], 50_000_000L);
        assertEquals(7, rec.closed.getFirst().seq());
        Map<Long, Path> files = rec.writeTo(dir);
        assertEquals(8, files.size(), rec.closed.toString());
        assertSegmentsValid(files, rec, 2, 480, 360);
        assertEquals(0, video.open.get());
    }

    /**
     * A simulcast stream that starts on its low layer (120p for 2 s, as while the publisher's bandwidth estimate ramps
     * up) is recorded at the size of the layer the SFU announced it would send (240p), not at the first frame's.
     */
    @Test
    void theOutputIsSizedForTheExpectedLayerNotALowFirstFrame(@TempDir Path dir) throws Exception {
        int fps = 30;
        int frames = fps * 6;
        var video = new SyntheticMedia.Video(frames, fps, i -> i < fps * 2 ? 120 : 240, i -> 0);
        var audio = new SyntheticMedia.Audio(6_000_000_000L, ts -> true);
        var rec = new Recorder();
        RoomEncoder enc = runToEnd(new EncodeSettings(720, fps, 2, 0, MEDIA), video, audio, rec,
                e -> e.expectVideoSize(320, 240));
        assertEquals(RoomEncoder.State.STOPPED, enc.state(), () -> String.valueOf(enc.failure()));
        assertSegmentsValid(rec.writeTo(dir), rec, 2, 320, 240);
    }

    @Test
    void lostAudioIsFilledWithSilenceSoTheTracksStayAligned(@TempDir Path dir) throws Exception {
        int fps = 30;
        // 80 ms of every second never arrives (queue drops): beyond the fill threshold, so silence replaces it.
        var video = new SyntheticMedia.Video(fps * 10, fps, i -> 240, i -> 0);
        var audio = new SyntheticMedia.Audio(10_000_000_000L, ts -> ts % 1_000_000_000L >= 80_000_000L);
        var rec = new Recorder();
        RoomEncoder enc = runToEnd(new EncodeSettings(720, fps, 2, 0, MEDIA), video, audio, rec);

        assertEquals(RoomEncoder.State.STOPPED, enc.state(), () -> String.valueOf(enc.failure()));
        assertTrue(enc.stats().silenceSamples() >= 9 * 48 * 80, "silence: " + enc.stats());
        Map<Long, Path> files = rec.writeTo(dir);
        assertSegmentsValid(files, rec, 2, 320, 240);
        Probe.Result last = Probe.probe(files.get(4L));
        double videoEnd = last.video().getLast().pts() + last.video().getLast().duration();
        double audioEnd = last.audio().getLast().pts() + last.audio().getLast().duration();
        assertEquals(videoEnd, audioEnd, 0.1, "audio ends with the video");
    }

    @Test
    void twoRoomsEncodeAtOnceIntoTheirOwnSegments(@TempDir Path dir) throws Exception {
        // The native IO callbacks are shared by every muxer in the process; each segment must reach its own room.
        int fps = 30;
        var videoA = new SyntheticMedia.Video(fps * 6, fps, i -> 240, i -> 0);
        var audioA = new SyntheticMedia.Audio(6_000_000_000L, ts -> true);
        var videoB = new SyntheticMedia.Video(fps * 8, fps, i -> 360, i -> 0);
        var audioB = new SyntheticMedia.Audio(8_000_000_000L, ts -> true);
        var recA = new Recorder();
        var recB = new Recorder();
        RoomEncoder a = new RoomEncoder("a", new EncodeSettings(720, fps, 2, 0, MEDIA), videoA, audioA, recA, recA);
        RoomEncoder b = new RoomEncoder("b", new EncodeSettings(720, fps, 2, 100, MEDIA), videoB, audioB, recB, recB);
        a.start();
        b.start();
        try {
            await().atMost(Duration.ofSeconds(120)).until(() -> videoA.exhausted() && audioA.exhausted()
                    && videoB.exhausted() && audioB.exhausted());
        } finally {
            a.close();
            b.close();
        }
        assertEquals(RoomEncoder.State.STOPPED, a.state(), () -> String.valueOf(a.failure()));
        assertEquals(RoomEncoder.State.STOPPED, b.state(), () -> String.valueOf(b.failure()));
        Path dirA = Files.createDirectory(dir.resolve("a"));
        Path dirB = Files.createDirectory(dir.resolve("b"));
        Map<Long, Path> filesA = recA.writeTo(dirA);
        Map<Long, Path> filesB = recB.writeTo(dirB);
        assertEquals(java.util.Set.of(0L, 1L, 2L), filesA.keySet());
        assertEquals(java.util.Set.of(100L, 101L, 102L, 103L), filesB.keySet());
        assertSegmentsValid(filesA, recA, 2, 320, 240);
        assertSegmentsValid(filesB, recB, 2, 480, 360);
    }

    /** H.264 + AAC, a keyframe first, reported durations within 1 s of the target, timestamps continuous. */
    static void assertSegmentsValid(Map<Long, Path> files, Recorder rec, int segmentSeconds, int width, int height)
            throws Exception {
        Probe.Packet lastVideo = null;
        List<Long> seqs = new ArrayList<>(files.keySet());
        for (int i = 0; i < seqs.size(); i++) {
            long seq = seqs.get(i);
            Probe.Result r = Probe.probe(files.get(seq));
            assertEquals(List.of("h264", "aac"), r.codecs(), "segment " + seq);
            assertEquals(width, r.width(), "segment " + seq);
            assertEquals(height, r.height(), "segment " + seq);
            List<Probe.Packet> v = r.video();
            assertFalse(v.isEmpty());
            assertFalse(r.audio().isEmpty(), "segment " + seq + " has audio");
            assertTrue(v.getFirst().key(), "segment " + seq + " starts with a keyframe");
            assertTrue(r.packets().stream().allMatch(p -> p.pts() >= 0), "no negative timestamps");
            assertEquals("", Probe.decodeErrors(files.get(seq)), "segment " + seq + " decodes cleanly");
            Closed c = rec.closed.stream().filter(x -> x.seq() == seq).findFirst().orElseThrow();
            assertEquals(Files.size(files.get(seq)), c.bytes());
            double probed = v.getLast().pts() + v.getLast().duration() - v.getFirst().pts();
            assertEquals(probed, c.duration(), 0.1, "reported duration of " + seq);
            boolean lastOfRun = i == seqs.size() - 1 || rec.closed.stream()
                    .anyMatch(x -> x.seq() == seqs.get(seqs.indexOf(seq) + 1) && x.discontinuity());
            if (!lastOfRun) {
                assertEquals(segmentSeconds, c.duration(), 1.0, "duration of " + seq);
            }
            if (lastVideo != null && !c.discontinuity()) {
                double step = v.getFirst().pts() - lastVideo.pts();
                assertTrue(step > 0 && step < 0.05, "video continues into " + seq + ": step " + step);
            }
            // Audio and video start together in every segment (cut together).
            assertEquals(v.getFirst().pts(), r.audio().getFirst().pts(), 0.1, "A/V start of " + seq);
            lastVideo = v.getLast();
        }
    }
}
