package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.worker.events.JobEvents;
import dev.mintrecorder.worker.memory.Admission;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;

/**
 * A job held by a slot of this worker while it records: its session, its events, its max-duration timer. Owned by one
 * slot at a time (it moves to another slot of this worker if the job's record comes back there). Heartbeats come from
 * the timer thread and the final event from the slot: both go through this object's lock, so no HEARTBEAT follows the
 * end.
 */
final class HeldJob {
    final RecordingJob job;
    final int attempt;
    final RecordingSession session;
    final JobEvents events;
    /** The room's memory reservation, held until the room runs (the governor releases it then) or leaves. */
    private final Admission.Reservation reservation;
    /** Completes when the recording has left this worker (ended or handed over). */
    final CompletableFuture<Void> released = new CompletableFuture<>();
    private ScheduledFuture<?> maxDurationTimer;
    private boolean ended;

    HeldJob(RecordingJob job, int attempt, RecordingSession session, JobEvents events,
              Admission.Reservation reservation) {
        this.job = job;
        this.attempt = attempt;
        this.session = session;
        this.events = events;
        this.reservation = reservation.forJob(job.jobId());
    }

    /** The recording left this worker: its reservation, if the room never ran, is released (idempotent). */
    void released() {
        reservation.close();
        released.complete(null);
    }

    synchronized void maxDurationTimer(ScheduledFuture<?> timer) {
        this.maxDurationTimer = timer;
    }

    synchronized void heartbeat() {
        if (!ended) {
            events.heartbeat();
        }
    }

    /** Marks the end; {@code lastWords} publishes the final event (if any) before any further heartbeat could. */
    synchronized void end(Consumer<JobEvents> lastWords) {
        ended = true;
        if (maxDurationTimer != null) {
            maxDurationTimer.cancel(false);
        }
        lastWords.accept(events);
    }
}
