package dev.mintrecorder.worker.room;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of one room connection. All allowed transitions are declared here and nowhere else;
 * {@link RoomSession} asks {@link #canMoveTo} before every change.
 *
 * <pre>
 * CONNECTING ──join──▶ JOINED ──target's tracks subscribed──▶ SUBSCRIBED
 *     ▲                  │ ▲                                      │
 *     │                  ▼ │ (target republishes / resumes)       ▼
 *     └──rejoin── RECONNECTING ◀───────── signal lost ────────────┘
 * any state ──▶ CLOSED (terminal)
 * </pre>
 */
public enum RoomState {
    /** Opening the signal socket and waiting for {@code join}. */
    CONNECTING,
    /** Joined; waiting for the target's tracks, or they were unpublished. */
    JOINED,
    /** The target's tracks are subscribed and media flows. */
    SUBSCRIBED,
    /**
     * The signal or the peer connection was lost: resuming (until the peer connection is connected again), or
     * rejoining after a refused resume.
     */
    RECONNECTING,
    /** Ended; terminal. */
    CLOSED;

    private Set<RoomState> next() {
        return switch (this) {
            case CONNECTING -> EnumSet.of(JOINED, RECONNECTING, CLOSED);
            case JOINED -> EnumSet.of(SUBSCRIBED, RECONNECTING, CLOSED);
            case SUBSCRIBED -> EnumSet.of(JOINED, RECONNECTING, CLOSED);
            // A resume goes back to where it was (JOINED or SUBSCRIBED); a rejoin starts at CONNECTING.
            case RECONNECTING -> EnumSet.of(CONNECTING, JOINED, SUBSCRIBED, CLOSED);
            case CLOSED -> EnumSet.noneOf(RoomState.class);
        };
    }

    public boolean canMoveTo(RoomState target) {
        return next().contains(target);
    }
}
