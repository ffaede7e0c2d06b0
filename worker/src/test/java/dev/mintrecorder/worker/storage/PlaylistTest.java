package dev.mintrecorder.worker.storage;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PlaylistTest {
    private static final String PREFIX = "recordings/7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr/3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f/";

    private static Manifest.Segment seg(long seq, double duration, boolean discontinuity) {
        return new Manifest.Segment(seq, PREFIX + "seg_%06d.ts".formatted(seq), duration, 1000, discontinuity, false);
    }

    private static Manifest start() {
        return Manifest.start("7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr", "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f", 6);
    }

    @Test
    void anEmptyRecordingIsAnEventPlaylistWithNoSegments() {
        assertEquals("""
                #EXTM3U
                #EXT-X-VERSION:3
                #EXT-X-INDEPENDENT-SEGMENTS
                #EXT-X-PLAYLIST-TYPE:EVENT
                #EXT-X-TARGETDURATION:6
                #EXT-X-MEDIA-SEQUENCE:0
                """, Playlist.render(start()));
    }

    @Test
    void segmentsAreListedInOrderAndTheEndClosesTheList() {
        Manifest m = start().withSegment(seg(1, 6.0, false)).withSegment(seg(0, 6.0, false)).withSegment(seg(2, 3.5, false))
                .ended("stopped");
        assertEquals("""
                #EXTM3U
                #EXT-X-VERSION:3
                #EXT-X-INDEPENDENT-SEGMENTS
                #EXT-X-PLAYLIST-TYPE:EVENT
                #EXT-X-TARGETDURATION:6
                #EXT-X-MEDIA-SEQUENCE:0
                #EXTINF:6.000,
                seg_000000.ts
                #EXTINF:6.000,
                seg_000001.ts
                #EXTINF:3.500,
                seg_000002.ts
                #EXT-X-ENDLIST
                """, Playlist.render(m));
    }

    @Test
    void aLivePlaylistStopsBeforeAFallbackSegmentAndAppendsItAndWhatFollowsOnceItIsCopiedBack() {
        Manifest.Segment inFallback = new Manifest.Segment(1, PREFIX + "seg_000001.ts", 6.0, 1000, false, false,
                false, null, "AAAAAA==", Manifest.Segment.FALLBACK);
        Manifest m = start().withSegment(seg(0, 6.0, false)).withSegment(inFallback).withSegment(seg(2, 6.0, false));
        String waiting = Playlist.render(m);
        assertEquals(false, waiting.contains("seg_000001.ts") || waiting.contains("seg_000002.ts"),
                "2 waits behind 1, which is not beside the playlist: " + waiting);
        String json = new String(m.toJson(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(1, json.split("\"store\" : \"fallback\"", -1).length - 1, json);
        assertEquals(m, Manifest.fromJson(m.toJson()), "the store survives a round trip");

        Manifest back = m.movedToPrimary(1);
        assertEquals(List.of(false, false, false), back.segments().stream().map(Manifest.Segment::inFallback).toList());
        String played = Playlist.render(back);
        assertEquals(true, played.startsWith(waiting), "the live playlist only appends:\n" + waiting + "\n" + played);
        assertEquals(true, played.endsWith("seg_000000.ts\n#EXTINF:6.000,\nseg_000001.ts\n#EXTINF:6.000,\nseg_000002.ts\n"),
                played);
        assertEquals(List.of(), HlsSpec.violations(played, false));
        assertEquals(back, back.movedToPrimary(1), "a segment in the primary stays there");
    }

    @Test
    void aFinishedPlaylistListsEveryPrimarySegmentAndASegmentLeftInTheFallbackIsAMissingNumber() {
        Manifest.Segment inFallback = new Manifest.Segment(1, PREFIX + "seg_000001.ts", 6.0, 1000, false, false,
                false, null, "AAAAAA==", Manifest.Segment.FALLBACK);
        Manifest m = start().withSegment(seg(0, 6.0, false)).withSegment(inFallback).withSegment(seg(2, 6.0, false))
                .ended("stopped");
        String playlist = Playlist.render(m);
        assertEquals(false, playlist.contains("seg_000001.ts"), playlist);
        assertEquals(true, playlist.contains("seg_000000.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:6.000,\nseg_000002.ts"),
                playlist);
        assertEquals(List.of(), HlsSpec.violations(playlist, true));
    }

    @Test
    void gapsResumesAndMissingNumbersAreDiscontinuities() {
        Manifest m = start().withSegment(seg(3, 6, false)).withSegment(seg(4, 6, true)) // after a media gap
                .withSegment(seg(6, 6, false)) // 5 was lost
                .withSegment(seg(7, 6, false));
        assertEquals("""
                #EXTM3U
                #EXT-X-VERSION:3
                #EXT-X-INDEPENDENT-SEGMENTS
                #EXT-X-PLAYLIST-TYPE:EVENT
                #EXT-X-TARGETDURATION:6
                #EXT-X-MEDIA-SEQUENCE:3
                #EXTINF:6.000,
                seg_000003.ts
                #EXT-X-DISCONTINUITY
                #EXTINF:6.000,
                seg_000004.ts
                #EXT-X-DISCONTINUITY
                #EXTINF:6.000,
                seg_000006.ts
                #EXTINF:6.000,
                seg_000007.ts
                """, Playlist.render(m));
    }

    /** Each segment's wall clock, fresh after a discontinuity; a segment whose wall clock is unknown has none. */
    @Test
    void programDateTimesPrecedeTheirSegmentsAfterAnyDiscontinuity() {
        Instant t0 = Instant.parse("2026-12-06T00:00:00.0409Z");
        Manifest m = start()
                .withSegment(new Manifest.Segment(0, PREFIX + "seg_000000.ts", 6, 1000, false, false, false, t0, null))
                .withSegment(new Manifest.Segment(1, PREFIX + "seg_000001.ts", 6, 1000, false, true, false, null, null))
                .withSegment(new Manifest.Segment(2, PREFIX + "seg_000002.ts", 6, 1000, true, false, false,
                        Instant.parse("2026-12-06T01:00:07.5Z"), null))
                .ended("stopped");
        String playlist = Playlist.render(m);
        assertEquals("""
                #EXTM3U
                #EXT-X-VERSION:3
                #EXT-X-INDEPENDENT-SEGMENTS
                #EXT-X-PLAYLIST-TYPE:EVENT
                #EXT-X-TARGETDURATION:6
                #EXT-X-MEDIA-SEQUENCE:0
                #EXT-X-PROGRAM-DATE-TIME:2026-12-06T00:00:00.040Z
                #EXTINF:6.000,
                seg_000000.ts
                #EXTINF:6.000,
                seg_000001.ts
                #EXT-X-DISCONTINUITY
                #EXT-X-PROGRAM-DATE-TIME:2026-12-06T01:00:07.500Z
                #EXTINF:6.000,
                seg_000002.ts
                #EXT-X-ENDLIST
                """, playlist);
        assertEquals(List.of(), HlsSpec.violations(playlist, true));
    }

    @Test
    void theTargetDurationCoversTheLongestSegment() {
        Manifest m = start().withSegment(seg(0, 7.6, false)).withSegment(seg(1, 6.0, false));
        assertEquals(true, Playlist.render(m).contains("#EXT-X-TARGETDURATION:8\n"));
        // 6.4 rounds to 6: still within a target of 6.
        assertEquals(true, Playlist.render(start().withSegment(seg(0, 6.4, false))).contains("#EXT-X-TARGETDURATION:6\n"));
    }
}
