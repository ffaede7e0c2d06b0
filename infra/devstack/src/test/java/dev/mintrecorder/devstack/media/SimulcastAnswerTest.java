package dev.mintrecorder.devstack.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The SDPs are real: Chromium 156's offer for a camera with livekit-client's two encodings (rids q, h) and the answer
 * webrtc-java 0.14.0 made for it, with no {@code a=simulcast} and no {@code a=rid} (the relay's gap).
 */
class SimulcastAnswerTest {
    private static final String OFFER = resource("chromium-156-simulcast-offer.sdp").replace("\n", "\r\n");
    private static final String ANSWER = resource("webrtc-java-0.14.0-answer.sdp").replace("\n", "\r\n");

    @Test
    void webrtcJavaAnswersASimulcastOfferWithoutSimulcast() {
        assertTrue(OFFER.contains("a=simulcast:send q;h\r\n"));
        assertFalse(ANSWER.contains("a=simulcast"));
        assertFalse(ANSWER.contains("a=rid"));
    }

    @Test
    void theAnswerSentAcceptsOnlyTheTopLayer() {
        String sent = SimulcastAnswer.acceptTopLayer(OFFER, ANSWER);
        List<String> lines = List.of(sent.split("\r\n", -1));
        assertEquals(List.of("a=fmtp:96 x-google-start-bitrate=1000", "a=rid:h recv", "a=simulcast:recv h", ""),
                lines.subList(lines.size() - 4, lines.size()),
                "the video section (the last) ends with the start bitrate of VP8 (96, the first payload type, which "
                        + "had no fmtp) and the accepted rid, in CRLF like the rest");
        assertEquals(ANSWER, sent.replace("a=fmtp:96 x-google-start-bitrate=1000\r\na=rid:h recv\r\n"
                + "a=simulcast:recv h\r\n", ""), "nothing else changed");
    }

    @Test
    void anOfferWithoutSimulcastLeavesTheAnswerAlone() {
        String single = OFFER.replace("a=rid:q send\r\n", "").replace("a=rid:h send\r\n", "")
                .replace("a=simulcast:send q;h\r\n", "");
        assertEquals(ANSWER, SimulcastAnswer.acceptTopLayer(single, ANSWER));
    }

    @Test
    void onlyTheSimulcastSectionGetsRids() {
        String audio = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:1\r\na=sendonly\r\n";
        String offer = OFFER.replace("a=group:BUNDLE 0", "a=group:BUNDLE 0 1") + audio;
        String answer = ANSWER.replace("a=group:BUNDLE 0", "a=group:BUNDLE 0 1")
                + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:1\r\na=recvonly\r\n";
        String sent = SimulcastAnswer.acceptTopLayer(offer, answer);
        assertTrue(sent.contains("a=rid:h recv\r\na=simulcast:recv h\r\nm=audio"), sent);
        assertEquals(1, sent.split("x-google-start-bitrate", -1).length - 1, "hinted once, for video: " + sent);
        assertTrue(sent.endsWith("a=mid:1\r\na=recvonly\r\n"), sent);
    }

    @Test
    void anExistingFmtpOfTheFirstCodecGetsTheHint() {
        String h264First = ANSWER.replaceFirst("m=video 9 UDP/TLS/RTP/SAVPF 96 ", "m=video 9 UDP/TLS/RTP/SAVPF 102 96 ");
        String sent = SimulcastAnswer.acceptTopLayer(OFFER, h264First);
        String fmtp = ANSWER.lines().filter(l -> l.startsWith("a=fmtp:102 ")).findFirst().orElseThrow();
        assertTrue(sent.contains(fmtp + ";x-google-start-bitrate=1000\r\n"), sent);
        assertFalse(sent.contains("a=fmtp:96 x-google"), sent);
    }

    @Test
    void theTopRidIsLivekitsBestQualityElseTheLastListed() {
        assertEquals("f", SimulcastAnswer.topRid("q;h;f"));
        assertEquals("f", SimulcastAnswer.topRid("f;h;q"));
        assertEquals("h", SimulcastAnswer.topRid("q;~h"));
        assertEquals("q", SimulcastAnswer.topRid("q"));
        assertEquals("hi", SimulcastAnswer.topRid("lo;mid,alt;hi"));
    }

    private static String resource(String name) {
        try (InputStream in = SimulcastAnswerTest.class.getResourceAsStream("/sdp/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
