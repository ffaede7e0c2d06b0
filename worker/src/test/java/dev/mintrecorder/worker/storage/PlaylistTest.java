package dev.mintrecorder.worker.storage;

import org.junit.jupiter.api.Test;

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
    void gapsResumesAndMissingNumbersAreDiscontinuities() {
        Manifest m = start().withSegment(seg(3, 6, false)).withSegment(seg(4, 6, true)) // after a media gap
                .withSegment(seg(6, 6, false)) // 5 was lost
                .withSegment(seg(7, 6, false));
        assertEquals("""
                #EXTM3U
                #EXT-X-VERSION:3
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

    @Test
    void theTargetDurationCoversTheLongestSegment() {
        Manifest m = start().withSegment(seg(0, 7.6, false)).withSegment(seg(1, 6.0, false));
        assertEquals(true, Playlist.render(m).contains("#EXT-X-TARGETDURATION:8\n"));
        // 6.4 rounds to 6: still within a target of 6.
        assertEquals(true, Playlist.render(start().withSegment(seg(0, 6.4, false))).contains("#EXT-X-TARGETDURATION:6\n"));
    }
}
