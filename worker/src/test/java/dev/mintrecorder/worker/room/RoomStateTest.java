package dev.mintrecorder.worker.room;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;

import static dev.mintrecorder.worker.room.RoomState.CLOSED;
import static dev.mintrecorder.worker.room.RoomState.CONNECTING;
import static dev.mintrecorder.worker.room.RoomState.JOINED;
import static dev.mintrecorder.worker.room.RoomState.RECONNECTING;
import static dev.mintrecorder.worker.room.RoomState.SUBSCRIBED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoomStateTest {

    @Test
    void theHappyPathIsAllowed() {
        assertTrue(CONNECTING.canMoveTo(JOINED));
        assertTrue(JOINED.canMoveTo(SUBSCRIBED));
        assertTrue(SUBSCRIBED.canMoveTo(RECONNECTING));
        assertTrue(RECONNECTING.canMoveTo(SUBSCRIBED), "a resume returns to where it was");
        assertTrue(RECONNECTING.canMoveTo(CONNECTING), "a refused resume rejoins");
        assertTrue(SUBSCRIBED.canMoveTo(JOINED), "the target unpublished");
    }

    @Test
    void everyStateCanCloseAndClosedIsTerminal() {
        for (RoomState state : EnumSet.range(CONNECTING, RECONNECTING)) {
            assertTrue(state.canMoveTo(CLOSED), state.name());
        }
        for (RoomState state : RoomState.values()) {
            assertFalse(CLOSED.canMoveTo(state), state.name());
        }
    }

    @Test
    void shortcutsAreRefused() {
        assertFalse(CONNECTING.canMoveTo(SUBSCRIBED));
        assertFalse(JOINED.canMoveTo(CONNECTING));
        assertFalse(SUBSCRIBED.canMoveTo(CONNECTING));
        long allowed = 0;
        for (RoomState from : RoomState.values()) {
            for (RoomState to : RoomState.values()) {
                allowed += from.canMoveTo(to) ? 1 : 0;
            }
        }
        assertEquals(13, allowed, "the transition table changed; update the diagram in RoomState");
    }
}
