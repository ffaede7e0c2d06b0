package dev.mintrecorder.worker.storage;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checker passes what {@link Playlist} renders and catches each rule's violation. */
class HlsSpecTest {
    private static final Instant T0 = Instant.parse("2026-12-06T00:00:00Z");

    private static Manifest.Segment seg(long seq, double duration, boolean discontinuity, Instant pdt) {
        return new Manifest.Segment(seq, "recordings/m/j/seg_%06d.ts".formatted(seq), duration, 1000, discontinuity,
                false, false, pdt, null);
    }

    /** Two runs (a gap before 2), a salvaged segment without a wall clock (1), ended. */
    private static String valid() {
        return Playlist.render(Manifest.start("m", "j", 6)
                .withSegment(seg(0, 6.0, false, T0))
                .withSegment(seg(1, 4.5, false, null))
                .withSegment(seg(2, 6.0, true, T0.plusSeconds(20)))
                .withSegment(seg(3, 5.5, false, T0.plusSeconds(26)))
                .ended("stopped"));
    }

    private static void assertCaught(String playlist, boolean terminal, String expected) {
        List<String> v = HlsSpec.violations(playlist, terminal);
        assertTrue(v.stream().anyMatch(s -> s.contains(expected)), "expected '" + expected + "' in " + v + "\n" + playlist);
    }

    @Test
    void whatPlaylistRendersConforms() {
        assertEquals(List.of(), HlsSpec.violations(valid(), true), valid());
        String open = valid().replace("#EXT-X-ENDLIST\n", "");
        assertEquals(List.of(), HlsSpec.violations(open, false), open);
        assertEquals(List.of(), HlsSpec.violations(Playlist.render(Manifest.start("m", "j", 6)), false));
    }

    @Test
    void catchesATargetDurationBelowARoundedExtinf() {
        assertCaught(valid().replace("#EXTINF:5.500,", "#EXTINF:6.500,"), true, "above #EXT-X-TARGETDURATION 6");
        assertCaught(valid().replace("#EXT-X-TARGETDURATION:6\n", ""), true, "no #EXT-X-TARGETDURATION");
        assertTrue(HlsSpec.violations(valid().replace("#EXTINF:5.500,", "#EXTINF:6.499,"), true).isEmpty(),
                "6.499 rounds to 6");
    }

    @Test
    void catchesMediaSequenceMistakes() {
        assertCaught(valid().replace("#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-MEDIA-SEQUENCE:1"), true,
                "the first segment is number 0 but the media sequence is 1");
        assertCaught(valid().replace("#EXT-X-MEDIA-SEQUENCE:0\n", "").replace("seg_000001.ts\n",
                "seg_000001.ts\n#EXT-X-MEDIA-SEQUENCE:0\n"), true, "#EXT-X-MEDIA-SEQUENCE after the first segment");
        assertCaught(valid().replace("#EXT-X-VERSION:3\n", "#EXT-X-VERSION:3\n#EXT-X-VERSION:3\n"), true,
                "appears more than once");
    }

    @Test
    void catchesMisplacedDiscontinuities() {
        assertCaught(valid().replace("seg_000003.ts", "seg_000004.ts"), true,
                "segment 4 follows 2 without #EXT-X-DISCONTINUITY");
        // Without its discontinuity, the second run's clock is a jump inside the first.
        assertCaught(valid().replace("#EXT-X-DISCONTINUITY\n", ""), true, "off by 9500 ms");
        assertCaught(valid().replace("#EXT-X-MEDIA-SEQUENCE:0\n", "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-DISCONTINUITY\n"),
                true, "#EXT-X-DISCONTINUITY before the first segment");
        assertCaught(valid().replace("#EXT-X-DISCONTINUITY\n", "#EXT-X-DISCONTINUITY\n#EXT-X-DISCONTINUITY\n"), true,
                "a second #EXT-X-DISCONTINUITY");
        assertCaught(valid().replace("#EXT-X-ENDLIST\n", "#EXT-X-DISCONTINUITY\n"), false,
                "no segment after them");
    }

