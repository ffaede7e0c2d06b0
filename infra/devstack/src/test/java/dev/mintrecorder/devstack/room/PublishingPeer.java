package dev.mintrecorder.devstack.room;

import dev.mintrecorder.devstack.media.FramePattern;
import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.media.audio.AudioDeviceModule;
import dev.onvoid.webrtc.media.audio.AudioLayer;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.CustomAudioSource;
import dev.onvoid.webrtc.media.video.CustomVideoSource;
import dev.onvoid.webrtc.media.video.NativeI420Buffer;
import dev.onvoid.webrtc.media.video.VideoFrame;
import dev.onvoid.webrtc.media.video.VideoTrack;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import livekit.LivekitRtc;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;

/**
 * An external publisher for tests, publishing the way LiveKit clients do over v0: AddTrackRequest per track (cid =
 * the local track id), then its own offer on the publisher connection, trickle with target PUBLISHER. It sends the
 * frame-numbered pattern at 320×240/15 fps and 10 ms of silence-free tone-less audio. The sending factory uses
 * {@code AudioDeviceModule(kDummyAudio)} (docs/design.md, "webrtc-java").
 */
final class PublishingPeer implements AutoCloseable {
    static final int WIDTH = 320;
    static final int HEIGHT = 240;

    final AtomicReference<RTCPeerConnectionState> state = new AtomicReference<>(RTCPeerConnectionState.NEW);
    private final ExecutorService signalThread = Executors.newSingleThreadExecutor();
    private final ScheduledExecutorService pusher = Executors.newSingleThreadScheduledExecutor();
    private final AudioDeviceModule adm = new AudioDeviceModule(AudioLayer.kDummyAudio);
    private final PeerConnectionFactory factory = new PeerConnectionFactory(adm);
    private final CustomVideoSource videoSource = new CustomVideoSource();
    private final CustomAudioSource audioSource = new CustomAudioSource();
    private final VideoTrack video = factory.createVideoTrack("cam-1", videoSource);
    private final AudioTrack audio = factory.createAudioTrack("mic-1", audioSource);
    private final RTCPeerConnection pc;
    /** LiveKit clients answer the server's subscriber offer even when they only publish; unanswered, it forces a reconnect. */
    private final RTCPeerConnection subscriberPc;
    /**
     * The signal client, once {@link #attach}ed (a later attach, after a reconnect, replaces it). The server may speak
     * first (the subscriber offer right after join) before connect returns and attach runs, so the signal thread
     * waits for the first.
     */
    private volatile CompletableFuture<SignalTestClient> client = new CompletableFuture<>();
    private long frameNumber;
    private int published;

    PublishingPeer() {
        pc = factory.createPeerConnection(new RTCConfiguration(), new PeerConnectionObserver() {
            @Override
            public void onIceCandidate(RTCIceCandidate candidate) {
                String init = PeerSteps.candidateInit(candidate);
                signalThread.execute(() -> client.join().send(SignalRequest.newBuilder().setTrickle(LivekitRtc.TrickleRequest
                        .newBuilder().setCandidateInit(init).setTarget(LivekitRtc.SignalTarget.PUBLISHER)).build()));
            }

            @Override
            public void onConnectionChange(RTCPeerConnectionState newState) {
                state.set(newState);
            }
        });
        subscriberPc = factory.createPeerConnection(new RTCConfiguration(), new PeerConnectionObserver() {
            @Override
            public void onIceCandidate(RTCIceCandidate candidate) {
                String init = PeerSteps.candidateInit(candidate);
                signalThread.execute(() -> client.join().send(SignalRequest.newBuilder().setTrickle(LivekitRtc.TrickleRequest
                        .newBuilder().setCandidateInit(init).setTarget(LivekitRtc.SignalTarget.SUBSCRIBER)).build()));
            }
        });
        pc.addTrack(video, List.of("stream-1"));
        pc.addTrack(audio, List.of("stream-1"));
        pusher.scheduleAtFixedRate(this::pushFrame, 0, 1000 / 15, TimeUnit.MILLISECONDS);
        byte[] chunk = new byte[480 * 2];
        for (int i = 0; i < 480; i++) {
            short sample = (short) (Math.sin(2 * Math.PI * 440 * i / 48_000.0) * 8000);
            chunk[2 * i] = (byte) sample;
            chunk[2 * i + 1] = (byte) (sample >> 8);
        }
        pusher.scheduleAtFixedRate(() -> audioSource.pushAudio(chunk, 16, 48_000, 1, 480), 0, 10, TimeUnit.MILLISECONDS);
    }

