package dev.mintrecorder.devstack.room;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import livekit.LivekitRtc;

/** Blocking offer/answer steps and candidateInit JSON for the test peers (callbacks complete on libwebrtc threads). */
final class PeerSteps {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PeerSteps() {
    }

    static void setRemote(RTCPeerConnection pc, RTCSdpType type, String sdp) {
        run(done -> pc.setRemoteDescription(new RTCSessionDescription(type, sdp), observer(done)));
    }

    static RTCSessionDescription answer(RTCPeerConnection pc) {
        CompletableFuture<RTCSessionDescription> created = new CompletableFuture<>();
        pc.createAnswer(new RTCAnswerOptions(), creator(created));
        return setLocal(pc, get(created));
    }

    static RTCSessionDescription offer(RTCPeerConnection pc) {
        CompletableFuture<RTCSessionDescription> created = new CompletableFuture<>();
        pc.createOffer(new RTCOfferOptions(), creator(created));
        return setLocal(pc, get(created));
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
        run(done -> pc.setLocalDescription(description, observer(done)));
        return description;
    }

    private static CreateSessionDescriptionObserver creator(CompletableFuture<RTCSessionDescription> created) {
        return new CreateSessionDescriptionObserver() {
            @Override
            public void onSuccess(RTCSessionDescription description) {
                created.complete(description);
            }

            @Override
            public void onFailure(String error) {
                created.completeExceptionally(new IllegalStateException(error));
            }
        };
    }

    private static void run(Consumer<CompletableFuture<Void>> step) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        step.accept(done);
        get(done);
    }

    private static <T> T get(CompletableFuture<T> future) {
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static SetSessionDescriptionObserver observer(CompletableFuture<Void> done) {
        return new SetSessionDescriptionObserver() {
            @Override
            public void onSuccess() {
                done.complete(null);
            }

            @Override
            public void onFailure(String error) {
                done.completeExceptionally(new IllegalStateException(error));
            }
        };
    }
}
