package dev.mintrecorder.worker.room;

import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitModels.TrackSource;
import livekit.LivekitModels.TrackType;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Turns the participant lists of {@code join} and {@code update} into changes of the target's tracks.
 *
 * <p>ParticipantUpdate carries full participant info with a version: an info older than (or as old as) the one
 * held for the same participant session (sid) is stale and ignored. A track missing from {@code tracks} was
 * unpublished. State DISCONNECTED means the participant left. The target is the named identity, or, when none
 * is named, the first participant seen publishing video. Pure and single-threaded: the room's loop owns it.
 */
public final class ParticipantTracker {

    /** What changed for the target. */
    public sealed interface Change {
        record TargetChosen(String identity) implements Change { }

        record TrackPublished(String identity, TrackInfo track) implements Change { }

        record TrackUnpublished(String identity, String trackSid) implements Change { }

        record TargetLeft(String identity, DisconnectReason reason) implements Change { }
    }

    private final String selfIdentity;
    private final Map<String, ParticipantInfo> participants = new HashMap<>();
    private final Set<String> seen = new LinkedHashSet<>();
    private String target;

    /**
     * @param targetIdentity the job's target, or null for "the first participant that publishes video"
     * @param selfIdentity the recorder's own identity, which updates may include and which is never a target
     */
    public ParticipantTracker(String targetIdentity, String selfIdentity) {
        this.target = targetIdentity == null || targetIdentity.isBlank() ? null : targetIdentity;
        this.selfIdentity = selfIdentity;
    }

    public Optional<String> target() {
        return Optional.ofNullable(target);
    }

    /** Every identity seen in the room (but this recorder's), in order of arrival, including those who left. */
    public Set<String> seen() {
        return Collections.unmodifiableSet(seen);
    }

    /** Applies participant infos (a JoinResponse's others, or a ParticipantUpdate) and returns the target's changes. */
    public List<Change> apply(Collection<ParticipantInfo> infos) {
        List<Change> changes = new ArrayList<>();
        for (ParticipantInfo info : infos) {
            if (info.getIdentity().equals(selfIdentity)) {
                continue;
            }
            ParticipantInfo held = participants.get(info.getIdentity());
            boolean sameSession = held != null && held.getSid().equals(info.getSid());
            if (sameSession && info.getVersion() <= held.getVersion()) {
                continue;
            }
            seen.add(info.getIdentity());
            // A new session of the same identity starts with fresh tracks.
            Map<String, TrackInfo> before = sameSession ? tracksOf(held) : Map.of();
            if (info.getState() == ParticipantInfo.State.DISCONNECTED) {
                participants.remove(info.getIdentity());
                if (info.getIdentity().equals(target)) {
                    before.keySet().forEach(sid -> changes.add(new Change.TrackUnpublished(target, sid)));
                    changes.add(new Change.TargetLeft(target, info.getDisconnectReason()));
                }
                continue;
            }
            participants.put(info.getIdentity(), info);
            if (held != null && !sameSession && info.getIdentity().equals(target)) {
                // Rejoined without a DISCONNECTED update in between: its old tracks are gone.
                tracksOf(held).keySet().forEach(sid -> changes.add(new Change.TrackUnpublished(target, sid)));
            }
            if (target == null && info.getTracksList().stream().anyMatch(t -> t.getType() == TrackType.VIDEO)) {
                target = info.getIdentity();
                changes.add(new Change.TargetChosen(target));
            }
            if (info.getIdentity().equals(target)) {
                Map<String, TrackInfo> after = tracksOf(info);
                after.forEach((sid, track) -> {
                    if (!before.containsKey(sid)) {
                        changes.add(new Change.TrackPublished(target, track));
                    }
                });
                before.keySet().stream().filter(sid -> !after.containsKey(sid))
                        .forEach(sid -> changes.add(new Change.TrackUnpublished(target, sid)));
            }
        }
        return changes;
    }

    /** The target's camera and microphone tracks, the only ones the recorder subscribes to. */
    public TargetTracks targetTracks() {
        ParticipantInfo info = target == null ? null : participants.get(target);
        if (info == null) {
            return new TargetTracks(Optional.empty(), Optional.empty());
        }
        return new TargetTracks(
                info.getTracksList().stream().filter(ParticipantTracker::isCamera).findFirst(),
                info.getTracksList().stream().filter(ParticipantTracker::isMicrophone).findFirst());
    }

    /** The target's recordable tracks: its camera (or first video) and microphone (or first audio). */
    public record TargetTracks(Optional<TrackInfo> video, Optional<TrackInfo> audio) {
        public Set<String> sids() {
            return Stream.concat(video.stream(), audio.stream()).map(TrackInfo::getSid)
                    .collect(Collectors.toUnmodifiableSet());
        }

        public boolean complete() {
            return video.isPresent() && audio.isPresent();
        }
    }

    // Publishers that do not set a source (older SDKs, the plain webrtc test publishers) leave it UNKNOWN.
    static boolean isCamera(TrackInfo track) {
        return track.getType() == TrackType.VIDEO
                && (track.getSource() == TrackSource.CAMERA || track.getSource() == TrackSource.UNKNOWN);
    }

    static boolean isMicrophone(TrackInfo track) {
        return track.getType() == TrackType.AUDIO
                && (track.getSource() == TrackSource.MICROPHONE || track.getSource() == TrackSource.UNKNOWN);
    }

    private static Map<String, TrackInfo> tracksOf(ParticipantInfo info) {
        Map<String, TrackInfo> tracks = new HashMap<>();
        info.getTracksList().forEach(t -> tracks.put(t.getSid(), t));
        return tracks;
    }
}