    private void pushFrame() {
        NativeI420Buffer buffer = NativeI420Buffer.allocate(WIDTH, HEIGHT);
        FramePattern.encode(frameNumber++, buffer.getDataY(), buffer.getStrideY(), WIDTH, HEIGHT);
        grey(buffer.getDataU(), buffer.getStrideU() * HEIGHT / 2);
        grey(buffer.getDataV(), buffer.getStrideV() * HEIGHT / 2);
        VideoFrame frame = new VideoFrame(buffer, System.nanoTime());
        try {
            videoSource.pushFrame(frame);
        } finally {
            frame.release();
        }
    }

    private static void grey(ByteBuffer plane, int length) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) 128);
        plane.put(0, bytes);
    }

    void attach(SignalTestClient signalClient) {
        if (!client.complete(signalClient)) {
            client = CompletableFuture.completedFuture(signalClient);
        }
    }

    void onSignal(SignalResponse response) {
        signalThread.execute(() -> handle(response));
    }

    /**
     * Announces both tracks, the camera with two layers (as a simulcast publisher would; it sends only the top one),
     * then offers once the server has published them.
     */
    void publish() {
        publish(null);
    }

    /** As {@link #publish()}, the camera asking for {@code codec} ({@code simulcast_codecs}, as livekit-client does). */
    void publish(String codec) {
        signalThread.execute(() -> {
            LivekitRtc.AddTrackRequest.Builder camera = LivekitRtc.AddTrackRequest.newBuilder();
            if (codec != null) {
                camera.addSimulcastCodecs(LivekitRtc.SimulcastCodec.newBuilder().setCodec(codec).setCid("cam-1"));
            }
            client.join().send(SignalRequest.newBuilder().setAddTrack(camera.setCid("cam-1")
                    .setName("camera").setType(livekit.LivekitModels.TrackType.VIDEO)
                    .setSource(livekit.LivekitModels.TrackSource.CAMERA).setWidth(WIDTH).setHeight(HEIGHT)
                    .addLayers(livekit.LivekitModels.VideoLayer.newBuilder().setQuality(livekit.LivekitModels.VideoQuality.MEDIUM)
                            .setWidth(WIDTH).setHeight(HEIGHT))
                    .addLayers(livekit.LivekitModels.VideoLayer.newBuilder().setQuality(livekit.LivekitModels.VideoQuality.LOW)
                            .setWidth(WIDTH / 2).setHeight(HEIGHT / 2))).build());
            client.join().send(SignalRequest.newBuilder().setAddTrack(LivekitRtc.AddTrackRequest.newBuilder().setCid("mic-1")
                    .setName("microphone").setType(livekit.LivekitModels.TrackType.AUDIO)
                    .setSource(livekit.LivekitModels.TrackSource.MICROPHONE)).build());
        });
    }

    private void handle(SignalResponse response) {
        switch (response.getMessageCase()) {
            case TRACK_PUBLISHED -> {
                if (++published == 2) {
                    RTCSessionDescription offer = PeerSteps.offer(pc);
                    client.join().send(SignalRequest.newBuilder().setOffer(LivekitRtc.SessionDescription.newBuilder()
                            .setType("offer").setSdp(offer.sdp).setId(1)).build());
                }
            }
            case ANSWER -> PeerSteps.setRemote(pc, RTCSdpType.ANSWER, response.getAnswer().getSdp());
            case OFFER -> {
                PeerSteps.setRemote(subscriberPc, RTCSdpType.OFFER, response.getOffer().getSdp());
                RTCSessionDescription answer = PeerSteps.answer(subscriberPc);
                client.join().send(SignalRequest.newBuilder().setAnswer(LivekitRtc.SessionDescription.newBuilder()
                        .setType("answer").setSdp(answer.sdp).setId(response.getOffer().getId())).build());
            }
            case TRICKLE -> PeerSteps.addCandidate(
                    response.getTrickle().getTarget() == LivekitRtc.SignalTarget.PUBLISHER ? pc : subscriberPc,
                    response.getTrickle());
            default -> {
            }
        }
    }

    /** Stop pushing, close the connection, then dispose sources, factory and ADM (docs/design.md, "webrtc-java"). */
    @Override
    public void close() {
        pusher.shutdownNow();
        client.cancel(false); // a signal thread still waiting for attach gives up
        signalThread.shutdown();
        try {
            pusher.awaitTermination(5, TimeUnit.SECONDS);
            signalThread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        subscriberPc.close();
        pc.close();
        videoSource.dispose();
        audioSource.dispose();
        factory.dispose();
        adm.dispose();
    }
}
