package dev.mintrecorder.webrtc;

import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;

import java.util.concurrent.CompletableFuture;

/**
 * The offer/answer steps of an {@link RTCPeerConnection} as futures. webrtc-java reports each step to an observer on
 * libwebrtc's signaling thread; each future completes there, with the description or with an
 * {@link IllegalStateException} that names the step and carries libwebrtc's error text.
 */
public final class Sdp {
    private Sdp() {
    }

    public static CompletableFuture<RTCSessionDescription> createOffer(RTCPeerConnection pc, RTCOfferOptions options) {
        CompletableFuture<RTCSessionDescription> created = new CompletableFuture<>();
        pc.createOffer(options, creating("createOffer", created));
        return created;
    }

    public static CompletableFuture<RTCSessionDescription> createAnswer(RTCPeerConnection pc,
                                                                        RTCAnswerOptions options) {
        CompletableFuture<RTCSessionDescription> created = new CompletableFuture<>();
        pc.createAnswer(options, creating("createAnswer", created));
        return created;
    }

    public static CompletableFuture<Void> setLocal(RTCPeerConnection pc, RTCSessionDescription description) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        pc.setLocalDescription(description, setting("setLocalDescription", done));
        return done;
    }

    public static CompletableFuture<Void> setRemote(RTCPeerConnection pc, RTCSessionDescription description) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        pc.setRemoteDescription(description, setting("setRemoteDescription", done));
        return done;
    }

    private static CreateSessionDescriptionObserver creating(String step,
                                                             CompletableFuture<RTCSessionDescription> created) {
        return new CreateSessionDescriptionObserver() {
            @Override
            public void onSuccess(RTCSessionDescription description) {
                created.complete(description);
            }

            @Override
            public void onFailure(String error) {
                created.completeExceptionally(new IllegalStateException(step + ": " + error));
            }
        };
    }

    private static SetSessionDescriptionObserver setting(String step, CompletableFuture<Void> done) {
        return new SetSessionDescriptionObserver() {
            @Override
            public void onSuccess() {
                done.complete(null);
            }

            @Override
            public void onFailure(String error) {
                done.completeExceptionally(new IllegalStateException(step + ": " + error));
            }
        };
    }
}
