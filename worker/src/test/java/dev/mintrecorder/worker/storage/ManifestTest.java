package dev.mintrecorder.worker.storage;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestTest {
    @Test
    void roundTripsThroughJsonWithSnakeCaseNames() {
        Manifest m = Manifest.start("7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr", "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f", 6)
                .withSegment(new Manifest.Segment(0, "k/seg_000000.ts", 6.0, 1500, false, false))
                .withSegment(new Manifest.Segment(1, "k/seg_000001.ts", 6.0, 900, false, true))
                .withFrameLoss(12, 0)
                .withGap(new Manifest.Gap(2, 4500))
                .withResume(new Manifest.Resume(2, "worker-b", Instant.parse("2026-11-24T23:00:00Z"), List.of(1L)))
                .ended("max_duration");
        String json = new String(m.toJson(), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"duration_s\" : 6.0"), json);
        assertTrue(json.contains("\"dropped_frames\" : 12"), json);
        assertTrue(json.contains("\"salvaged_seqs\" : [ 1 ]"), json);
        assertTrue(json.contains("\"at\" : \"2026-11-24T23:00:00Z\""), json);
        assertEquals(m, Manifest.fromJson(m.toJson()));
        assertEquals(2400, m.totalBytes());
        assertEquals(12.0, m.totalSeconds());
    }

    /** Fields are only added: what readers of the first manifests knew is still there, under the same names. */
    @Test
    void writesPerAttemptDropsBesideTheTotalAndRecoveredSegments() {
        Instant t0 = Instant.parse("2026-11-24T22:00:00Z");
        Instant t1 = Instant.parse("2026-11-24T23:00:00Z");
        Manifest m = Manifest.start("m", "j", 6, t0)
                .withSegment(new Manifest.Segment(0, "k/seg_000000.ts", 6.0, 1500, false, false))
                .withFrameLoss(4, 0)
                .withSegment(new Manifest.Segment(1, "k/seg_000001.ts", 5.0, 900, false, false, true))
                .withAttempt(new Manifest.Attempt(2, t1, 0))
                .withResume(new Manifest.Resume(2, "worker-b", t1, List.of(), List.of(1L)))
                .withFrameLoss(3, 5);
        String json = new String(m.toJson(), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"dropped_frames\" : 7"), json);
        assertTrue(json.contains("\"attempts\" : [ {\n    \"from_seq\" : 0,\n    \"started_at\" : \"2026-11-24T22:00:00Z\",\n"
                + "    \"dropped_frames\" : 4,\n    \"source_skipped_frames\" : 0\n  }, {\n    \"from_seq\" : 2,"), json);
        assertTrue(json.contains("\"dropped_frames\" : 3,\n    \"source_skipped_frames\" : 5\n"), json);
        assertTrue(json.contains("\"source_skipped_frames\" : 5,\n  \"gaps\""), "the total: " + json);
        assertTrue(json.contains("\"recovered\" : true"), json);
        assertTrue(json.contains("\"recovered_seqs\" : [ 1 ]"), json);
        assertTrue(json.contains("\"salvaged_seqs\" : [ ]"), json);
        assertEquals(m, Manifest.fromJson(m.toJson()));
    }

    @Test
    void carriesEachSegmentsProgramDateTimeAndEachGapsWallClockSpan() {
        Instant t0 = Instant.parse("2026-12-06T00:00:00.123Z");
        Manifest m = Manifest.start("m", "j", 6, t0)
                .withSegment(new Manifest.Segment(0, "k/seg_000000.ts", 6.0, 1500, false, false, false, t0, null))
                .withGap(new Manifest.Gap(1, 4000, t0.plusMillis(5967), t0.plusMillis(9967)))
                .withSegment(new Manifest.Segment(1, "k/seg_000001.ts", 6.0, 900, true, false, false,
                        t0.plusMillis(9967), null))
                .withSegment(new Manifest.Segment(2, "k/seg_000002.ts", 6.0, 900, false, true));
        String json = new String(m.toJson(), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"program_date_time\" : \"2026-12-06T00:00:10.090Z\""), json);
        assertTrue(json.contains("\"from\" : \"2026-12-06T00:00:06.090Z\""), json);
        assertTrue(json.contains("\"to\" : \"2026-12-06T00:00:10.090Z\""), json);
        assertEquals(2, json.split("program_date_time", -1).length - 1, "an unknown wall clock is left out: " + json);
        assertEquals(m, Manifest.fromJson(m.toJson()));
        // Manifests written before: no wall clock anywhere.
        Manifest old = Manifest.fromJson("""
                {"schema": 1, "mint_id": "m", "job_id": "j", "segment_seconds": 6, "dropped_frames": 0, "ended": false,
                 "segments": [{"seq": 0, "key": "k/seg_000000.ts", "duration_s": 6.0, "bytes": 1,
                               "discontinuity": false, "salvaged": false}],
                 "gaps": [{"before_seq": 1, "duration_ms": 4000}], "resumes": []}
                """.getBytes(StandardCharsets.UTF_8));
        assertEquals(null, old.segments().getFirst().programDateTime());
        assertEquals(new Manifest.Gap(1, 4000), old.gaps().getFirst());
        assertEquals(0, old.sourceSkippedFrames());
    }

    /** A manifest whose attempts predate {@code source_skipped_frames} reads as skipping none. */
    @Test
    void attemptsWrittenBeforeSourceSkipsReadAsNone() {
        Manifest old = Manifest.fromJson("""
                {"schema": 1, "mint_id": "m", "job_id": "j", "segment_seconds": 6, "dropped_frames": 9, "ended": false,
                 "segments": [], "gaps": [], "resumes": [],
                 "attempts": [{"from_seq": 0, "dropped_frames": 4}, {"from_seq": 2, "dropped_frames": 5}]}
                """.getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of(new Manifest.Attempt(0, null, 4), new Manifest.Attempt(2, null, 5)), old.attempts());
        assertEquals(9, old.droppedFrames());
        assertEquals(0, old.sourceSkippedFrames());
    }

    @Test
    void aSegmentReportedAgainReplacesTheOldEntry() {
        Manifest m = Manifest.start("m", "j", 6)
                .withSegment(new Manifest.Segment(0, "k0", 6.0, 100, false, true))
                .withSegment(new Manifest.Segment(0, "k0", 5.2, 120, false, false));
        assertEquals(List.of(new Manifest.Segment(0, "k0", 5.2, 120, false, false)), m.segments());
    }

    @Test
    void durationsAreKeptToMillisecondsAndChecksumsToTheirSegments() {
        Manifest m = Manifest.start("m", "j", 6)
                .withSegment(new Manifest.Segment(0, "k0", 5.998999999999999, 100, false, false, false, null, "mZbm6A=="))
                .withSegment(new Manifest.Segment(1, "k1", 2.0004, 50, false, true));
        String json = new String(m.toJson(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(json.contains("\"duration_s\" : 5.999,"), json);
        assertTrue(json.contains("\"duration_s\" : 2.0,"), json);
        assertTrue(json.contains("\"crc32c\" : \"mZbm6A==\""), json);
        assertEquals(1, json.split("crc32c", -1).length - 1, "a segment without one (salvaged) has none: " + json);
        assertEquals(m, Manifest.fromJson(m.toJson()));
    }

    @Test
    void salvageReadsSegmentNumbersFromKeysOnly() {
        assertEquals(42, Salvage.sequenceOf("recordings/m/j/seg_000042.ts"));
        assertEquals(-1, Salvage.sequenceOf("recordings/m/j/index.m3u8"));
        assertEquals(-1, Salvage.sequenceOf("recordings/m/j/manifest.json"));
    }
}
