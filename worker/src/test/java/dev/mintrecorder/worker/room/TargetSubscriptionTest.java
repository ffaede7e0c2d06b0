package dev.mintrecorder.worker.room;

import dev.mintrecorder.worker.room.TargetSubscription.Role;
import dev.mintrecorder.worker.room.TargetSubscription.Step;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitModels.TrackSource;
import livekit.LivekitModels.TrackType;
import livekit.LivekitModels.VideoLayer;
import livekit.LivekitModels.VideoQuality;
import livekit.LivekitRtc.UpdateTrackSettings;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetSubscriptionTest {
    private static final LayerCap CAP_720 = new LayerCap(720, 30);

    @SuppressWarnings("deprecation") // TrackInfo.layers, as livekit-server still fills it
    private static TrackInfo camera(String sid) {
        return TrackInfo.newBuilder().setSid(sid).setType(TrackType.VIDEO).setSource(TrackSource.CAMERA)
                .addLayers(VideoLayer.newBuilder().setHeight(180)).addLayers(VideoLayer.newBuilder().setHeight(360))
                .addLayers(VideoLayer.newBuilder().setHeight(720)).build();
    }

    private static TrackInfo microphone(String sid) {
        return TrackInfo.newBuilder().setSid(sid).setType(TrackType.AUDIO).setSource(TrackSource.MICROPHONE).build();
    }

    private static ParticipantInfo streamer(int version, TrackInfo... tracks) {
        return ParticipantInfo.newBuilder().setIdentity("streamer").setSid("PA_s").setVersion(version)
                .setState(ParticipantInfo.State.ACTIVE).addAllTracks(List.of(tracks)).build();
    }

    @Test
    void theTrackSidComesFromTheStreamIdAsClientSdkJsReadsIt() {
        assertEquals("TR_new", TargetSubscription.trackSid(List.of("PA_s|TR_new"), "TR_old"),
                "a reused transceiver's track keeps its first id; the stream id names the track");
        assertEquals("TR_x", TargetSubscription.trackSid(List.of(), "TR_x"), "no stream: the track id");
        assertEquals("TR_x", TargetSubscription.trackSid(List.of("PA_s|mystream"), "TR_x"),
                "a stream id that does not name a track (sync streams): the track id");
        assertEquals("TR_x", TargetSubscription.trackSid(List.of("plain"), "TR_x"));
        assertEquals("TR_a|b", TargetSubscription.trackSid(List.of("PA_s|TR_a|b"), "TR_x"), "split at the first bar");
    }

    @Test
    void subscribesToTheTargetsCameraAndMicrophoneOnce() {
        TargetSubscription sub = new TargetSubscription("streamer", "recorder", CAP_720);
        List<Step> steps = sub.apply(List.of(streamer(1, camera("TR_v1"), microphone("TR_a1"))));
        assertEquals(new Step.Subscribe(Set.of("TR_v1", "TR_a1")), steps.getLast());
        assertEquals("TR_v1", sub.videoSid());
        assertEquals("TR_a1", sub.audioSid());
        assertEquals("camera", sub.describe("TR_v1"));
        assertEquals("microphone", sub.describe("TR_a1"));
        assertEquals(List.of(), sub.apply(List.of(streamer(2, camera("TR_v1"), microphone("TR_a1")))),
                "nothing new: nothing to do");
    }

    @Test
    void republishingTwiceMovesTheSubscriptionAndTheRolesToTheNewTracksEachTime() {
        TargetSubscription sub = new TargetSubscription("streamer", "recorder", CAP_720);
        sub.apply(List.of(streamer(1, camera("TR_v1"), microphone("TR_a1"))));
        int version = 1;
        String oldVideo = "TR_v1";
        String oldAudio = "TR_a1";
        for (int n = 2; n <= 3; n++) {
            String video = "TR_v" + n;
            String audio = "TR_a" + n;
            assertEquals(List.of(new Step.MicrophoneGone(oldAudio),
                            new Step.CameraGone(oldVideo, "streamer", "unpublished its camera")),
                    sub.apply(List.of(streamer(++version))));
            List<Step> steps = sub.apply(List.of(streamer(++version, camera(video), microphone(audio))));
            assertEquals(Set.of(new Step.TrackPublished(camera(video)), new Step.TrackPublished(microphone(audio)),
                    new Step.Subscribe(Set.of(video, audio))), Set.copyOf(steps));
            assertEquals(new Step.Subscribe(Set.of(video, audio)), steps.getLast(), "subscribing comes last");
            assertEquals(Set.of(video, audio), sub.subscribed());
            // The server reuses the first transceivers: their tracks keep the first ids, the streams name the new.
            assertEquals(Role.CAMERA, sub.roleOf(List.of("PA_s|" + video), "TR_v1"));
            assertEquals(Role.MICROPHONE, sub.roleOf(List.of("PA_s|" + audio), "TR_a1"));
            assertEquals(Role.OTHER, sub.roleOf(List.of("PA_s|" + oldVideo), oldVideo), "the old camera is no role");
            oldVideo = video;
            oldAudio = audio;
        }
    }

    @Test
    void theTargetLeavingTakesTheCameraAndStartsTheGrace() {
        TargetSubscription sub = new TargetSubscription("streamer", "recorder", CAP_720);
        sub.apply(List.of(streamer(1, camera("TR_v1"))));
        List<Step> steps = sub.apply(List.of(streamer(2, camera("TR_v1")).toBuilder()
                .setState(ParticipantInfo.State.DISCONNECTED).build()));
        assertTrue(steps.contains(new Step.CameraGone("TR_v1", "streamer", "unpublished its camera")), steps.toString());
        assertTrue(steps.getLast() instanceof Step.CameraGone gone && gone.trackSid() == null
                && gone.why().startsWith("left"), steps.toString());
        assertEquals(Set.of(), sub.subscribed());
    }

    @Test
    void trackSettingsCarryTheCapOnceTheCameraIsSubscribed() {
        TargetSubscription sub = new TargetSubscription("streamer", "recorder", CAP_720);
        assertEquals(Optional.empty(), sub.trackSettings(), "no camera yet: the server would discard them");
        sub.apply(List.of(streamer(1, camera("TR_v1"))));
        UpdateTrackSettings settings = sub.trackSettings().orElseThrow();
        assertEquals(List.of("TR_v1"), settings.getTrackSidsList());
        assertEquals(VideoQuality.HIGH, settings.getQuality());
        assertEquals(1280, settings.getWidth());
        assertEquals(720, settings.getHeight());
        assertEquals(30, settings.getFps());
    }

    @Test
    void lowerStepsThroughTheAnnouncedLayersAndRestoreReturnsToTheJobsCap() {
        TargetSubscription sub = new TargetSubscription("streamer", "recorder", CAP_720);
        assertEquals(Optional.empty(), sub.lower(), "no camera, no announced layers");
        sub.apply(List.of(streamer(1, camera("TR_v1"))));
        assertEquals(Optional.of(new LayerCap(360, 30)), sub.lower());
        assertEquals(VideoQuality.LOW, sub.trackSettings().orElseThrow().getQuality());
        assertEquals(Optional.of(new LayerCap(180, 30)), sub.lower());
        assertEquals(Optional.empty(), sub.lower(), "180p is the floor");
        assertEquals(Optional.of(CAP_720), sub.restore());
        assertEquals(Optional.empty(), sub.restore());
    }

    @Test
    void aRejoinForgetsTheSubscriptionButKeepsTheChosenTarget() {
        TargetSubscription sub = new TargetSubscription(null, "recorder", CAP_720);
        List<Step> steps = sub.apply(List.of(streamer(1, camera("TR_v1"))));
        assertEquals(new Step.TargetChosen("streamer"), steps.getFirst());
        sub.rejoin();
        assertEquals(Set.of(), sub.subscribed());
        assertEquals(Optional.of("streamer"), sub.target());
        assertEquals(new Step.Subscribe(Set.of("TR_v1")), sub.apply(List.of(streamer(1, camera("TR_v1")))).getLast(),
                "the same tracks are subscribed again on the new session");
    }
}
