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

    /**
     * A segment was uploaded and is in the playlist.
     *
     * @param lost the segments lost just before this one, when there are any (added within schema 1: absent otherwise
     *             and in events written before it was added)
     */
    record Segment(UUID jobId, MintId mintId, String workerId, Instant at, int attempt,
            long seq, String key, long bytes, double durationS, long droppedFrames, Lost lost) implements StatusEvent {
        public Segment {
            header(jobId, mintId, workerId, at, attempt);
            Validation.nonNegative("seq", seq);
            Validation.text("key", key);
            Validation.nonNegative("bytes", bytes);
            if (!(durationS >= 0) || Double.isInfinite(durationS)) {
                throw new InvalidMessageException("invalid duration_s: " + durationS + " is not a finite duration");
            }
            Validation.nonNegative("dropped_frames", droppedFrames);
            if (lost != null && lost.firstSeq() + lost.segments() > seq) {
                throw new InvalidMessageException("invalid lost: segments " + lost.firstSeq() + "+" + lost.segments()
                        + " do not come before seq " + seq);
            }
        }

        /** A segment with nothing lost before it. */
        public Segment(UUID jobId, MintId mintId, String workerId, Instant at, int attempt, long seq, String key,
                       long bytes, double durationS, long droppedFrames) {
            this(jobId, mintId, workerId, at, attempt, seq, key, bytes, durationS, droppedFrames, null);
        }
    }

    /**
     * Segments that never reached storage (S3 could not take them and the worker's spool was full or off), reported on
     * the next segment that did: the playlist skips their sequence numbers with a discontinuity, and the manifest
     * lists the hole as a gap.
     *
     * @param firstSeq  the first lost sequence number
     * @param segments  how many, from {@code firstSeq}, were lost
     * @param durationS their seconds of media
     * @param reason    why, for people (the last loss's reason)
     */
    record Lost(long firstSeq, int segments, double durationS, String reason) {
        public Lost {
            Validation.nonNegative("lost.first_seq", firstSeq);
            Validation.range("lost.segments", segments, 1, Integer.MAX_VALUE);
            if (!(durationS >= 0) || Double.isInfinite(durationS)) {
                throw new InvalidMessageException("invalid lost.duration_s: " + durationS
                        + " is not a finite duration");
            }
            Validation.text("lost.reason", reason);
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

    /**
     * Why a recording ended normally. Closed within schema 1, like every enum of the contract (a new code bumps the
     * major version).
     */
    enum EndCode {
        /** A STOP command for the job (or for any job of the mint); also a STOP that came before the job started. */
        STOP_REQUESTED,
        /** The job's max_duration_s ran out. */
        MAX_DURATION,
        /** The server closed or deleted the room. */
        ROOM_CLOSED,
        /** The target participant left (or stopped publishing) and did not return within the grace period. */
        TARGET_LEFT,
        /** The server removed the recorder from the room (kicked, a duplicate identity, ...). */
        RECORDER_REMOVED
    }

    /**
     * The recording ended normally.
     *
     * @param code      why, for programs; always written by the worker (absent only in events written before it was
     *                  added, which a reader must accept)
     * @param reason    the same for people, with any detail (the STOP's own reason, the server's leave reason)
     * @param recording what was recorded, as manifest.json says at the end; absent when the job ended before it
     *                  began recording (a STOP that came first) and in events written before it was added
     */
    record Stopped(UUID jobId, MintId mintId, String workerId, Instant at, int attempt, EndCode code, String reason,
                   Recording recording) implements StatusEvent {
        public Stopped {
            header(jobId, mintId, workerId, at, attempt);
            Validation.text("reason", reason);
        }
    }

    /** Whether a failure is this recording's alone or the worker's (which then reports not ready). */
    enum Scope { SESSION, SYSTEM }

    /** What kind of failure ended a recording. Closed within schema 1 (a new code bumps the major version). */
    enum FailureCode {
        /** LiveKit has no such room. */
        ROOM_NOT_FOUND,
        /** LiveKit refused the recorder's join token (bad key or secret, expired, missing grants). */
        TOKEN_REJECTED,
        /** The signal connection to LiveKit could not be made. */
        CONNECT_FAILED,
        /** LiveKit refused the join for another reason. */
        JOIN_REJECTED,
        /** The target's tracks were not there to subscribe to in time. */
        TARGET_TRACKS_MISSING,
        /** The signal connection was lost and could not be resumed. */
        SIGNAL_LOST,
        /** WebRTC failed: the peer connection or its media, or no WebRTC runtime on the worker. */
        WEBRTC,
        /** The encoder (FFmpeg) failed or did not stop. */
        ENCODER,
        /** S3 refused or failed a segment upload or the playlist and manifest writes. */
        STORAGE,
        /** Anything else: a bug, an interrupted worker, a session that could not be created or started. */
        INTERNAL
    }

    /**
     * The recording failed.
     *
     * @param code      the kind of failure, for programs; always written by the worker (absent only in events written
     *                  before it was added)
     * @param error     the failure for people, usually the exception's text
     * @param recording what was recorded before the failure, as manifest.json says at the end; only when anything
     *                  was recorded (at least one segment)
     */
    record Failed(UUID jobId, MintId mintId, String workerId, Instant at, int attempt, FailureCode code, String error,
                  Scope scope, Recording recording) implements StatusEvent {
        public Failed {
            header(jobId, mintId, workerId, at, attempt);
            Validation.text("error", error);
            Validation.required("scope", scope);
        }
    }

    /**
     * What a finished (or failed) recording holds, taken from its {@code manifest.json} when it ended: a consumer needs
     * no S3 listing to learn where it is and how complete it is.
     *
     * @param bucket        the S3 bucket
     * @param playlistKey   the HLS playlist ({@code index.m3u8}, with ENDLIST)
     * @param manifestKey   {@code manifest.json}
     * @param startedAt     when the recording's first attempt began
     * @param endedAt       when it ended (the final manifest was written)
     * @param durationS     media seconds: the sum of the segments' durations
     * @param segments      segments in the playlist
     * @param bytes         their bytes
     * @param droppedFrames video frames lost before encoding (queue drops and encoder skips), as last reported
     * @param gaps          times the media stopped and came back (each a discontinuity)
     * @param gapMs         the gaps' total milliseconds
     * @param resumes       times another worker took the job over and continued it
     * @param attempts      attempts that recorded into it: 1 + resumes
     */
    record Recording(String bucket, String playlistKey, String manifestKey, Instant startedAt, Instant endedAt,
                     double durationS, long segments, long bytes, long droppedFrames, long gaps, long gapMs,
                     long resumes, int attempts) {
        public Recording {
            Validation.text("recording.bucket", bucket);
            Validation.text("recording.playlist_key", playlistKey);
            Validation.text("recording.manifest_key", manifestKey);
            Validation.timestamp("recording.started_at", startedAt);
            Validation.timestamp("recording.ended_at", endedAt);
            if (!(durationS >= 0) || Double.isInfinite(durationS)) {
                throw new InvalidMessageException("invalid recording.duration_s: " + durationS
                        + " is not a finite duration");
            }
            Validation.nonNegative("recording.segments", segments);
            Validation.nonNegative("recording.bytes", bytes);
            Validation.nonNegative("recording.dropped_frames", droppedFrames);
            Validation.nonNegative("recording.gaps", gaps);
            Validation.nonNegative("recording.gap_ms", gapMs);
            Validation.nonNegative("recording.resumes", resumes);
            Validation.range("recording.attempts", attempts, Validation.ATTEMPT_MIN, Validation.ATTEMPT_MAX);
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
