package dev.mintrecorder.webrtc;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class H264ProfilesTest {
    /** What OBS (WHIP) or a mobile encoder offers through an SFU: High and Constrained High, plus VP8 and rtx. */
    private static final String OFFER = String.join("\r\n",
            "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104", "a=mid:1",
            "a=rtpmap:96 VP8/90000",
            "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96",
            "a=rtpmap:102 H264/90000",
            "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640C1F",
            "a=rtpmap:103 rtx/90000", "a=fmtp:103 apt=102",
            "a=rtpmap:104 H264/90000",
            "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", "");

    @Test
    void readsTheProfileOfEachH264FormatOnly() {
        assertEquals(Map.of(102, "640c1f", 104, "42e01f"), H264Profiles.of(OFFER));
    }

    @Test
    void highIsAppliedAsConstrainedBaselineAndAnsweredAsOffered() {
        Map<Integer, String> offered = H264Profiles.of(OFFER);
        Map<Integer, String> decodable = H264Profiles.decodable(offered);
        assertEquals(Map.of(102, "42e01f"), decodable, "only High is rewritten, at its own level");
        String applied = H264Profiles.replace(OFFER, decodable);
        assertEquals(Map.of(102, "42e01f", 104, "42e01f"), H264Profiles.of(applied));
        assertTrue(applied.contains("a=fmtp:97 apt=96"), "other formats untouched");
        assertEquals(Map.of(102, "640c1f"), H264Profiles.high(offered));
        String answered = H264Profiles.replace(applied, H264Profiles.high(offered));
        assertEquals(OFFER.replace("640C1F", "640c1f"), answered);
    }

    @Test
    void highIsProfileIdc100ConstrainedOrNot() {
        assertTrue(H264Profiles.isHigh("640c1f"));
        assertTrue(H264Profiles.isHigh("64001F"));
        assertFalse(H264Profiles.isHigh("42e01f"));
        assertFalse(H264Profiles.isHigh("4d001f"));
        assertFalse(H264Profiles.isHigh("f4001f"), "High 4:4:4 Predictive is listed by the factory already");
        assertEquals("42e028", H264Profiles.constrainedBaseline("640028"));
    }
}
