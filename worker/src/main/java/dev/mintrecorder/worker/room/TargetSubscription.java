package dev.mintrecorder.worker.room;

import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitModels.VideoQuality;
import livekit.LivekitRtc.UpdateTrackSettings;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The recorder's subscription to its target: which participant that is ({@link ParticipantTracker}), which of its
 * tracks are subscribed, which subscribed track a remote media track carries (by stream id), and the video layer
 * asked of the SFU ({@link LayerCap}).
 *
 * <p>Pure and single-threaded: the room's loop owns it and turns its {@link Step}s into signal messages, sinks and
 * events. Nothing here talks to the server or to libwebrtc.
 */
final class TargetSubscription {

    /** What the loop has to do after a participant update. */
    sealed interface Step {
        record TargetChosen(String identity) implements Step { }

        record TrackPublished(TrackInfo track) implements Step { }

        /** The microphone went away: its sink comes off the track that carried it. */
        record MicrophoneGone(String trackSid) implements Step { }

        /** The camera went away (unpublished, or its owner left): the grace period starts. */
        record CameraGone(String trackSid, String identity, String why) implements Step { }

        /** Subscribe to these tracks (send UpdateSubscription; track settings follow the offer). */
        record Subscribe(Set<String> trackSids) implements Step { }
    }

    /** Which of the target's subscribed tracks a remote media track carries. */
    enum Role { CAMERA, MICROPHONE, OTHER }

    private final String selfIdentity;
    private final String requestedTarget;
    private final LayerCap jobCap;
    private ParticipantTracker tracker;
    private final Set<String> subscribed = new LinkedHashSet<>();
    private String videoSid;
    private String audioSid;
    private LayerCap cap;

    /**
     * @param targetIdentity the job's target, or null for the first participant that publishes video
     * @param selfIdentity the recorder's own identity
     * @param jobCap the job's layer cap, asked for at start and after {@link #restore()}
     */
    TargetSubscription(String targetIdentity, String selfIdentity, LayerCap jobCap) {
        this.requestedTarget = targetIdentity;
        this.selfIdentity = selfIdentity;
        this.jobCap = jobCap;
        this.cap = jobCap;
        this.tracker = new ParticipantTracker(targetIdentity, selfIdentity);
    }

    Optional<String> target() {
        return tracker.target();
    }

    /** Everyone seen in the room but the recorder, for a "target not found" message. */
    Set<String> seen() {
        return tracker.seen();
    }

    /** True once the target is known and has been seen in the room. */
    boolean targetPresent() {
        return tracker.target().map(tracker.seen()::contains).orElse(false);
    }

    String videoSid() {
        return videoSid;
    }

    String audioSid() {
        return audioSid;
    }

    /** The tracks subscribed now (sent again in {@code sync_state} on resume). */
    Set<String> subscribed() {
        return Set.copyOf(subscribed);
    }

    LayerCap cap() {
        return cap;
    }

    /** Applies a JoinResponse's others or a ParticipantUpdate; subscribing to new target tracks comes last. */
    List<Step> apply(Collection<ParticipantInfo> infos) {
        List<Step> steps = new ArrayList<>();
        for (ParticipantTracker.Change change : tracker.apply(infos)) {
            switch (change) {
                case ParticipantTracker.Change.TargetChosen chosen -> steps.add(new Step.TargetChosen(chosen.identity()));
                case ParticipantTracker.Change.TrackPublished published ->
                        steps.add(new Step.TrackPublished(published.track()));
                case ParticipantTracker.Change.TrackUnpublished unpublished -> {
                    String sid = unpublished.trackSid();
                    subscribed.remove(sid);
                    if (sid.equals(audioSid)) {
                        audioSid = null;
                        steps.add(new Step.MicrophoneGone(sid));
                    }
                    if (sid.equals(videoSid)) {
                        videoSid = null;
                        steps.add(new Step.CameraGone(sid, unpublished.identity(), "unpublished its camera"));
                    }
                }
                case ParticipantTracker.Change.TargetLeft left ->
                        steps.add(new Step.CameraGone(null, left.identity(), "left (" + left.reason() + ")"));
            }
        }
        subscribeToNew().ifPresent(steps::add);
        return steps;
    }

