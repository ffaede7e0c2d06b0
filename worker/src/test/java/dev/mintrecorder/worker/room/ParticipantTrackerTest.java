package dev.mintrecorder.worker.room;

import dev.mintrecorder.worker.room.ParticipantTracker.Change;
import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitModels.TrackSource;
import livekit.LivekitModels.TrackType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParticipantTrackerTest {

    private static TrackInfo track(String sid, TrackType type, TrackSource source) {
        return TrackInfo.newBuilder().setSid(sid).setType(type).setSource(source).build();
    }

    private static final TrackInfo CAM = track("TR_cam", TrackType.VIDEO, TrackSource.CAMERA);
    private static final TrackInfo MIC = track("TR_mic", TrackType.AUDIO, TrackSource.MICROPHONE);
    private static final TrackInfo SCREEN = track("TR_screen", TrackType.VIDEO, TrackSource.SCREEN_SHARE);

    private static ParticipantInfo info(String identity, String sid, int version, TrackInfo... tracks) {
        return ParticipantInfo.newBuilder().setIdentity(identity).setSid(sid).setVersion(version)
                .setState(ParticipantInfo.State.ACTIVE).addAllTracks(List.of(tracks)).build();
    }

    @Test
    void reportsTheNamedTargetsPublishedTracksOnly() {
        ParticipantTracker tracker = new ParticipantTracker("streamer", "recorder-1");
        List<Change> changes = tracker.apply(List.of(
                info("viewer", "PA_v", 1, track("TR_other", TrackType.VIDEO, TrackSource.CAMERA)),
                info("streamer", "PA_s", 1, CAM, MIC, SCREEN)));
        assertEquals(3, changes.size());
        assertTrue(changes.stream().allMatch(c -> c instanceof Change.TrackPublished p && p.identity().equals("streamer")));
        assertEquals(Set.of("TR_cam", "TR_mic"), tracker.targetTracks().sids(), "camera and microphone, not the screen");
    }

    @Test
    void dropsStaleAndRepeatedVersions() {
        ParticipantTracker tracker = new ParticipantTracker("streamer", "recorder-1");
        tracker.apply(List.of(info("streamer", "PA_s", 5, CAM, MIC)));
        assertEquals(List.of(), tracker.apply(List.of(info("streamer", "PA_s", 4))), "older version ignored");
        assertEquals(List.of(), tracker.apply(List.of(info("streamer", "PA_s", 5))), "same version ignored");
        assertEquals(Set.of("TR_cam", "TR_mic"), tracker.targetTracks().sids());
        List<Change> changes = tracker.apply(List.of(info("streamer", "PA_s", 6, MIC)));
        assertEquals(List.of(new Change.TrackUnpublished("streamer", "TR_cam")), changes);
    }

    @Test
    void remembersEveryoneSeenButItselfEvenAfterTheyLeave() {
        ParticipantTracker tracker = new ParticipantTracker("streamer", "recorder-1");
        tracker.apply(List.of(info("viewer", "PA_v", 1), info("recorder-1", "PA_r", 1), info("guest", "PA_g", 1, CAM)));
        tracker.apply(List.of(info("viewer", "PA_v", 2).toBuilder().setState(ParticipantInfo.State.DISCONNECTED).build()));
        assertEquals(Set.of("viewer", "guest"), tracker.seen());
        assertEquals(List.of("viewer", "guest"), List.copyOf(tracker.seen()), "in order of arrival");
        assertTrue(tracker.targetTracks().sids().isEmpty(), "the named target never came");
    }

    @Test
    void detectsTheTargetLeavingAndRejoining() {
        ParticipantTracker tracker = new ParticipantTracker("streamer", "recorder-1");
        tracker.apply(List.of(info("streamer", "PA_s", 3, CAM)));
        ParticipantInfo left = info("streamer", "PA_s", 4).toBuilder().setState(ParticipantInfo.State.DISCONNECTED)
                .setDisconnectReason(DisconnectReason.CLIENT_INITIATED).build();
        List<Change> changes = tracker.apply(List.of(left));
        assertEquals(List.of(new Change.TrackUnpublished("streamer", "TR_cam"),
                new Change.TargetLeft("streamer", DisconnectReason.CLIENT_INITIATED)), changes);
        assertTrue(tracker.targetTracks().sids().isEmpty());
        // A new session of the same identity starts its versions again.
        TrackInfo newCam = track("TR_cam2", TrackType.VIDEO, TrackSource.CAMERA);
        changes = tracker.apply(List.of(info("streamer", "PA_s2", 1, newCam)));
        assertEquals(List.of(new Change.TrackPublished("streamer", newCam)), changes);
    }

    @Test
    void aNewSessionWithoutADisconnectReplacesTheOldTracks() {
        ParticipantTracker tracker = new ParticipantTracker("streamer", "recorder-1");
        tracker.apply(List.of(info("streamer", "PA_s", 9, CAM)));
        TrackInfo newCam = track("TR_cam2", TrackType.VIDEO, TrackSource.CAMERA);
        List<Change> changes = tracker.apply(List.of(info("streamer", "PA_s2", 1, newCam)));
        assertEquals(List.of(new Change.TrackUnpublished("streamer", "TR_cam"),
                new Change.TrackPublished("streamer", newCam)), changes);
    }

    @Test
    void withoutANameTheFirstVideoPublisherIsTheTarget() {
        ParticipantTracker tracker = new ParticipantTracker(null, "recorder-1");
        assertEquals(List.of(), tracker.apply(List.of(info("listener", "PA_l", 1, MIC))), "audio only: no target");
        List<Change> changes = tracker.apply(List.of(info("streamer", "PA_s", 1, CAM)));
        assertInstanceOf(Change.TargetChosen.class, changes.getFirst());
        assertEquals("streamer", tracker.target().orElseThrow());
        // A later video publisher does not take over.
        assertEquals(List.of(), tracker.apply(List.of(info("other", "PA_o", 1,
                track("TR_o", TrackType.VIDEO, TrackSource.CAMERA)))));
    }

    @Test
    void ignoresItselfAndAcceptsSourcelessTracks() {
        ParticipantTracker tracker = new ParticipantTracker(null, "recorder-1");
        assertEquals(List.of(), tracker.apply(List.of(info("recorder-1", "PA_me", 1, CAM))));
        TrackInfo plainVideo = track("TR_v", TrackType.VIDEO, TrackSource.UNKNOWN);
        TrackInfo plainAudio = track("TR_a", TrackType.AUDIO, TrackSource.UNKNOWN);
        tracker.apply(List.of(info("publisher", "PA_p", 1, plainVideo, plainAudio)));
        assertEquals(Set.of("TR_v", "TR_a"), tracker.targetTracks().sids());
        assertTrue(tracker.targetTracks().complete());
    }
}
