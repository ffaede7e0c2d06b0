package dev.mintrecorder.worker.room;

/** Receives a room session's events on its loop thread; must return quickly. */
@FunctionalInterface
public interface RoomListener {
    void onEvent(RoomEvent event);

    RoomListener NONE = event -> { };
}
