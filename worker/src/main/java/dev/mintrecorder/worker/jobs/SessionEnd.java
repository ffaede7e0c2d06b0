package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.StatusEvent;

import java.util.Objects;

/** How a {@link RecordingSession} ended; the value its {@link RecordingSession#ended()} future completes with. */
public sealed interface SessionEnd {

    /** Why a recording ended normally. */
    enum Reason {
        /** A STOP command for the job. */
        STOPPED,
        /** The job's max_duration_s ran out. */
        MAX_DURATION,
        /** The room closed or was deleted. */
        ROOM_CLOSED,
        /** The target participant left and did not return within the grace period. */
        TARGET_LEFT
    }

    /** The recording ended normally: the job is done and is published as STOPPED with {@link #describe()}. */
    record Finished(Reason reason, String detail) implements SessionEnd {
        public Finished {
            Objects.requireNonNull(reason);
            Objects.requireNonNull(detail);
        }

        public static Finished of(Reason reason) {
            return new Finished(reason, "");
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
     */
    record Failed(String error, StatusEvent.Scope scope) implements SessionEnd {
        public Failed {
            Objects.requireNonNull(error);
            Objects.requireNonNull(scope);
        }
    }

    /** The session closed its current segment on {@link RecordingSession#handover()}; another attempt continues the job. */
    record HandedOver() implements SessionEnd {}
}
