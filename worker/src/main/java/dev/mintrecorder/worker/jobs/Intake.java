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
 * The order of the checks is the contract: invalid, already ended, already claimed, already stopped, duplicate, record.
 */
public final class Intake {
    private Intake() {}

    /** What the intake knows about the world when it decides; the engine backs it with its control and lease views. */
    public interface Views {
        /** The latest STOP on the control table for this mint, if any. */
        Optional<StopCommand> stopFor(MintId mint);

        /** The active job holding this mint in the lease table (the earliest claim), if any. */
        Optional<LiveHolder> liveHolder(MintId mint);

        /** This job's own row in the lease table, if it has one. */
        Optional<JobLease> lease(UUID jobId);
    }

    /** The job holding a mint, as the lease table has it: which job, on which worker, at which attempt. */
    public record LiveHolder(UUID jobId, String workerId, int attempt) {}

    /** A job's own lease: its state, the worker that wrote it, and the attempt. */
    public record JobLease(Lease.State state, String workerId, int attempt) {}

    /** The decision. */
    public sealed interface Action {}

    /** Unusable bytes: REJECT, dead-letter with the reason, publish REJECTED. */
    public record Reject(String reason) implements Action {}

    /** The job already reached its end (its lease says ENDED): ACCEPT, publish nothing. */
    public record AlreadyEnded(RecordingJob job) implements Action {}

    /**
     * A worker has claimed this very job and records it (this record is a stale redelivery, e.g. its first ACCEPT was
     * lost): ACCEPT, publish nothing. Should that worker be dead, a guardian fails the job over.
     */
    public record AlreadyClaimed(RecordingJob job, JobLease lease) implements Action {}

    /** A STOP for this job is already on the control table: ACCEPT, publish STOPPED, record nothing. */
    public record AlreadyStopped(RecordingJob job, int attempt, String reason) implements Action {}

    /** Another job holds this mint: ACCEPT, publish DUPLICATE. */
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
        Optional<JobLease> lease = views.lease(job.jobId());
        if (lease.isPresent() && lease.get().state() == Lease.State.ENDED) {
            return new AlreadyEnded(job);
        }
        if (lease.isPresent() && lease.get().state() == Lease.State.CLAIMED) {
            // Before the STOP check: the claiming worker handles a STOP itself, and one terminal event is the rule.
            return new AlreadyClaimed(job, lease.get());
        }
        Optional<StopCommand> stop = views.stopFor(job.mintId()).filter(s -> stops(s, job));
        if (stop.isPresent()) {
            return new AlreadyStopped(job, attempt, stop.get().reason());
        }
        Optional<LiveHolder> holder = views.liveHolder(job.mintId());
        if (holder.isPresent() && !holder.get().jobId().equals(job.jobId())) {
            return new Duplicate(job, attempt, holder.get());
        }
        if (lease.isPresent()) {
            // REQUEUED: a worker handed the job over, or a guardian failed it over, as this attempt. Resume after the
            // segments the earlier attempts left.
            return new Record(job, Math.min(Validation.ATTEMPT_MAX, Math.max(attempt, lease.get().attempt())), true);
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
