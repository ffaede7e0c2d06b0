package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.worker.events.JobEvents;
import dev.mintrecorder.worker.memory.Admission;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;

/**
 * A job this worker records: its session, its events, its max-duration timer, its lease order and its state. The
 * state machine is {@link State}, and every transition goes through {@link #moveTo}: so a recording ends exactly once,
 * and no HEARTBEAT follows its final event (heartbeats come from the timer thread, the end from another).
 */
final class HeldJob {
    /** Where a recording stands on this worker. */
    enum State {
        /** Recording. */
        RUNNING,
        /** A STOP or the max duration asked the session to end; its end is awaited. */
        STOPPING,
        /** Left this worker: ended (terminal event published), handed over, or fenced (another attempt has it). */
        GONE;

        boolean canMoveTo(State next) {
            return switch (this) {
                case RUNNING -> next != RUNNING;
                case STOPPING -> next == GONE;
                case GONE -> false;
            };
        }
    }

    final RecordingJob job;
    final int attempt;
    /** The job's place among its mint's claims (the lease's order), kept in every later lease row of the job. */
    final long order;
    final RecordingSession session;
    final JobEvents events;
    /** The room's memory reservation, held until the room runs (the governor releases it then) or leaves. */
    private final Admission.Reservation reservation;
    /** Completes when the recording has left this worker (ended, handed over or fenced). */
    final CompletableFuture<Void> released = new CompletableFuture<>();
    private ScheduledFuture<?> maxDurationTimer;
    private State state = State.RUNNING;

    HeldJob(RecordingJob job, int attempt, long order, RecordingSession session, JobEvents events,
            Admission.Reservation reservation) {
        this.job = job;
        this.attempt = attempt;
        this.order = order;
        this.session = session;
        this.events = events;
        this.reservation = reservation.forJob(job.jobId());
    }

    /** Moves to {@code next} if the state machine allows it; false (and nothing changes) otherwise. */
    synchronized boolean moveTo(State next) {
        if (!state.canMoveTo(next)) {
            return false;
        }
        state = next;
        return true;
    }

    synchronized void maxDurationTimer(ScheduledFuture<?> timer) {
        this.maxDurationTimer = timer;
    }

    synchronized void heartbeat() {
        if (state != State.GONE) {
            events.heartbeat();
        }
    }

    /**
     * Leaves this worker: {@code lastWords} publishes the final event (if any) under the lock, so no heartbeat follows
     * it. False if the recording had already left.
     */
    synchronized boolean leave(Consumer<JobEvents> lastWords) {
        if (!moveTo(State.GONE)) {
            return false;
        }
        if (maxDurationTimer != null) {
            maxDurationTimer.cancel(false);
        }
        lastWords.accept(events);
        return true;
    }

    /** The recording left this worker: its reservation, if the room never ran, is released (idempotent). */
    void released() {
        reservation.close();
        released.complete(null);
    }
}
