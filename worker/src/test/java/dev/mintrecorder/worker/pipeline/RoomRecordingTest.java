package dev.mintrecorder.worker.pipeline;

import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.worker.jobs.SessionEnd;
import dev.mintrecorder.worker.room.RoomEnd;
import dev.mintrecorder.worker.room.RoomException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a recording's end and failures are classified (the controller's pure decisions). */
class RoomRecordingTest {

    @Test
    void aRoomThatEndsOnItsOwnFinishesTheJobWithItsReason() {
        assertEquals(new SessionEnd.Finished(SessionEnd.Reason.ROOM_CLOSED, "ROOM_DELETED"),
                RoomRecording.endOf(new RoomEnd(RoomEnd.Reason.ROOM_CLOSED, "ROOM_DELETED", null)));
        assertEquals(new SessionEnd.Finished(SessionEnd.Reason.TARGET_LEFT, "gone 30 s"),
                RoomRecording.endOf(new RoomEnd(RoomEnd.Reason.TARGET_LEFT, "gone 30 s", null)));
        assertEquals(new SessionEnd.Finished(SessionEnd.Reason.ROOM_CLOSED, "recorder removed: PARTICIPANT_REMOVED"),
                RoomRecording.endOf(new RoomEnd(RoomEnd.Reason.REMOVED, "PARTICIPANT_REMOVED", null)));
    }

    @Test
    void aRoomFailureKeepsItsScope() {
        RoomException session = RoomException.session(RoomException.Kind.TARGET_TRACKS_MISSING, "no tracks in 15 s");
        assertEquals(new SessionEnd.Failed("room: no tracks in 15 s", StatusEvent.Scope.SESSION),
                RoomRecording.endOf(new RoomEnd(RoomEnd.Reason.FAILED, session.getMessage(), session)));
        RoomException system = new RoomException(RoomException.Scope.SYSTEM, RoomException.Kind.WEBRTC_UNAVAILABLE,
                "factory gone");
        assertEquals(StatusEvent.Scope.SYSTEM,
                ((SessionEnd.Failed) RoomRecording.endOf(new RoomEnd(RoomEnd.Reason.FAILED, "factory gone", system))).scope());
    }

    @Test
    void rejectedS3CredentialsAreTheWorkersProblemAnOutageIsTheSessions() {
        S3Exception forbidden = (S3Exception) S3Exception.builder().statusCode(403).message("AccessDenied").build();
        assertEquals(StatusEvent.Scope.SYSTEM, RoomRecording.scopeOf(new IOException("upload failed", forbidden)));
        SdkClientException refused = SdkClientException.create("Connection refused");
        assertEquals(StatusEvent.Scope.SESSION, RoomRecording.scopeOf(new IOException("upload failed", refused)));
        assertTrue(RoomRecording.isStorage(new IOException("upload failed", refused)));
        assertFalse(RoomRecording.isStorage(new IllegalStateException("x264 failed")));
    }

    @Test
    void aFailureIsDescribedWithItsRootCause() {
        assertEquals("upload of seg_000001.ts failed (SdkClientException: Connection refused)", RoomRecording.describe(
                new IOException("upload of seg_000001.ts failed", SdkClientException.create("Connection refused"))));
        assertEquals("IllegalStateException", RoomRecording.describe(new IllegalStateException()));
    }
}
