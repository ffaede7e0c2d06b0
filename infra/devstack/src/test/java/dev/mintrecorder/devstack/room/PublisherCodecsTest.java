package dev.mintrecorder.devstack.room;

import livekit.LivekitRtc.AddTrackRequest;
import livekit.LivekitRtc.SimulcastCodec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PublisherCodecsTest {
    private static final String OFFER = String.join("\r\n",
            "v=0",
            "m=audio 9 UDP/TLS/RTP/SAVPF 111 63", "a=rtpmap:111 opus/48000/2",
            "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 45", "a=rtpmap:96 VP8/90000", "a=rtpmap:97 rtx/90000",
            "a=rtpmap:102 H264/90000", "a=rtpmap:103 rtx/90000", "a=rtpmap:45 AV1/90000", "");

    private static AddTrackRequest asking(String... codecs) {
        AddTrackRequest.Builder add = AddTrackRequest.newBuilder().setCid("cam");
        for (String codec : codecs) {
            add.addSimulcastCodecs(SimulcastCodec.newBuilder().setCodec(codec).setCid("cam"));
        }
        return add.build();
    }

    @Test
    void theTrackTakesTheFirstCodecAskedFor() {
        assertEquals("video/H264", PublisherCodecs.videoMime(asking("h264")));
        assertEquals("video/H264", PublisherCodecs.videoMime(asking("video/H264", "vp8")));
        assertEquals("video/VP8", PublisherCodecs.videoMime(asking("vp8", "h264")), "the primary codec, not a backup");
        assertEquals("video/VP8", PublisherCodecs.videoMime(asking()), "livekit-client's default");
        assertEquals("video/VP8", PublisherCodecs.videoMime(asking("av1")), "not re-encodable here: VP8 as before");
    }

    @Test
    void theRequestedCodecMovesToTheFrontOfEachVideoSection() {
        String reordered = PublisherCodecs.preferVideo(OFFER, "video/H264");
        assertEquals(OFFER.replace("SAVPF 96 97 102 103 45", "SAVPF 102 96 97 103 45"), reordered,
                "H.264 first, the rest in order; audio untouched");
        assertEquals(OFFER, PublisherCodecs.preferVideo(OFFER, "video/VP8"), "already first");
        assertEquals(OFFER, PublisherCodecs.preferVideo(OFFER, "video/VP9"), "not offered: unchanged");
    }
}
