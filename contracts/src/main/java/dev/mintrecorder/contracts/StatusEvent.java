package dev.mintrecorder.contracts;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Instant;
import java.util.UUID;

/**
 * What happens to a job, on {@link Topics#STATUS} keyed by mint_id. The wire form is flat, with a {@code type}
 * discriminator; every event carries job_id, mint_id, worker_id, at and attempt. A reader rejects an unknown
 * {@code type}: adding one bumps the major schema version (see {@link Message}).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = StatusEvent.Accepted.class, name = "ACCEPTED"),
        @JsonSubTypes.Type(value = StatusEvent.Joined.class, name = "JOINED"),
        @JsonSubTypes.Type(value = StatusEvent.Segment.class, name = "SEGMENT"),
        @JsonSubTypes.Type(value = StatusEvent.Heartbeat.class, name = "HEARTBEAT"),
        @JsonSubTypes.Type(value = StatusEvent.Resumed.class, name = "RESUMED"),
        @JsonSubTypes.Type(value = StatusEvent.Stalled.class, name = "STALLED"),
        @JsonSubTypes.Type(value = StatusEvent.TargetLeft.class, name = "TARGET_LEFT"),
        @JsonSubTypes.Type(value = StatusEvent.Stopped.class, name = "STOPPED"),
        @JsonSubTypes.Type(value = StatusEvent.Failed.class, name = "FAILED"),
        @JsonSubTypes.Type(value = StatusEvent.Rejected.class, name = "REJECTED"),
        @JsonSubTypes.Type(value = StatusEvent.Duplicate.class, name = "DUPLICATE"),
})
public sealed interface StatusEvent extends Message {
    UUID jobId();

    MintId mintId();

    String workerId();

    Instant at();

    int attempt();

    /** Checks the fields every event carries; each record's constructor calls it. */
    private static void header(UUID jobId, MintId mintId, String workerId, Instant at, int attempt) {
        Validation.required("job_id", jobId);
        Validation.required("mint_id", mintId);
        Validation.safeName("worker_id", workerId);
        Validation.timestamp("at", at);
        Validation.range("attempt", attempt, Validation.ATTEMPT_MIN, Validation.ATTEMPT_MAX);
    }

    /** A worker took the job (a bulkhead permit is held). */
    record Accepted(UUID jobId, MintId mintId, String workerId, Instant at, int attempt) implements StatusEvent {
        public Accepted {
            header(jobId, mintId, workerId, at, attempt);
        }
    }

    /** The worker joined the room and subscribed to the target's tracks. */
    record Joined(UUID jobId, MintId mintId, String workerId, Instant at, int attempt) implements StatusEvent {
        public Joined {
            header(jobId, mintId, workerId, at, attempt);
        }
    }

    /** A segment was uploaded and is in the playlist. */
    record Segment(UUID jobId, MintId mintId, String workerId, Instant at, int attempt,
            long seq, String key, long bytes, double durationS, long droppedFrames) implements StatusEvent {
        public Segment {
            header(jobId, mintId, workerId, at, attempt);
            Validation.nonNegative("seq", seq);
            Validation.text("key", key);
            Validation.nonNegative("bytes", bytes);
            if (!(durationS >= 0) || Double.isInfinite(durationS)) {
                throw new InvalidMessageException("invalid duration_s: " + durationS + " is not a finite duration");
            }
            Validation.nonNegative("dropped_frames", droppedFrames);
        }
    }

    /** The recording is alive; the status view uses these to spot live holders of a mint. */
    record Heartbeat(UUID jobId, MintId mintId, String workerId, Instant at, int attempt) implements StatusEvent {
        public Heartbeat {
            header(jobId, mintId, workerId, at, attempt);
        }
    }

    /** A worker took over a job another worker held (crash or handover) and continues it. */
    record Resumed(UUID jobId, MintId mintId, String workerId, Instant at, int attempt) implements StatusEvent {
        public Resumed {
            header(jobId, mintId, workerId, at, attempt);
        }
    }

    /** A track delivered no frame for {@code gapMs}; {@code track} is the track sid. */
    record Stalled(UUID jobId, MintId mintId, String workerId, Instant at, int attempt,
            String track, long gapMs) implements StatusEvent {
        public Stalled {
            header(jobId, mintId, workerId, at, attempt);
            Validation.text("track", track);
            Validation.nonNegative("gap_ms", gapMs);
        }
    }

    /** The target participant left the room; the recording ends if it does not return within the grace period. */
    record TargetLeft(UUID jobId, MintId mintId, String workerId, Instant at, int attempt) implements StatusEvent {
        public TargetLeft {
            header(jobId, mintId, workerId, at, attempt);
        }
    }

    /** The recording ended normally: stop command, max duration, room closed, target gone. */
    record Stopped(UUID jobId, MintId mintId, String workerId, Instant at, int attempt, String reason)
            implements StatusEvent {
        public Stopped {
            header(jobId, mintId, workerId, at, attempt);
            Validation.text("reason", reason);
        }
    }

    /** Whether a failure is this recording's alone or the worker's (which then reports not ready). */
    enum Scope { SESSION, SYSTEM }

    /** The recording failed. */
    record Failed(UUID jobId, MintId mintId, String workerId, Instant at, int attempt, String error, Scope scope)
            implements StatusEvent {
        public Failed {
            header(jobId, mintId, workerId, at, attempt);
            Validation.text("error", error);
            Validation.required("scope", scope);
        }
    }

    /**
     * The job was invalid. The job_id and mint_id of an unparseable job are unknown; the worker then reports the
     * record's DLQ coordinates in {@code reason} and uses {@link #UNKNOWN_JOB}/{@link #UNKNOWN_MINT}.
     */
    record Rejected(UUID jobId, MintId mintId, String workerId, Instant at, int attempt, String reason,
                    DlqRecord.Source source) implements StatusEvent {
        /** Stand-ins for a job_id or mint_id that could not be read from the rejected record. */
        public static final UUID UNKNOWN_JOB = new UUID(0, 0);
        public static final MintId UNKNOWN_MINT = new MintId("11111111111111111111111111111111");

        /**
         * @param jobId  the rejected job's id when it could be read, else {@link #UNKNOWN_JOB}
         * @param mintId its mint when it could be read, else {@link #UNKNOWN_MINT}
         * @param source where the rejected record was consumed; always set by the worker (absent only in events
         *               written before it was added)
         */
        public Rejected {
            header(jobId, mintId, workerId, at, attempt);
            Validation.text("reason", reason);
        }
    }

    /** The mint is already being recorded by a live worker; this job was dropped. */
    record Duplicate(UUID jobId, MintId mintId, String workerId, Instant at, int attempt) implements StatusEvent {
        public Duplicate {
            header(jobId, mintId, workerId, at, attempt);
        }
    }
}
