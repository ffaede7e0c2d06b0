package dev.mintrecorder.devstack.room;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mintrecorder.webrtc.Sdp;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import livekit.LivekitRtc;

/** Blocking offer/answer steps and candidateInit JSON for the test peers (callbacks complete on libwebrtc threads). */
final class PeerSteps {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PeerSteps() {
    }

    static void setRemote(RTCPeerConnection pc, RTCSdpType type, String sdp) {
        get(Sdp.setRemote(pc, new RTCSessionDescription(type, sdp)));
    }

    static RTCSessionDescription answer(RTCPeerConnection pc) {
        return setLocal(pc, get(Sdp.createAnswer(pc, new RTCAnswerOptions())));
    }

    static RTCSessionDescription offer(RTCPeerConnection pc) {
        return setLocal(pc, get(Sdp.createOffer(pc, new RTCOfferOptions())));
    }

    static String candidateInit(RTCIceCandidate candidate) {
        return JSON.createObjectNode().put("candidate", candidate.sdp).put("sdpMid", candidate.sdpMid)
                .put("sdpMLineIndex", candidate.sdpMLineIndex).toString();
    }

    static void addCandidate(RTCPeerConnection pc, LivekitRtc.TrickleRequest trickle) {
        try {
            JsonNode init = JSON.readTree(trickle.getCandidateInit());
            pc.addIceCandidate(new RTCIceCandidate(init.path("sdpMid").asText(), init.path("sdpMLineIndex").asInt(),
                    init.path("candidate").asText()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RTCSessionDescription setLocal(RTCPeerConnection pc, RTCSessionDescription description) {
        get(Sdp.setLocal(pc, description));
        return description;
    }

    private static <T> T get(CompletableFuture<T> future) {
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
