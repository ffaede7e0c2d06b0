package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.worker.events.JobEvents;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;

/**
 * A job being recorded on this worker: its session, its events, its max-duration timer. Owned by one slot at a time
 * (it moves to another slot of this worker if the job's record comes back there). Heartbeats come from the timer
 * thread and the final event from the slot: both go through this object's lock, so no HEARTBEAT follows the end.
 */
final class Recording {
    final RecordingJob job;
    final int attempt;
    final RecordingSession session;
    final JobEvents events;
    /** Completes when the recording has left this worker (ended or handed over). */
    final CompletableFuture<Void> released = new CompletableFuture<>();
    private ScheduledFuture<?> maxDurationTimer;
    private boolean ended;

    Recording(RecordingJob job, int attempt, RecordingSession session, JobEvents events) {
        this.job = job;
        this.attempt = attempt;
        this.session = session;
        this.events = events;
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
