package dev.mintrecorder.worker.room;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SubscriberPeerTest {
    /** The shape of a livekit-server subscriber offer: one section per down track, msid = participant|track. */
    private static final String OFFER = String.join("\r\n",
            "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0 1 2",
            "m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "a=mid:0",
            "m=video 9 UDP/TLS/RTP/SAVPF 96", "a=mid:1", "a=sendonly", "a=msid:PA_s|TR_v2 TR_v2",
            "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=mid:2", "a=inactive", "a=msid:- TR_a1",
            "m=video 9 UDP/TLS/RTP/SAVPF 96", "a=mid:10", "a=sendonly", "a=msid:PA_s|TR_v3 TR_v3",
            "a=msid:second TR_v3", "");

    @Test
    void streamIdsAreTheMsidStreamsOfTheTransceiversSection() {
        assertEquals(List.of("PA_s|TR_v2"), SubscriberPeer.streamIds(OFFER, "1"));
        assertEquals(List.of("PA_s|TR_v3", "second"), SubscriberPeer.streamIds(OFFER, "10"), "a=mid:1 is not a=mid:10");
        assertEquals(List.of(), SubscriberPeer.streamIds(OFFER, "2"), "msid - is no stream");
        assertEquals(List.of(), SubscriberPeer.streamIds(OFFER, "0"));
        assertEquals(List.of(), SubscriberPeer.streamIds(OFFER, "7"), "no such section");
    }
}
