package dev.mintrecorder.worker.room;

/**
 * Why a room session ended; the value of {@link RoomSession#completion()}.
 *
 * @param error the failure for {@link Reason#FAILED}, else null
 */
public record RoomEnd(Reason reason, String detail, RoomException error) {

    public enum Reason {
        /** The server closed or deleted the room (leave ROOM_CLOSED or ROOM_DELETED). */
        ROOM_CLOSED,
        /** The target left or unpublished its camera and did not come back within the grace period. */
        TARGET_LEFT,
        /** The server removed the recorder (leave PARTICIPANT_REMOVED, DUPLICATE_IDENTITY, ...). */
        REMOVED,
        /** {@link RoomSession#close()} was called. */
        CLOSED,
        /** A failure; see {@link #error()} and its scope. */
        FAILED
    }

    static RoomEnd failed(RoomException error) {
        return new RoomEnd(Reason.FAILED, error.getMessage(), error);
    }
}
