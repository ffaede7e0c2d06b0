package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.StatusEvent;

import java.util.Objects;

/** How a {@link RecordingSession} ended; the value its {@link RecordingSession#ended()} future completes with. */
public sealed interface SessionEnd {

    /** Why a recording ended normally; each is published as one {@link StatusEvent.EndCode}. */
    enum Reason {
        /** A STOP command for the job. */
        STOPPED(StatusEvent.EndCode.STOP_REQUESTED),
        /** The job's max_duration_s ran out. */
        MAX_DURATION(StatusEvent.EndCode.MAX_DURATION),
        /** The room closed or was deleted. */
        ROOM_CLOSED(StatusEvent.EndCode.ROOM_CLOSED),
        /** The target participant left and did not return within the grace period. */
        TARGET_LEFT(StatusEvent.EndCode.TARGET_LEFT),
        /** The server removed the recorder from the room. */
        RECORDER_REMOVED(StatusEvent.EndCode.RECORDER_REMOVED);

        private final StatusEvent.EndCode code;

        Reason(StatusEvent.EndCode code) {
            this.code = code;
        }

        /** The STOPPED event's code. */
        public StatusEvent.EndCode code() {
            return code;
        }
    }

    /**
     * The recording ended normally: the job is done and is published as STOPPED with {@link Reason#code()},
     * {@link #describe()} and the recording.
     *
     * @param recording what was recorded, from the final manifest; null where the session wrote none
     */
    record Finished(Reason reason, String detail, StatusEvent.Recording recording) implements SessionEnd {
        public Finished {
            Objects.requireNonNull(reason);
            Objects.requireNonNull(detail);
        }

        public Finished(Reason reason, String detail) {
            this(reason, detail, null);
        }

        public static Finished of(Reason reason) {
            return new Finished(reason, "");
        }

        public Finished withRecording(StatusEvent.Recording summary) {
            return new Finished(reason, detail, summary);
        }

        /** The STOPPED event's reason: the kind in lower case, then the detail if any. */
        public String describe() {
            String kind = reason.name().toLowerCase(java.util.Locale.ROOT);
            return detail.isBlank() ? kind : kind + ": " + detail;
        }
    }

    /**
     * The recording failed: the job is done and is published as FAILED. A {@link StatusEvent.Scope#SYSTEM} error also
     * says the worker itself is unhealthy (no WebRTC factory, disk full, S3 credentials rejected): it stops taking jobs
     * and reports not ready.
     *
     * @param recording what was recorded before the failure, from the final manifest; null when nothing was
     */
    record Failed(StatusEvent.FailureCode code, String error, StatusEvent.Scope scope, StatusEvent.Recording recording)
            implements SessionEnd {
        public Failed {
            Objects.requireNonNull(code);
            Objects.requireNonNull(error);
            Objects.requireNonNull(scope);
        }

        public Failed(StatusEvent.FailureCode code, String error, StatusEvent.Scope scope) {
            this(code, error, scope, null);
        }

        public Failed withRecording(StatusEvent.Recording summary) {
            return new Failed(code, error, scope, summary);
        }
    }

    /** The session closed its current segment on {@link RecordingSession#handover()}; another attempt continues the job. */
    record HandedOver() implements SessionEnd {}
}
