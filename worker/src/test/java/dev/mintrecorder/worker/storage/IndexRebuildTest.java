package dev.mintrecorder.worker.storage;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The index a resume continues from, rebuilt from the previous manifest and what S3 holds. */
class IndexRebuildTest {
    private static final String PREFIX = "recordings/m/j/";
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final Instant T1 = Instant.parse("2026-12-01T10:01:00Z");
    private static final Instant T2 = Instant.parse("2026-12-01T10:02:00Z");

    private static String key(long seq) {
        return PREFIX + "seg_%06d.ts".formatted(seq);
    }

    private static Manifest.Segment indexed(long seq) {
        return new Manifest.Segment(seq, key(seq), 4.0, 1000 + seq, false, false);
    }

    /** A segment object as listed: its duration read only when the manifest lacks it. */
    private static Salvage.Completed object(long seq, double durationS) {
        return new Salvage.Completed(key(seq), 1000 + seq, durationS);
    }

    private static Salvage.Result s3(Manifest manifest, Map<Long, Salvage.Completed> salvaged,
                                     Map<Long, Salvage.Completed> stored) {
        long next = stored.keySet().stream().mapToLong(Long::longValue).max().orElse(-1) + 1;
        return new Salvage.Result(salvaged, List.of(), next, Optional.ofNullable(manifest), stored);
    }

    /** The first attempt indexed 0-2 and dropped 7 frames, then died. */
    private static Manifest firstAttempt() {
        return Manifest.start("m", "j", 4, T0).withSegment(indexed(0)).withSegment(indexed(1))
                .withSegment(indexed(2)).withFrameLoss(7, 0);
    }

    @Test
    void aCompleteSegmentTheManifestLacksJoinsWithItsDurationAndNumberingContinuesAfterIt() {
        Manifest previous = firstAttempt();
        Map<Long, Salvage.Completed> stored = new TreeMap<>(Map.of(0L, object(0, Double.NaN),
                1L, object(1, Double.NaN), 2L, object(2, Double.NaN), 3L, object(3, 3.5)));

        IndexRebuild.Rebuilt r = IndexRebuild.merge(previous, s3(previous, Map.of(), stored), "worker-b", T1);

        assertEquals(List.of(3L), r.recovered());
        assertEquals(List.of(), r.salvaged());
        assertEquals(List.of(), r.missing());
        assertEquals(4, r.nextSequence());
        Manifest m = r.manifest();
        assertEquals(List.of(indexed(0), indexed(1), indexed(2),
                new Manifest.Segment(3, key(3), 3.5, 1003, false, false, true)), m.segments());
        assertEquals(List.of(new Manifest.Resume(4, "worker-b", T1, List.of(), List.of(3L))), m.resumes());
        String playlist = Playlist.render(m);
        assertTrue(playlist.contains("#EXTINF:4.000,\nseg_000002.ts\n#EXTINF:3.500,\nseg_000003.ts\n"), playlist);
        assertFalse(playlist.contains("DISCONTINUITY"), "the dead attempt's segments are continuous: " + playlist);
    }

