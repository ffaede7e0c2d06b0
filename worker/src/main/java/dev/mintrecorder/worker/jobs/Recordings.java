package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.contracts.StopCommand;
import dev.mintrecorder.contracts.Validation;
import dev.mintrecorder.worker.events.EventPublisher;
import dev.mintrecorder.worker.events.JobEvents;
import dev.mintrecorder.worker.memory.Admission;
import dev.mintrecorder.worker.ops.LogContext;
import io.github.resilience4j.bulkhead.Bulkhead;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The recordings this worker runs, from the claim to the moment each leaves: started, stopped, ended (terminal event,
 * then the lease ENDED), handed over on a drain (the lease REQUEUED as the next attempt, then the job re-enqueued), or
 * fenced when the lease table shows that another attempt has the job. Holds no Kafka consumer: a running job is
 * recorded in the lease table, not held in the share group.
 *
 * <p>Every end runs on a virtual thread of its own (it waits for the broker); {@link HeldJob}'s state machine makes
 * sure each recording leaves once.
 */
final class Recordings implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Recordings.class);

    private final String workerId;
    private final Clock clock;
    private final RecordingSessionFactory sessionFactory;
    private final EventPublisher publisher;
    private final LeaseWriter leases;
    private final Bulkhead bulkhead;
    private final JobMetrics metrics;
    private final ScheduledExecutorService timers;
    private final Consumer<String> systemFailure;
    private final Map<UUID, HeldJob> running = new ConcurrentHashMap<>();
    private final ExecutorService ends = Executors.newVirtualThreadPerTaskExecutor();

    Recordings(String workerId, Clock clock, RecordingSessionFactory sessionFactory, EventPublisher publisher,
               LeaseWriter leases, Bulkhead bulkhead, JobMetrics metrics, ScheduledExecutorService timers,
               Consumer<String> systemFailure) {
        this.workerId = workerId;
        this.clock = clock;
        this.sessionFactory = sessionFactory;
        this.publisher = publisher;
        this.leases = leases;
        this.bulkhead = bulkhead;
        this.metrics = metrics;
        this.timers = timers;
        this.systemFailure = systemFailure;
    }

    /**
     * Starts recording a claimed job. The recording keeps the bulkhead permit and {@code reservation} until it leaves;
     * if it cannot start, the job ends FAILED here and both are given back.
     */
    void start(Intake.Record decision, long order, Admission.Reservation reservation) {
        var job = decision.job();
        JobEvents events = new JobEvents(publisher, clock, job.jobId(), job.mintId(), workerId, decision.attempt());
        RecordingSession session;
        try {
            session = sessionFactory.create(new SessionContext(job, decision.attempt(), decision.resume(), workerId,
                    events));
        } catch (RuntimeException e) {
            log.error("job {}: session not created", job.jobId(), e);
            HeldJob never = new HeldJob(job, decision.attempt(), order, null, events, reservation);
            running.put(job.jobId(), never);
            metrics.roomsActive.incrementAndGet();
            ends.execute(() -> finish(never, new SessionEnd.Failed(StatusEvent.FailureCode.INTERNAL,
                    "could not create the recording session: " + e, StatusEvent.Scope.SESSION, null)));
            return;
        }
        if (decision.resume()) {
            events.resumed();
            metrics.resumed.increment();
        } else {
            events.accepted();
        }
        events.heartbeat();
        HeldJob recording = new HeldJob(job, decision.attempt(), order, session, events, reservation);
        running.put(job.jobId(), recording);
        metrics.roomsActive.incrementAndGet();
        log.info("{} job {} (mint {}, attempt {})", decision.resume() ? "resuming" : "starting", job.jobId(),
                job.mintId(), decision.attempt());
        session.ended().whenComplete((end, error) -> ends.execute(() -> finish(recording, end != null ? end
                : new SessionEnd.Failed(StatusEvent.FailureCode.INTERNAL, "recording session crashed: " + error,
                StatusEvent.Scope.SESSION, null))));
        recording.maxDurationTimer(timers.schedule(() -> stop(recording,
                SessionEnd.Finished.of(SessionEnd.Reason.MAX_DURATION)), job.maxDurationS(), TimeUnit.SECONDS));
        try {
            session.start();
        } catch (RuntimeException e) {
            log.error("job {}: session did not start", job.jobId(), e);
            ends.execute(() -> finish(recording, new SessionEnd.Failed(StatusEvent.FailureCode.INTERNAL,
                    "recording session did not start: " + e, StatusEvent.Scope.SESSION, null)));
        }
    }

    /** A STOP from the control table: ends the recordings it names. */
    void stop(StopCommand stop) {
        running.values().stream().filter(r -> Intake.stops(stop, r.job))
                .forEach(r -> stop(r, new SessionEnd.Finished(SessionEnd.Reason.STOPPED, stop.reason(), null)));
    }

    private void stop(HeldJob r, SessionEnd.Finished why) {
        if (r.moveTo(HeldJob.State.STOPPING)) {
            log.info("job {}: stopping ({})", r.job.jobId(), why.describe());
            r.session.stop(why);
        }
    }

    /**
     * A row of the lease table changed. If it is one of ours and another worker wrote it (a guardian failed the job
     * over while this worker was silent, e.g. paused), another attempt has the job: this one leaves without a word.
     */
    void leaseChanged(LeaseTable.Row row) {
        HeldJob r = running.get(row.lease().jobId());
        Lease l = row.lease();
        if (r == null || l.workerId().equals(workerId) || l.attempt() <= r.attempt && l.state() != Lease.State.ENDED) {
            return;
        }
        ends.execute(() -> {
            if (r.leave(events -> { })) {
                metrics.fenced.increment();
                log.warn("job {}: the lease table gives it to {} as attempt {} ({}); this attempt ({}) stops without "
                        + "a final event", r.job.jobId(), l.workerId(), l.attempt(), l.state(), r.attempt);
                handOverQuietly(r);
                release(r);
            }
        });
    }

    /** Sends every running recording's HEARTBEAT. */
    void heartbeats() {
        running.values().forEach(HeldJob::heartbeat);
    }

    int count() {
        return running.size();
    }

    Optional<HeldJob> find(UUID jobId) {
        return Optional.ofNullable(running.get(jobId));
    }

    /**
     * SIGTERM: hands every recording over (closes its segment, REQUEUEs its lease as the next attempt, re-enqueues
     * the job) and returns when all have left, or false after {@code grace}.
     */
    boolean drain(Duration grace) {
        List<CompletableFuture<Void>> left = running.values().stream().map(r -> {
            ends.execute(() -> handOver(r));
            return r.released;
        }).toList();
        try {
            CompletableFuture.allOf(left.toArray(CompletableFuture[]::new))
                    .get(grace.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("drain did not finish within {} ({} recording(s) left)", grace, running.size());
            return false;
        }
    }

    private void finish(HeldJob r, SessionEnd end) {
        try (LogContext.Scope ignored = LogContext.recording(r.job.mintId().value(), r.job.jobId().toString())) {
            switch (end) {
                case SessionEnd.Finished f -> {
                    if (r.leave(events -> events.stopped(f.reason().code(), f.describe(), f.recording()))) {
                        endLease(r);
                        release(r);
                    }
                }
                case SessionEnd.Failed f -> {
                    if (r.leave(events -> events.failed(f.code(), f.error(), f.scope(), f.recording()))) {
                        log.warn("job {} failed ({}): {}", r.job.jobId(), f.scope(), f.error());
                        endLease(r);
                        release(r);
                        if (f.scope() == StatusEvent.Scope.SYSTEM) {
                            systemFailure.accept(f.error());
                        }
                    }
                }
                // The session gave the job up by itself (e.g. the memory governor's emergency handover).
                case SessionEnd.HandedOver h -> handOver(r);
            }
        }
    }

    /**
     * Closes the current segment, then REQUEUEs the lease as the next attempt before re-enqueueing the job: a worker
     * that takes the job then finds the lease REQUEUED and resumes. Should either write fail, the lease still names
     * this worker, which goes silent: a guardian fails the job over after the liveness window.
     */
    private void handOver(HeldJob r) {
        if (!r.leave(events -> { })) {
            return;
        }
        handOverQuietly(r);
        int next = Math.min(Validation.ATTEMPT_MAX, r.attempt + 1);
        try {
            leases.write(Lease.State.REQUEUED, r.job, next, r.order);
            publisher.requeue(LeaseWriter.asAttempt(r.job, next)).get(15, TimeUnit.SECONDS);
            log.info("job {}: handed over as attempt {}", r.job.jobId(), next);
        } catch (Exception e) {
            log.warn("job {}: handover not written ({}); a guardian will fail it over", r.job.jobId(),
                    Validation.safeText(e.toString()));
        }
        release(r);
    }

    private static void handOverQuietly(HeldJob r) {
        if (r.session == null) {
            return;
        }
        try {
            r.session.handover();
        } catch (RuntimeException e) {
            log.warn("job {}: handover failed: {}", r.job.jobId(), Validation.safeText(e.toString()));
        }
    }

    /** After the terminal event: the lease ENDED, so no guardian revives the job. */
    private void endLease(HeldJob r) {
        try {
            leases.write(Lease.State.ENDED, r.job, r.attempt, r.order);
        } catch (Exception e) {
            // The guardian of the mint's status partition sees the terminal event and ends the lease itself.
            log.warn("job {}: lease not ended ({}); its guardian will end it", r.job.jobId(),
                    Validation.safeText(e.toString()));
        }
    }

    private void release(HeldJob r) {
        if (running.remove(r.job.jobId(), r)) {
            metrics.roomsActive.decrementAndGet();
            bulkhead.onComplete();
        }
        r.released();
    }

    @Override
    public void close() {
        ends.shutdown();
    }
}
