package dev.mintrecorder.devstack.room;

import dev.mintrecorder.devstack.media.FramePattern;
import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtpTransceiver;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.media.MediaStreamTrack;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.AudioTrackSink;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;
import dev.onvoid.webrtc.media.video.I420Buffer;
import dev.onvoid.webrtc.media.video.VideoFrame;
import dev.onvoid.webrtc.media.video.VideoTrack;
import dev.onvoid.webrtc.media.video.VideoTrackSink;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import livekit.LivekitRtc;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;

/**
 * A receiving subscriber peer for tests, built in the order docs/design.md ("webrtc-java") gives: headless ADM,
 * factory, then playout. It answers the server's subscriber offers, trickles its candidates, and counts what arrives.
 * Every frame is released in the sink.
 */
final class ReceivingPeer implements AutoCloseable {
    final AtomicInteger videoFrames = new AtomicInteger();
    final AtomicInteger undecodable = new AtomicInteger();
    final AtomicInteger outOfOrder = new AtomicInteger();
    final AtomicLong lastNumber = new AtomicLong(-1);
    final AtomicInteger lastWidth = new AtomicInteger();
    final AtomicInteger lastHeight = new AtomicInteger();
    final AtomicInteger audioCallbacks = new AtomicInteger();
    final AtomicInteger tracks = new AtomicInteger();
    final AtomicReference<RTCPeerConnectionState> state = new AtomicReference<>(RTCPeerConnectionState.NEW);

    private final ExecutorService signalThread = Executors.newSingleThreadExecutor();
    private final HeadlessAudioDeviceModule adm;
    private final PeerConnectionFactory factory;
    private final RTCPeerConnection pc;
    private final List<MediaStreamTrack> remoteTracks = new ArrayList<>();
    /**
     * The signal client, once {@link #attach}ed (a later attach, after a reconnect, replaces it). The server may speak
     * first (the subscriber offer right after join) before connect returns and attach runs, so the signal thread
     * waits for the first.
     */
    private volatile CompletableFuture<SignalTestClient> client = new CompletableFuture<>();

    private final VideoTrackSink videoSink = frame -> {
        try {
            I420Buffer i420 = frame.buffer.toI420();
            try {
                lastWidth.set(i420.getWidth());
                lastHeight.set(i420.getHeight());
                OptionalLong number = FramePattern.decode(i420.getDataY(), i420.getStrideY(), i420.getWidth(), i420.getHeight());
                if (number.isEmpty()) {
                    undecodable.incrementAndGet();
                } else if (lastNumber.getAndSet(number.getAsLong()) >= number.getAsLong()) {
                    outOfOrder.incrementAndGet();
                }
            } finally {
                // toI420() returns the buffer itself when it already is I420: release a conversion only.
                if (i420 != frame.buffer) {
                    i420.release();
                }
            }
            videoFrames.incrementAndGet();
        } finally {
            frame.release();
        }
    };
    private final AudioTrackSink audioSink = (data, bitsPerSample, sampleRate, channels, frames) -> audioCallbacks.incrementAndGet();

    ReceivingPeer() {
        adm = new HeadlessAudioDeviceModule();
        factory = new PeerConnectionFactory(adm);
        adm.initPlayout();
        adm.startPlayout();
        pc = factory.createPeerConnection(new RTCConfiguration(), new PeerConnectionObserver() {
            @Override
            public void onIceCandidate(RTCIceCandidate candidate) {
                String init = PeerSteps.candidateInit(candidate);
                signalThread.execute(() -> client.join().send(SignalRequest.newBuilder().setTrickle(LivekitRtc.TrickleRequest
                        .newBuilder().setCandidateInit(init).setTarget(LivekitRtc.SignalTarget.SUBSCRIBER)).build()));
            }

            @Override
            public void onConnectionChange(RTCPeerConnectionState newState) {
                state.set(newState);
            }

            @Override
            public void onTrack(RTCRtpTransceiver transceiver) {
                MediaStreamTrack track = transceiver.getReceiver().getTrack();
                tracks.incrementAndGet();
                synchronized (remoteTracks) {
                    remoteTracks.add(track);
                }
                if (track instanceof VideoTrack video) {
                    video.addSink(videoSink);
                } else if (track instanceof AudioTrack audio) {
                    audio.addSink(audioSink);
                }
            }
        });
    }

    /** The handler to pass to {@link SignalTestClient#connect}; work runs on this peer's signal thread. */
    void onSignal(SignalResponse response) {
        signalThread.execute(() -> handle(response));
    }

    void attach(SignalTestClient signalClient) {
        if (!client.complete(signalClient)) {
            client = CompletableFuture.completedFuture(signalClient);
        }
    }

    private void handle(SignalResponse response) {
        switch (response.getMessageCase()) {
            case OFFER -> {
                LivekitRtc.SessionDescription offer = response.getOffer();
                PeerSteps.setRemote(pc, RTCSdpType.OFFER, offer.getSdp());
                RTCSessionDescription local = PeerSteps.answer(pc);
                client.join().send(SignalRequest.newBuilder().setAnswer(LivekitRtc.SessionDescription.newBuilder()
                        .setType("answer").setSdp(local.sdp).setId(offer.getId())).build());
            }
            case TRICKLE -> PeerSteps.addCandidate(pc, response.getTrickle());
            default -> {
            }
        }
    }

    /**
     * The clean teardown order (docs/design.md, "webrtc-java"): remove sinks, close the connection, stop playout,
     * dispose the factory, then the ADM.
     */
    @Override
    public void close() {
        client.cancel(false); // a signal thread still waiting for attach gives up
        signalThread.shutdown();
        try {
            signalThread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (remoteTracks) {
            for (MediaStreamTrack track : remoteTracks) {
                if (track instanceof VideoTrack video) {
                    video.removeSink(videoSink);
                } else if (track instanceof AudioTrack audio) {
                    audio.removeSink(audioSink);
                }
            }
        }
        pc.close();
        adm.stopPlayout();
        factory.dispose();
        adm.dispose();
    }
}