    @Test
    void catchesProgramDateTimesThatAreNotMonotonicWithinARun() {
        String pdt3 = "#EXT-X-PROGRAM-DATE-TIME:2026-12-06T00:00:26.000Z";
        assertTrue(valid().contains(pdt3), valid());
        assertCaught(valid().replace(pdt3, "#EXT-X-PROGRAM-DATE-TIME:2026-12-06T00:00:19.000Z"), true,
                "not after the previous segment's");
        assertCaught(valid().replace(pdt3, "#EXT-X-PROGRAM-DATE-TIME:2026-12-06T00:00:27.000Z"), true,
                "off by 1000 ms");
        assertCaught(valid().replace("#EXT-X-PROGRAM-DATE-TIME:2026-12-06T00:00:20.000Z\n", ""), true,
                "the first segment of a discontinuity run has no #EXT-X-PROGRAM-DATE-TIME");
        assertCaught(valid().replace(pdt3, "#EXT-X-PROGRAM-DATE-TIME:yesterday"), true, "not an ISO 8601 date-time");
        // Across a discontinuity the clock may start anywhere, even earlier.
        assertTrue(HlsSpec.violations(valid().replace("2026-12-06T00:00:20.000Z", "2026-12-05T23:00:00.000Z")
                .replace("2026-12-06T00:00:26.000Z", "2026-12-05T23:00:06.000Z"), true).isEmpty());
    }

    @Test
    void catchesAMissingOrMisplacedEndlist() {
        assertCaught(valid().replace("#EXT-X-ENDLIST\n", ""), true, "has no #EXT-X-ENDLIST");
        assertCaught(valid(), false, "#EXT-X-ENDLIST on a recording that has not ended");
        assertCaught(valid() + "#EXTINF:1.000,\nseg_000004.ts\n", true, "after #EXT-X-ENDLIST");
    }

    @Test
    void catchesAVersionBelowWhatTheTagsNeed() {
        assertCaught(valid().replace("#EXT-X-VERSION:3", "#EXT-X-VERSION:2"), true,
                "#EXT-X-VERSION 2 but the tags used need 3");
        assertCaught(valid().replace("#EXT-X-VERSION:3\n", ""), true, "#EXT-X-VERSION 1 but the tags used need 3");
        assertCaught(valid().replace("#EXT-X-MEDIA-SEQUENCE:0\n", "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-MAP:URI=\"i.mp4\"\n"),
                true, "#EXT-X-VERSION 3 but the tags used need 6");
    }

    @Test
    void independentSegmentsOnlyWhereEverySegmentStartsWithAnIdrFrame() {
        byte[] idr = ts(0x65);
        byte[] nonIdr = ts(0x41);
        assertTrue(HlsSpec.startsWithIdr(idr));
        assertFalse(HlsSpec.startsWithIdr(nonIdr));
        Map<String, byte[]> allIdr = Map.of("seg_000000.ts", idr, "seg_000001.ts", idr, "seg_000002.ts", idr,
                "seg_000003.ts", idr);
        assertEquals(List.of(), HlsSpec.violations(valid(), true, uri -> Optional.ofNullable(allIdr.get(uri))));
        assertTrue(HlsSpec.violations(valid(), true, uri -> Optional.of(uri.equals("seg_000002.ts") ? nonIdr : idr))
                .stream().anyMatch(s -> s.contains("seg_000002.ts") && s.contains("does not start with an IDR")));
        List<String> missing = HlsSpec.violations(valid().replace("#EXT-X-INDEPENDENT-SEGMENTS\n", ""), true,
                uri -> Optional.of(idr));
        assertEquals(List.of("every segment starts with an IDR frame but #EXT-X-INDEPENDENT-SEGMENTS is missing"),
                missing);
    }

    /** A minimal MPEG-TS segment: PAT, a PMT naming H.264 on PID 0x100, one PES with AUD, SPS and a slice NAL. */
    private static byte[] ts(int sliceNalHeader) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // PAT: program 1 -> PMT PID 0x1000.
        packet(out, 0, new int[] {0, 0x00, 0xb0, 0x0d, 0, 1, 0xc1, 0, 0, 0, 1, 0xf0, 0x00, 0, 0, 0, 0});
        // PMT: PCR PID 0x100, stream type 0x1b on PID 0x100.
        packet(out, 0x1000, new int[] {0, 0x02, 0xb0, 0x12, 0, 1, 0xc1, 0, 0, 0xe1, 0x00, 0xf0, 0x00,
                0x1b, 0xe1, 0x00, 0xf0, 0x00, 0, 0, 0, 0});
        packet(out, 0x100, new int[] {0, 0, 1, 0xe0, 0, 0, 0x80, 0x80, 5, 0x21, 0, 1, 0, 1,
                0, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1, 0x67, 0x42, 0, 0, 1, sliceNalHeader, 0x88, 0x84});
        return out.toByteArray();
    }

    private static void packet(ByteArrayOutputStream out, int pid, int[] payload) {
        byte[] p = new byte[188];
        java.util.Arrays.fill(p, (byte) 0xff);
        p[0] = 0x47;
        p[1] = (byte) (0x40 | (pid >> 8));
        p[2] = (byte) pid;
        p[3] = 0x10;
        for (int i = 0; i < payload.length; i++) {
            p[4 + i] = (byte) payload[i];
        }
        out.writeBytes(p);
    }
}
