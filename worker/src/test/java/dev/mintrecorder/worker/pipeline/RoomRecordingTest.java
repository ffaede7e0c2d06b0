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
        SessionEnd removed = RoomRecording.endOf(new RoomEnd(RoomEnd.Reason.REMOVED, "PARTICIPANT_REMOVED", null));
        assertEquals(new SessionEnd.Finished(SessionEnd.Reason.RECORDER_REMOVED, "PARTICIPANT_REMOVED"), removed);
        assertEquals("recorder_removed: PARTICIPANT_REMOVED", ((SessionEnd.Finished) removed).describe());
        assertEquals(StatusEvent.EndCode.STOP_REQUESTED, SessionEnd.Reason.STOPPED.code());
        assertEquals(StatusEvent.EndCode.ROOM_CLOSED, SessionEnd.Reason.ROOM_CLOSED.code());
    }

    @Test
    void aRoomFailureKeepsItsScope() {
        RoomException session = RoomException.session(RoomException.Kind.TARGET_TRACKS_MISSING, "no tracks in 15 s");
        assertEquals(new SessionEnd.Failed(StatusEvent.FailureCode.TARGET_TRACKS_MISSING, "room: no tracks in 15 s",
                        StatusEvent.Scope.SESSION),
                RoomRecording.endOf(new RoomEnd(RoomEnd.Reason.FAILED, session.getMessage(), session)));
        RoomException system = new RoomException(RoomException.Scope.SYSTEM, RoomException.Kind.WEBRTC_UNAVAILABLE,
                "factory gone");
        assertEquals(StatusEvent.Scope.SYSTEM,
                ((SessionEnd.Failed) RoomRecording.endOf(new RoomEnd(RoomEnd.Reason.FAILED, "factory gone", system))).scope());
    }

    @Test
    void everyFailureHasACode() {
        for (RoomException.Kind kind : RoomException.Kind.values()) {
            RoomException e = RoomException.session(kind, "x");
            assertEquals(RoomRecording.codeOf(kind), RoomRecording.codeOf(new IllegalStateException("wrapped", e)));
        }
        assertEquals(StatusEvent.FailureCode.TOKEN_REJECTED, RoomRecording.codeOf(RoomException.Kind.INVALID_TOKEN));
        assertEquals(StatusEvent.FailureCode.ROOM_NOT_FOUND, RoomRecording.codeOf(RoomException.Kind.ROOM_NOT_FOUND));
        assertEquals(StatusEvent.FailureCode.WEBRTC, RoomRecording.codeOf(RoomException.Kind.WEBRTC_UNAVAILABLE));
        // The contract's codes are closed within schema 1: these kinds differ in the error text, not the code.
        assertEquals(StatusEvent.FailureCode.TARGET_TRACKS_MISSING, RoomRecording.codeOf(RoomException.Kind.TARGET_NOT_FOUND));
        assertEquals(StatusEvent.FailureCode.TARGET_TRACKS_MISSING, RoomRecording.codeOf(RoomException.Kind.TRACK_NOT_FOUND));
        assertEquals(StatusEvent.FailureCode.WEBRTC, RoomRecording.codeOf(RoomException.Kind.CODEC_UNSUPPORTED));
        assertEquals(StatusEvent.FailureCode.STORAGE, RoomRecording.codeOf(
                new IOException("upload failed", SdkClientException.create("Connection refused"))));
        assertEquals(StatusEvent.FailureCode.ENCODER, RoomRecording.codeOf(
                new dev.mintrecorder.worker.media.FfmpegException("avcodec_send_frame", -22)));
        assertEquals(StatusEvent.FailureCode.INTERNAL, RoomRecording.codeOf(new IllegalStateException("bug")));
        assertEquals(StatusEvent.FailureCode.INTERNAL, ((SessionEnd.Failed) RoomRecording.endOf(
                new RoomEnd(RoomEnd.Reason.FAILED, "?", null))).code());
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
    void aFinalManifestInTheFallbackStoreFailsTheJobAndSaysWhereItIs() {
        SessionEnd stopped = RoomRecording.indexInFallback(new SessionEnd.Finished(SessionEnd.Reason.STOPPED, "stop"),
                "backup", "recordings/m/j/manifest.json");
        assertEquals(StatusEvent.FailureCode.STORAGE, ((SessionEnd.Failed) stopped).code());
        assertTrue(((SessionEnd.Failed) stopped).error().contains("fallback store, bucket backup, key "
                + "recordings/m/j/manifest.json"), stopped.toString());
        SessionEnd.Failed encoder = (SessionEnd.Failed) RoomRecording.indexInFallback(new SessionEnd.Failed(
                StatusEvent.FailureCode.ENCODER, "x264 failed", StatusEvent.Scope.SESSION), "backup", "k");
        assertEquals(StatusEvent.FailureCode.ENCODER, encoder.code(), "its own failure comes first");
        assertTrue(encoder.error().startsWith("x264 failed; ") && encoder.error().contains("bucket backup"),
                encoder.error());
    }

    @Test
    void aFailureIsDescribedWithItsRootCause() {
        assertEquals("upload of seg_000001.ts failed (SdkClientException: Connection refused)", RoomRecording.describe(
                new IOException("upload of seg_000001.ts failed", SdkClientException.create("Connection refused"))));
        assertEquals("IllegalStateException", RoomRecording.describe(new IllegalStateException()));
    }
}