    @Test
    void salvagedAndRecoveredSegmentsJoinInSequenceOrder() {
        Manifest previous = firstAttempt();
        Map<Long, Salvage.Completed> salvaged = Map.of(5L, object(5, 1.2));
        Map<Long, Salvage.Completed> stored = new TreeMap<>(Map.of(0L, object(0, Double.NaN),
                1L, object(1, Double.NaN), 2L, object(2, Double.NaN), 3L, object(3, 4.0),
                4L, object(4, Double.NaN), 5L, object(5, 1.2)));

        IndexRebuild.Rebuilt r = IndexRebuild.merge(previous, s3(previous, salvaged, stored), "worker-b", T1);

        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), r.manifest().segments().stream().map(Manifest.Segment::seq)
                .toList());
        assertEquals(List.of(3L, 4L), r.recovered());
        assertEquals(List.of(5L), r.salvaged());
        Manifest.Segment unreadable = r.manifest().segments().get(4);
        assertEquals(4.0, unreadable.durationS(), "no timestamps: segment_s");
        assertTrue(unreadable.recovered());
        Manifest.Segment last = r.manifest().segments().get(5);
        assertTrue(last.salvaged() && !last.recovered(), last.toString());
        assertEquals(1.2, last.durationS());
        assertEquals(6, r.nextSequence());
        assertEquals(new Manifest.Resume(6, "worker-b", T1, List.of(5L), List.of(3L, 4L)),
                r.manifest().resumes().getFirst());
    }

    @Test
    void aSegmentTheManifestListsButS3DoesNotHoldIsLeftOut() {
        Manifest previous = firstAttempt();
        Map<Long, Salvage.Completed> stored = new TreeMap<>(Map.of(0L, object(0, Double.NaN),
                2L, object(2, Double.NaN)));

        IndexRebuild.Rebuilt r = IndexRebuild.merge(previous, s3(previous, Map.of(), stored), "worker-b", T1);

        assertEquals(List.of(1L), r.missing());
        assertEquals(List.of(indexed(0), indexed(2)), r.manifest().segments());
        assertEquals(3, r.nextSequence());
    }

    @Test
    void aSegmentInTheFallbackStoreIsKeptThoughThePrimaryDoesNotHoldIt() {
        Manifest.Segment inFallback = new Manifest.Segment(3, key(3), 4.0, 1003, false, false, false, null, "AAAAAA==",
                Manifest.Segment.FALLBACK);
        Manifest previous = firstAttempt().withSegment(inFallback);
        Map<Long, Salvage.Completed> stored = new TreeMap<>(Map.of(0L, object(0, Double.NaN),
                1L, object(1, Double.NaN), 2L, object(2, Double.NaN)));

        IndexRebuild.Rebuilt r = IndexRebuild.merge(previous, s3(previous, Map.of(), stored), "worker-b", T1);

        assertEquals(List.of(), r.missing());
        assertEquals(inFallback, r.manifest().segments().getLast());
        assertEquals(4, r.nextSequence(), "numbering continues after it");
    }

    /** Attempt 2 resumed at 3, uploaded 3 and died before it indexed it: 3 starts after a resume. */
    @Test
    void theUnindexedFirstSegmentOfAnEarlierResumeKeepsItsDiscontinuity() {
        Manifest second = IndexRebuild.merge(firstAttempt(), s3(firstAttempt(), Map.of(), new TreeMap<>(Map.of(
                0L, object(0, Double.NaN), 1L, object(1, Double.NaN), 2L, object(2, Double.NaN)))), "worker-b", T1)
                .manifest();
        Map<Long, Salvage.Completed> stored = new TreeMap<>(Map.of(0L, object(0, Double.NaN),
                1L, object(1, Double.NaN), 2L, object(2, Double.NaN), 3L, object(3, 4.0), 4L, object(4, 4.0)));

        Manifest third = IndexRebuild.merge(second, s3(second, Map.of(), stored), "worker-c", T2).manifest();

        assertTrue(third.segments().get(3).discontinuity(), "3 was attempt 2's first segment");
        assertFalse(third.segments().get(4).discontinuity());
        assertEquals(2, third.resumes().size());
        String playlist = Playlist.render(third);
        assertTrue(playlist.contains("seg_000002.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:4.000,\nseg_000003.ts\n"
                + "#EXTINF:4.000,\nseg_000004.ts\n"), playlist);
    }

    @Test
    void eachAttemptKeepsItsDropsAndTheTotalIsTheirSum() {
        Manifest previous = firstAttempt();
        Map<Long, Salvage.Completed> stored = new TreeMap<>(Map.of(0L, object(0, Double.NaN),
                1L, object(1, Double.NaN), 2L, object(2, Double.NaN)));
        Manifest second = IndexRebuild.merge(previous, s3(previous, Map.of(), stored), "worker-b", T1).manifest()
                .withFrameLoss(3, 0)
                .withFrameLoss(5, 0); // the attempt's counters grow: the latest figure is its own
        assertEquals(12, second.droppedFrames());

        Manifest third = IndexRebuild.merge(second, s3(second, Map.of(), stored), "worker-c", T2).manifest()
                .withFrameLoss(1, 0);

        assertEquals(List.of(new Manifest.Attempt(0, T0, 7), new Manifest.Attempt(3, T1, 5),
                new Manifest.Attempt(3, T2, 1)), third.attempts());
        assertEquals(13, third.droppedFrames());
        Manifest read = Manifest.fromJson(third.toJson());
        assertEquals(third, read);
        assertEquals(13, read.droppedFrames());
    }

    /** A manifest written before attempts existed held the last attempt's counters as its dropped_frames. */
    @Test
    void aManifestWithoutAttemptsGetsThemFromItsResumes() {
        String legacy = """
                {"schema":1,"mint_id":"m","job_id":"j","segment_seconds":4,
                 "segments":[{"seq":0,"key":"%s","duration_s":4.0,"bytes":1000,"discontinuity":false,"salvaged":false},
                             {"seq":1,"key":"%s","duration_s":4.0,"bytes":1001,"discontinuity":true,"salvaged":false}],
                 "dropped_frames":9,"gaps":[],
                 "resumes":[{"from_seq":1,"worker_id":"worker-b","at":"2026-12-01T10:01:00Z","salvaged_seqs":[]}],
                 "ended":false,"started_at":"2026-12-01T10:00:00Z"}
                """.formatted(key(0), key(1));
        Manifest previous = Manifest.fromJson(legacy.getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of(), previous.attempts());
        assertEquals(List.of(), previous.resumes().getFirst().recoveredSeqs());
        assertFalse(previous.segments().getFirst().recovered());
        Map<Long, Salvage.Completed> stored = new TreeMap<>(Map.of(0L, object(0, Double.NaN),
                1L, object(1, Double.NaN)));

        Manifest m = IndexRebuild.merge(previous, s3(previous, Map.of(), stored), "worker-c", T2).manifest()
                .withFrameLoss(2, 0);

        assertEquals(List.of(new Manifest.Attempt(0, T0, 0), new Manifest.Attempt(1, T1, 9),
                new Manifest.Attempt(2, T2, 2)), m.attempts());
        assertEquals(11, m.droppedFrames());
        assertEquals(2, m.resumes().size());
    }
}
