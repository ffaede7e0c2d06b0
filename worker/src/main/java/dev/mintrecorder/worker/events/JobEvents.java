package dev.mintrecorder.worker.events;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.contracts.Validation;

import java.time.Clock;
import java.util.UUID;

/**
 * The status events of one job attempt, with the header every event carries (job_id, mint_id, worker_id, attempt)
 * filled in once. A session gets one of these to report JOINED, SEGMENT, STALLED and TARGET_LEFT; the job engine
 * reports the rest. Events go out keyed by mint_id, so each job's events stay in order.
 */
public final class JobEvents {
    private final StatusSink publisher;
    private final Clock clock;
    private final UUID jobId;
    private final MintId mintId;
    private final String workerId;
    private final int attempt;

    public JobEvents(StatusSink publisher, Clock clock, UUID jobId, MintId mintId, String workerId, int attempt) {
        this.publisher = publisher;
        this.clock = clock;
        this.jobId = jobId;
        this.mintId = mintId;
        this.workerId = workerId;
        this.attempt = attempt;
    }

    public UUID jobId() {
        return jobId;
    }

    public MintId mintId() {
        return mintId;
    }

    public int attempt() {
        return attempt;
    }

    public void accepted() {
        publisher.status(new StatusEvent.Accepted(jobId, mintId, workerId, clock.instant(), attempt));
    }

    public void resumed() {
        publisher.status(new StatusEvent.Resumed(jobId, mintId, workerId, clock.instant(), attempt));
    }

    public void heartbeat() {
        publisher.status(new StatusEvent.Heartbeat(jobId, mintId, workerId, clock.instant(), attempt));
    }

    public void joined() {
        publisher.status(new StatusEvent.Joined(jobId, mintId, workerId, clock.instant(), attempt));
    }

    /** @param lost the segments lost just before this one, or null */
    public void segment(long seq, String key, long bytes, double durationS, long droppedFrames,
                        StatusEvent.Lost lost) {
        publisher.status(new StatusEvent.Segment(jobId, mintId, workerId, clock.instant(), attempt, seq, key, bytes,
                durationS, droppedFrames, lost));
    }

    public void stalled(String track, long gapMs) {
        publisher.status(new StatusEvent.Stalled(jobId, mintId, workerId, clock.instant(), attempt, track, gapMs));
    }

    public void targetLeft() {
        publisher.status(new StatusEvent.TargetLeft(jobId, mintId, workerId, clock.instant(), attempt));
    }

    /**
     * {@code reason} may quote others' text (a STOP's reason, an exception): it is bounded and escaped here.
     *
     * @param recording what was recorded (from the final manifest), or null where the job recorded nothing
     */
    public void stopped(StatusEvent.EndCode code, String reason, StatusEvent.Recording recording) {
        publisher.status(new StatusEvent.Stopped(jobId, mintId, workerId, clock.instant(), attempt,
                java.util.Objects.requireNonNull(code), Validation.safeText(reason), recording));
    }

    /**
     * {@code error} is usually an exception's text: it is bounded and escaped here.
     *
     * @param recording what was recorded before the failure, or null when nothing was
     */
    public void failed(StatusEvent.FailureCode code, String error, StatusEvent.Scope scope,
                       StatusEvent.Recording recording) {
        publisher.status(new StatusEvent.Failed(jobId, mintId, workerId, clock.instant(), attempt,
                java.util.Objects.requireNonNull(code), Validation.safeText(error), scope, recording));
    }

    public void duplicate() {
        publisher.status(new StatusEvent.Duplicate(jobId, mintId, workerId, clock.instant(), attempt));
    }
}
