package dev.mintrecorder.worker.room;

/**
 * A room failure with its scope (as Jibri does): {@link Scope#SESSION} fails this recording only;
 * {@link Scope#SYSTEM} means this worker is unhealthy (for example the WebRTC factory is gone) and should
 * stop taking work.
 */
public final class RoomException extends RuntimeException {

    public enum Scope { SESSION, SYSTEM }

    /** What went wrong, for status events and tests; the message has the details. */
    public enum Kind {
        INVALID_TOKEN, ROOM_NOT_FOUND, CONNECT_FAILED, JOIN_REJECTED,
        /** The target identity never appeared in the room (rooms auto-create, so an unknown room looks like this). */
        TARGET_NOT_FOUND,
        /** The target is there but its camera did not arrive in time. */
        TARGET_TRACKS_MISSING,
        /** The server answered a subscription with SE_TRACK_NOTFOUND. */
        TRACK_NOT_FOUND,
        /** The server answered a subscription with SE_CODEC_UNSUPPORTED. */
        CODEC_UNSUPPORTED,
        SIGNAL_LOST, MEDIA_FAILED, WEBRTC_UNAVAILABLE
    }

    private final Scope scope;
    private final Kind kind;

    public RoomException(Scope scope, Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.scope = scope;
        this.kind = kind;
    }

    public RoomException(Scope scope, Kind kind, String message) {
        this(scope, kind, message, null);
    }

    public static RoomException session(Kind kind, String message) {
        return new RoomException(Scope.SESSION, kind, message);
    }

    public Scope scope() {
        return scope;
    }

    public Kind kind() {
        return kind;
    }
}
