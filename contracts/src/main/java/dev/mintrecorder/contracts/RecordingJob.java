package dev.mintrecorder.contracts;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * START: record the livestream of {@code mintId}. Produced on {@link Topics#JOBS} keyed by mint_id.
 *
 * @param jobId          the recording's identity; S3 keys live under it
 * @param mintId         the token, validated base58
 * @param room           the LiveKit room; defaults to the mint_id
 * @param targetIdentity the participant to record; null means the first publisher
 * @param maxDurationS   hard limit on the recording, {@value Validation#MAX_DURATION_S_MIN}–86400 s, default 4 h
 * @param segmentS       HLS segment length, {@value Validation#SEGMENT_S_MIN}–{@value Validation#SEGMENT_S_MAX} s,
 *                       default {@value Validation#SEGMENT_S_DEFAULT}
 * @param video          video layer cap
 * @param requestedAt    when the requester asked
 * @param attempt        1 for a fresh job; a worker that hands a job over on drain re-produces it with attempt + 1,
 *                       same job_id, so the next worker resumes (salvage, continue numbering, discontinuity)
 */
public record RecordingJob(
        UUID jobId,
        MintId mintId,
        String room,
        String targetIdentity,
        int maxDurationS,
        int segmentS,
        VideoCap video,
        Instant requestedAt,
        int attempt) implements Message {

    public RecordingJob {
        Validation.required("job_id", jobId);
        Validation.required("mint_id", mintId);
        room = room == null ? mintId.value() : Validation.safeName("room", room);
        if (targetIdentity != null) {
            Validation.safeName("target_identity", targetIdentity);
        }
        Validation.range("max_duration_s", maxDurationS, Validation.MAX_DURATION_S_MIN, Validation.MAX_DURATION_S_MAX);
        Validation.range("segment_s", segmentS, Validation.SEGMENT_S_MIN, Validation.SEGMENT_S_MAX);
        if (segmentS > maxDurationS) {
            throw new InvalidMessageException(
                    "invalid segment_s: " + segmentS + " exceeds max_duration_s " + maxDurationS);
        }
        video = video == null ? VideoCap.DEFAULT : video;
        Validation.timestamp("requested_at", requestedAt);
        Validation.range("attempt", attempt, Validation.ATTEMPT_MIN, Validation.ATTEMPT_MAX);
    }

    /** Wire form: optional fields may be absent and take their defaults. */
    @JsonCreator
    static RecordingJob fromWire(
            @JsonProperty("job_id") UUID jobId,
            @JsonProperty("mint_id") MintId mintId,
            @JsonProperty("room") String room,
            @JsonProperty("target_identity") String targetIdentity,
            @JsonProperty("max_duration_s") Integer maxDurationS,
            @JsonProperty("segment_s") Integer segmentS,
            @JsonProperty("video") VideoCap video,
            @JsonProperty("requested_at") Instant requestedAt,
            @JsonProperty("attempt") Integer attempt) {
        return new RecordingJob(jobId, mintId, room, targetIdentity,
                Objects.requireNonNullElse(maxDurationS, Validation.MAX_DURATION_S_DEFAULT),
                Objects.requireNonNullElse(segmentS, Validation.SEGMENT_S_DEFAULT),
                video, requestedAt, Objects.requireNonNullElse(attempt, Validation.ATTEMPT_MIN));
    }

    public Optional<String> target() {
        return Optional.ofNullable(targetIdentity);
    }

    /** True when this record was re-produced by a handover rather than requested fresh. */
    public boolean isResume() {
        return attempt > 1;
    }

    /** The same job, marked as the next attempt: what a draining worker re-produces before it ACCEPTs the original. */
    public RecordingJob nextAttempt() {
        return new RecordingJob(jobId, mintId, room, targetIdentity, maxDurationS, segmentS, video, requestedAt,
                attempt + 1);
    }
}
