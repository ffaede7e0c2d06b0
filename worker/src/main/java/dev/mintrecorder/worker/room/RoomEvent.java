package dev.mintrecorder.worker.room;

import java.time.Duration;
import java.util.List;

/**
 * What a room session reports while it runs; delivered on the room's loop thread, so listeners must not block.
 * The recording session turns these into status events (JOINED, STALLED, ...).
 */
public sealed interface RoomEvent {
    record StateChanged(RoomState from, RoomState to) implements RoomEvent { }

    record Joined(String roomSid, String participantSid) implements RoomEvent { }

    record TargetChosen(String identity) implements RoomEvent { }

    /**
     * The target's tracks are subscribed and video arrives; {@code audioSid} is null for a video-only target.
     * {@code videoWidth}×{@code videoHeight} is the size of the layer the server sends for the cap, as announced
     * (0×0 when nothing is announced): the first frames may be smaller while a simulcast publisher ramps up.
     */
    record TracksSubscribed(String identity, String videoSid, String audioSid, int videoWidth, int videoHeight)
            implements RoomEvent { }

    /** The target left or unpublished its camera; the grace period runs. */
    record TargetGone(String identity, String why) implements RoomEvent { }

    record Stalled(String track, Duration gap) implements RoomEvent { }

    record StallEnded(String track, Duration gap) implements RoomEvent { }

    /** The signal was lost and resumed on the same session. */
    record Resumed() implements RoomEvent { }

    /** The signal was lost, resuming was refused, and the recorder joined again. */
    record Rejoined() implements RoomEvent { }

    record LayerChanged(LayerCap cap) implements RoomEvent { }

    /**
     * The subscriber peer connection holds these ICE settings (read back from it), after a join or a resume: the
     * server's STUN/TURN {@code urls}, and {@code relayOnly} when it forces relaying.
     */
    record PeerConfigured(List<String> urls, boolean relayOnly) implements RoomEvent { }
}
