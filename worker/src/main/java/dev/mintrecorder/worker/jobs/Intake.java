package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.InvalidMessageException;
import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.contracts.StopCommand;
import dev.mintrecorder.contracts.Validation;

import java.util.Optional;
import java.util.UUID;

/**
 * What to do with one acquired job record: the engine's decision, kept pure so it is tested without Kafka.
 * The order of the checks is the contract: invalid, already ended, already stopped, duplicate, record.
 */
public final class Intake {
    private Intake() {}

    /** What the intake knows about the world when it decides; the engine backs it with its control and status views. */
    public interface Views {
        /** The latest STOP on the control table for this mint, if any. */
        Optional<StopCommand> stopFor(MintId mint);

        /** A worker recording this mint whose heartbeat is within the liveness window, if any. */
        Optional<LiveHolder> liveHolder(MintId mint);

        /** Whether a STOPPED or FAILED event was already published for this job (its final ACCEPT may have been lost). */
        boolean ended(UUID jobId);
    }

    /** A live recording of a mint, as seen in the status topic: which job, on which worker, at which attempt. */
    public record LiveHolder(UUID jobId, String workerId, int attempt) {}

    /** The decision. */
    public sealed interface Action {}

    /** Unusable bytes: REJECT, dead-letter with the reason, publish REJECTED. */
    public record Reject(String reason) implements Action {}

    /** The job already reached its end (its STOPPED/FAILED is on the status topic): ACCEPT, publish nothing. */
    public record AlreadyEnded(RecordingJob job) implements Action {}

    /** A STOP for this job is already on the control table: ACCEPT, publish STOPPED, record nothing. */
    public record AlreadyStopped(RecordingJob job, int attempt, String reason) implements Action {}

    /** Another job is recording this mint on a live worker: ACCEPT, publish DUPLICATE. */
    public record Duplicate(RecordingJob job, int attempt, LiveHolder holder) implements Action {}

    /** Record it; {@code resume} when an earlier attempt recorded part of it. */
    public record Record(RecordingJob job, int attempt, boolean resume) implements Action {}

    /**
     * Decides what to do with a record's value.
     *
     * @param value the raw record value
     * @param deliveryCount the share group's delivery count for the record (1 on first delivery)
     */
    public static Action classify(byte[] value, int deliveryCount, Views views) {
        RecordingJob job;
        try {
            job = Messages.decodeJob(value);
        } catch (InvalidMessageException e) {
            return new Reject(e.reason());
        }
        int attempt = attempt(job, deliveryCount);
        if (views.ended(job.jobId())) {
            return new AlreadyEnded(job);
        }
        Optional<StopCommand> stop = views.stopFor(job.mintId()).filter(s -> stops(s, job));
        if (stop.isPresent()) {
            return new AlreadyStopped(job, attempt, stop.get().reason());
        }
        Optional<LiveHolder> holder = views.liveHolder(job.mintId());
        if (holder.isPresent() && !holder.get().jobId().equals(job.jobId())) {
            return new Duplicate(job, attempt, holder.get());
        }
        if (holder.isPresent()) {
            // This very job was recording a moment ago: a broker restart forgot the lock without counting a
            // delivery, or its worker just died. Either way an earlier attempt left segments behind: resume after it.
            int next = Math.min(Validation.ATTEMPT_MAX, Math.max(attempt, holder.get().attempt() + 1));
            return new Record(job, next, true);
        }
        return new Record(job, attempt, deliveryCount > 1 || job.isResume());
    }

    /**
     * Whether a STOP ends this job. A STOP naming the job always does. A STOP for "any" job of the mint ends only jobs
     * requested before it: the control topic is compacted, so the last STOP of a mint stays in the table for good and
     * must not cancel the mint's later recordings.
     */
    public static boolean stops(StopCommand stop, RecordingJob job) {
        if (!stop.mintId().equals(job.mintId()) || !stop.stops(job.jobId())) {
            return false;
        }
        return stop.jobId().job().isPresent() || !stop.requestedAt().isBefore(job.requestedAt());
    }

    /** The job's attempt number plus the redeliveries of this record, so a crash failover counts as a new attempt. */
    public static int attempt(RecordingJob job, int deliveryCount) {
        return Math.min(Validation.ATTEMPT_MAX, job.attempt() + Math.max(0, deliveryCount - 1));
    }
}