    /** The target's camera and microphone that are not subscribed yet (after a republish too). */
    private Optional<Step.Subscribe> subscribeToNew() {
        ParticipantTracker.TargetTracks tracks = tracker.targetTracks();
        Set<String> fresh = new LinkedHashSet<>(tracks.sids());
        fresh.removeAll(subscribed);
        if (fresh.isEmpty()) {
            return Optional.empty();
        }
        tracks.video().ifPresent(t -> videoSid = t.getSid());
        tracks.audio().ifPresent(t -> audioSid = t.getSid());
        subscribed.addAll(fresh);
        return Optional.of(new Step.Subscribe(Set.copyOf(fresh)));
    }

    /** True if {@code trackSid} is one of the target's subscribed tracks (a subscription error about it matters). */
    boolean isSubscribed(String trackSid) {
        return subscribed.contains(trackSid);
    }

    /** "camera", "microphone" or "track", for messages about {@code trackSid}. */
    String describe(String trackSid) {
        return trackSid.equals(videoSid) ? "camera" : trackSid.equals(audioSid) ? "microphone" : "track";
    }

    /**
     * The role of a remote track: its track sid is read from the stream id first ({@code PA_x|TR_y}), then from
     * the track id, as client-sdk-js does ({@code Room.onTrackAdded}). The stream id is what counts because the
     * server reuses transceivers, and a reused transceiver's track keeps the id it was first given.
     */
    Role roleOf(List<String> streamIds, String trackId) {
        String sid = trackSid(streamIds, trackId);
        return sid.equals(videoSid) ? Role.CAMERA : sid.equals(audioSid) ? Role.MICROPHONE : Role.OTHER;
    }

    /**
     * The track sid a remote track carries. livekit-server names each down track's stream
     * {@code <participant sid>|<track sid>} ({@code pkg/rtc/mediatracksubscriptions.go}, {@code PackStreamID});
     * client-sdk-js splits at the first {@code |} ({@code utils.ts unpackStreamId}) and uses the part after it when
     * it starts with {@code TR}, else the track id.
     */
    static String trackSid(List<String> streamIds, String trackId) {
        for (String stream : streamIds) {
            int bar = stream.indexOf('|');
            if (bar >= 0 && stream.startsWith("TR", bar + 1)) {
                return stream.substring(bar + 1);
            }
        }
        return trackId;
    }

    /**
     * The camera's UpdateTrackSettings for the current cap; empty while no camera is subscribed. Idempotent, so the
     * loop sends it after every offer (sent before the subscription's offer, the server discards it).
     */
    Optional<UpdateTrackSettings> trackSettings() {
        if (videoSid == null) {
            return Optional.empty();
        }
        VideoQuality quality = cap.maxHeight() <= 360 ? VideoQuality.LOW
                : cap.maxHeight() <= 540 ? VideoQuality.MEDIUM : VideoQuality.HIGH;
        return Optional.of(UpdateTrackSettings.newBuilder().addTrackSids(videoSid).setDisabled(false)
                .setQuality(quality).setWidth(cap.maxWidth()).setHeight(cap.maxHeight()).setFps(cap.fps()).build());
    }

    /** The size of the layer the server sends for the cap ({@link LayerCap#sentSize}); {0, 0} before it is known. */
    int[] sentSize() {
        return tracker.targetTracks().video().map(cap::sentSize).orElse(new int[] {0, 0});
    }

    /** The layers the server announces for the target's camera (none before it is known). */
    List<Integer> announcedHeights() {
        return tracker.targetTracks().video().map(LayerCap::announcedHeights).orElse(List.of());
    }

    /** Steps the cap down to the next announced layer; empty when there is none to step to. */
    Optional<LayerCap> lower() {
        LayerCap lower = cap.lower(announcedHeights());
        return change(lower);
    }

    /** Asks for the job's own cap again; empty when that is the cap already. */
    Optional<LayerCap> restore() {
        return change(jobCap);
    }

    private Optional<LayerCap> change(LayerCap next) {
        if (next.equals(cap)) {
            return Optional.empty();
        }
        cap = next;
        return Optional.of(cap);
    }

    /**
     * A rejoin is a new participant session: nothing is subscribed, and the room is read afresh. The target found
     * so far stays the target (a job without a named target keeps recording the same streamer); the cap stays.
     */
    void rejoin() {
        subscribed.clear();
        videoSid = null;
        audioSid = null;
        tracker = new ParticipantTracker(tracker.target().orElse(requestedTarget), selfIdentity);
    }
}
