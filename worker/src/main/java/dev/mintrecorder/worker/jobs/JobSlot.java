package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.DlqRecord;
import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.contracts.Topics;
import dev.mintrecorder.contracts.Validation;
import dev.mintrecorder.worker.events.JobEvents;
import dev.mintrecorder.worker.memory.Admission;
import dev.mintrecorder.worker.ops.LogContext;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.ShareConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupMaxSizeReachedException;
import org.apache.kafka.common.errors.InvalidRecordStateException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One recording slot: one share consumer that acquires at most one job and holds it for the length of the recording.
 *
 * <p><b>Why a consumer per slot, not per worker.</b> Probed on kafka-clients 4.4.0: in explicit acknowledgement mode
 * every record a poll returned must be acknowledged before the next poll; a held record can only be kept by RENEWing
 * it, and the next poll then returns the renewed records <em>instead of</em> fetching new ones (it fetches only once
 * the current batch is fully ACCEPTed, RELEASEd or REJECTed). A single consumer holding one long recording could
 * therefore never acquire a second job. With one consumer per slot, {@code share.acquire.mode=record_limit} and
 * {@code max.poll.records=1}, an idle slot's poll acquires at most one record and a busy slot never acquires: the
 * number of records acquired never exceeds the free bulkhead permits.
 *
 * <p>Everything that touches the consumer (poll, acknowledge, commit) runs on this slot's own thread; other threads
 * talk to it through {@link #command(Command)}. The slot is IDLE (polling while a bulkhead permit is free) or
 * RECORDING (renewing its record's lock on a timer and waiting for the session to end, a STOP, or a drain).
 */
final class JobSlot {
    private static final Logger log = LoggerFactory.getLogger(JobSlot.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(500);
    private static final Duration RETURN_POLL = Duration.ofMillis(200);
    private static final Duration IDLE_WAIT = Duration.ofMillis(250);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration HANDOVER_WAIT = Duration.ofSeconds(30);
    /** Unexpected errors in a row after which the slot gives up: its consumer is not going to recover. */
    static final int MAX_CONSECUTIVE_ERRORS = 10;

    /** Messages to the slot thread. Those about a session carry it, so a late one for an old session is ignored. */
    sealed interface Command {
        record Stop(RecordingSession session, SessionEnd.Finished why) implements Command {}

        record Ended(RecordingSession session, SessionEnd end) implements Command {}

        /**
         * The job's record came back to another slot of this worker (its lock lapsed, e.g. across a broker restart):
         * give the recording to that slot, session untouched; completes with null if this slot no longer has it.
         */
        record Transfer(java.util.UUID jobId, CompletableFuture<HeldJob> handoff) implements Command {}

        /** SIGTERM: hand over what is held, then stop. */
        record Drain() implements Command {}
    }

    private final int index;
    private final JobEngine engine;
    private final ShareConsumer<byte[], byte[]> consumer;
    private final BlockingQueue<Command> commands = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private final RecordIntake intake;

    private volatile HeldJob active;
    // Owned by the slot thread:
    private ConsumerRecord<byte[], byte[]> held;
    private long nextRenewNanos;
    private boolean stopRequested;
    private boolean draining;
    private int consecutiveErrors;

    JobSlot(int index, JobEngine engine, ShareConsumer<byte[], byte[]> consumer) {
        this.index = index;
        this.engine = engine;
        this.consumer = consumer;
        this.intake = new RecordIntake(new RecordIntake.Port() {
            @Override
            public Intake.Views views() {
                engine.syncViews();
                return engine.views();
            }

            @Override
            public void acknowledge(ConsumerRecord<byte[], byte[]> record, AcknowledgeType type) {
                consumer.acknowledge(record, type);
            }

            @Override
            public void deadLetter(byte[] key, DlqRecord record) throws Exception {
                engine.publisher().deadLetter(key, record).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }, engine.publisher(), engine.clock(), engine.workerId(), engine.metrics());
        // A platform thread: the share consumer's poll is synchronized and would pin a virtual thread's carrier.
        this.thread = Thread.ofPlatform().name(engine.workerId() + "-slot-" + index).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /** Closes the consumer of a slot that was never started (an engine closed before {@code start()}). */
    void closeUnstarted() {
        if (thread.getState() == Thread.State.NEW) {
            consumer.close(Duration.ZERO);
            finished.complete(null);
        }
    }

    void command(Command c) {
        commands.add(c);
    }

    Optional<HeldJob> active() {
        return Optional.ofNullable(active);
    }

    /** Completes when the slot thread has ended and closed its consumer. */
    CompletableFuture<Void> finished() {
        return finished;
    }

    private void run() {
        try {
            consumer.subscribe(List.of(Topics.JOBS));
            while (true) {
                try {
                    if (active == null) {
                        handleIdleCommands(Duration.ZERO);
                        if (draining || engine.draining()) {
                            break;
                        }
                        idleStep();
                    } else {
                        try (LogContext.Scope ignored = LogContext.recording(active.job.mintId().value(),
                                active.job.jobId().toString())) {
                            recordingStep();
                        }
                    }
                    consecutiveErrors = 0;
                } catch (RuntimeException e) {
                    // A slot outlives one bad step; one that keeps failing, or whose consumer is fatally broken, is
                    // reported and stops, so that the worker never advertises a slot that takes no jobs.
                    engine.metrics().slotErrors.increment();
                    if (isFatal(e) || ++consecutiveErrors >= MAX_CONSECUTIVE_ERRORS) {
                        giveUp(e);
                        break;
                    }
                    log.error("slot {}: unexpected error ({} in a row); carrying on: {}", index, consecutiveErrors,
                            Validation.safeText(e.toString()));
                    log.debug("slot {}: unexpected error", index, e);
                    LockSupport.parkNanos(IDLE_WAIT.toNanos()); // back off; commands stay queued
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                consumer.close(COMMIT_TIMEOUT);
            } catch (RuntimeException e) {
                log.debug("slot {} consumer close: {}", index, e.toString());
            }
            finished.complete(null);
        }
    }

    /**
     * Errors no retry cures: the group is full (its member cap, {@code group.share.max.size}) or the consumer is not
     * allowed in. The consumer stays in a fatal state, so polling on would only hide a slot that takes no jobs.
     */
    private static boolean isFatal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof GroupMaxSizeReachedException || t instanceof AuthorizationException
                    || t instanceof AuthenticationException) {
                return true;
            }
        }
        return false;
    }

    /** Stops this slot for good: hands over what it holds, and tells the engine (unready, capacity, metric). */
    private void giveUp(RuntimeException e) {
        String why = Validation.safeText(e.toString());
        log.error("slot {} stopped for good after {} error(s) in a row: {}", index, consecutiveErrors + 1, why, e);
        HeldJob a = active;
        if (a != null) {
            try {
                handOver(a, true);
            } catch (RuntimeException handoverError) {
                log.warn("slot {}: handover of job {} failed: {}", index, a.job.jobId(),
                        Validation.safeText(handoverError.toString()));
            }
        }
        engine.slotFailed(index, why);
    }

    // ---- IDLE ----

    private void idleStep() throws InterruptedException {
        if (!engine.mayAcquire() || !engine.bulkhead().tryAcquirePermission()) {
            handleIdleCommands(IDLE_WAIT);
            return;
        }
        // Reserve the room's memory before polling: a job acquired without headroom would only be handed back.
        Optional<Admission.Reservation> admitted = engine.admission().tryReserve();
        if (admitted.isEmpty()) {
            engine.bulkhead().onComplete();
            handleIdleCommands(IDLE_WAIT);
            return;
        }
        Admission.Reservation reservation = admitted.get();
        boolean keep = false;
        try {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL_TIMEOUT);
            for (ConsumerRecord<byte[], byte[]> r : records) {
                if (keep) {
                    releaseExtra(r); // cannot happen with max.poll.records=1 and record_limit; guarded all the same
                } else {
                    keep = take(r, reservation);
                }
            }
            if (!records.isEmpty()) {
                commit();
            }
        } catch (KafkaException e) {
            if (isFatal(e)) {
                throw e;
            }
            log.warn("slot {} poll failed: {}", index, e.toString());
            handleIdleCommands(IDLE_WAIT);
        } finally {
            if (!keep) {
                engine.bulkhead().onComplete();
                reservation.close();
            }
        }
    }

    /**
     * Takes the commands waiting while idle (the first one waiting up to {@code wait}): only a drain matters then;
     * a transfer request finds nothing to give; session commands are stale.
     */
    private void handleIdleCommands(Duration wait) throws InterruptedException {
        for (Command c = commands.poll(wait.toNanos(), TimeUnit.NANOSECONDS); c != null; c = commands.poll()) {
            if (c instanceof Command.Drain) {
                draining = true;
            } else if (c instanceof Command.Transfer t) {
                t.handoff().complete(null);
            }
        }
    }

    /**
     * Settles one acquired record through {@link RecordIntake} (exactly one acknowledgement, whatever happens), or
     * starts recording it; true when the slot now records it (and keeps the permit).
     */
    private boolean take(ConsumerRecord<byte[], byte[]> r, Admission.Reservation reservation) {
        engine.metrics().acquired.increment();
        if (!(intake.handle(r) instanceof RecordIntake.Outcome.Take take)) {
            return false;
        }
        Intake.Record record = take.decision();
        try (LogContext.Scope ignored = LogContext.recording(record.job().mintId().value(),
                record.job().jobId().toString())) {
            return startRecording(r, record, reservation);
        } catch (RuntimeException e) {
            if (held == r) {
                // The recording exists and holds the record (and the permit); its session ends it as usual.
                log.error("job {}: error after the recording started: {}", record.job().jobId(),
                        Validation.safeText(e.toString()), e);
                engine.metrics().intakeErrors.increment();
                return true;
            }
            // A valid job this worker failed to start: another attempt (here or elsewhere) may succeed, and the
            // share group's delivery limit bounds the retries.
            log.error("job {}: could not start ({}); releasing its record", record.job().jobId(),
                    Validation.safeText(e.toString()), e);
            engine.metrics().intakeErrors.increment();
            consumer.acknowledge(r, AcknowledgeType.RELEASE);
            return false;
        }
    }

    /** On success the new recording keeps {@code reservation}; otherwise the caller closes it. */
    private boolean startRecording(ConsumerRecord<byte[], byte[]> r, Intake.Record record,
                                   Admission.Reservation reservation) {
        RecordingJob job = record.job();
        HeldJob adopted = engine.takeOverLocal(job.jobId(), this, HANDOVER_WAIT);
        if (adopted != null) {
            // Same job, same session, still running: only the record (and its lock) is new. The adopted recording
            // keeps its own reservation.
            reservation.close();
            held = r;
            active = adopted;
            nextRenewNanos = System.nanoTime() + renewInterval().toNanos();
            log.info("slot {} took over the running recording of job {} (its record came back here)", index,
                    job.jobId());
            return true;
        }
        JobEvents events = events(job, record.attempt());
        RecordingSession session;
        try {
            session = engine.sessionFactory().create(
                    new SessionContext(job, record.attempt(), record.resume(), engine.workerId(), events));
        } catch (RuntimeException e) {
            log.error("job {}: session not created", job.jobId(), e);
            events.failed(StatusEvent.FailureCode.INTERNAL, "could not create the recording session: " + e,
                    StatusEvent.Scope.SESSION, null);
            consumer.acknowledge(r, AcknowledgeType.ACCEPT);
            return false;
        }
        if (record.resume()) {
            events.resumed();
            engine.metrics().resumed.increment();
        } else {
            events.accepted();
        }
        events.heartbeat();
        HeldJob recording = new HeldJob(job, record.attempt(), session, events, reservation);
        held = r;
        stopRequested = false;
        active = recording;
        engine.metrics().roomsActive.incrementAndGet();
        log.info("slot {} {} job {} (mint {}, attempt {})", index, record.resume() ? "resumes" : "starts",
                job.jobId(), job.mintId(), record.attempt());
        session.ended().whenComplete((end, error) -> engine.routeToHolder(session, new Command.Ended(session,
                end != null ? end : new SessionEnd.Failed(StatusEvent.FailureCode.INTERNAL,
                        "recording session crashed: " + error,
                        StatusEvent.Scope.SESSION))));
        recording.maxDurationTimer(engine.timers().schedule(() -> engine.routeToHolder(session,
                        new Command.Stop(session, SessionEnd.Finished.of(SessionEnd.Reason.MAX_DURATION))),
                job.maxDurationS(), TimeUnit.SECONDS));
        try {
            session.start();
        } catch (RuntimeException e) {
            log.error("job {}: session did not start", job.jobId(), e);
            command(new Command.Ended(session,
                    new SessionEnd.Failed(StatusEvent.FailureCode.INTERNAL, "recording session did not start: " + e,
                            StatusEvent.Scope.SESSION)));
        }
        nextRenewNanos = System.nanoTime() + renewInterval().toNanos();
        return true;
    }

    private JobEvents events(RecordingJob job, int attempt) {
        return new JobEvents(engine.publisher(), engine.clock(), job.jobId(), job.mintId(), engine.workerId(), attempt);
    }

    // ---- RECORDING ----

    private void recordingStep() throws InterruptedException {
        long wait = nextRenewNanos - System.nanoTime();
        Command c = wait > 0 ? commands.poll(wait, TimeUnit.NANOSECONDS) : null;
        if (c == null) {
            renew();
            return;
        }
        HeldJob a = active;
        switch (c) {
            case Command.Drain d -> {
                draining = true;
                handOver(a, true);
            }
            case Command.Stop s when s.session() == a.session -> {
                if (!stopRequested) {
                    stopRequested = true;
                    log.info("job {}: stopping ({})", a.job.jobId(), s.why().describe());
                    a.session.stop(s.why());
                }
            }
            case Command.Ended e when e.session() == a.session -> finish(a, e.end());
            case Command.Transfer t when t.jobId().equals(a.job.jobId()) -> {
                // The old record's lock is gone and the taker holds the record now. Should the old delivery still sit
                // unacknowledged in this consumer's batch, release it so the next poll is allowed; the broker refuses
                // that release, since another member has the record.
                try {
                    consumer.acknowledge(held, AcknowledgeType.RELEASE);
                } catch (IllegalStateException alreadySettled) {
                    // the usual case: the failed renewal settled it
                }
                held = null;
                active = null;
                engine.bulkhead().onComplete();
                t.handoff().complete(a);
            }
            case Command.Transfer t -> t.handoff().complete(null);
            default -> log.debug("slot {}: stale {}", index, c);
        }
    }

    private void finish(HeldJob a, SessionEnd end) {
        switch (end) {
            case SessionEnd.Finished f ->
                    a.end(events -> events.stopped(f.reason().code(), f.describe(), f.recording()));
            case SessionEnd.Failed f -> {
                log.warn("job {} failed ({}): {}", a.job.jobId(), f.scope(), f.error());
                a.end(events -> events.failed(f.code(), f.error(), f.scope(), f.recording()));
                if (f.scope() == StatusEvent.Scope.SYSTEM) {
                    engine.systemFailure(f.error());
                }
            }
            case SessionEnd.HandedOver h -> {
                // The session gave the job up by itself (e.g. the memory governor's emergency handover).
                a.end(events -> { });
                requeueAndAccept(a);
                release(a);
                return;
            }
        }
        acknowledgeHeld(AcknowledgeType.ACCEPT);
        release(a);
    }

    /** Closes the current segment; on a drain the job goes back on the topic as the next attempt before the ACCEPT. */
    private void handOver(HeldJob a, boolean requeue) {
        a.end(events -> { });
        try {
            a.session.handover();
        } catch (RuntimeException e) {
            log.warn("job {}: handover failed: {}", a.job.jobId(), e.toString());
        }
        if (requeue) {
            requeueAndAccept(a);
        } else {
            log.info("job {}: lock lost, handed over without acknowledging", a.job.jobId());
        }
        release(a);
    }

    /**
     * Re-produces the job marked as the next attempt, then ACCEPTs the original. RELEASE would count toward the
     * delivery limit, which is why the job is re-produced instead. If the re-produce fails, the original is left
     * unacknowledged: its lock lapses and the share group redelivers it, so the job still resumes.
     */
    private void requeueAndAccept(HeldJob a) {
        RecordingJob j = a.job;
        RecordingJob next = new RecordingJob(j.jobId(), j.mintId(), j.room(), j.targetIdentity(), j.maxDurationS(),
                j.segmentS(), j.video(), j.requestedAt(), Math.min(Validation.ATTEMPT_MAX, a.attempt + 1));
        try {
            engine.publisher().requeue(next).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("job {}: handover re-produce failed ({}); leaving the record to the share group",
                    j.jobId(), e.toString());
            return;
        }
        acknowledgeHeld(AcknowledgeType.ACCEPT);
        log.info("job {}: handed over as attempt {}", j.jobId(), next.attempt());
    }

    private void release(HeldJob a) {
        held = null;
        active = null;
        engine.metrics().roomsActive.decrementAndGet();
        engine.bulkhead().onComplete();
        a.released();
    }

    /**
     * RENEWs the held record's lock and polls to get it back (the consumer returns a renewed record on the next poll;
     * that is the object to acknowledge next time). A lock the broker no longer honours means another attempt will
     * get the job: hand the session over without acknowledging.
     */
    private void renew() {
        HeldJob a = active;
        switch (acknowledgeHeld(AcknowledgeType.RENEW)) {
            case DONE -> engine.metrics().renewals.increment();
            case LOST -> {
                engine.metrics().lostLocks.increment();
                handOver(a, false);
                return;
            }
            case FAILED -> engine.metrics().renewFailures.increment();
        }
        pollForHeld(RETURN_POLL);
        nextRenewNanos = System.nanoTime() + renewInterval().toNanos();
    }

    private enum AckResult { DONE, FAILED, LOST }

    private AckResult acknowledgeHeld(AcknowledgeType type) {
        try {
            try {
                consumer.acknowledge(held, type);
            } catch (IllegalStateException notInBatch) {
                // The record is not in the consumer's current batch (a renewal failed during an outage): poll it back.
                pollForHeld(RETURN_POLL);
                consumer.acknowledge(held, type);
            }
            Map<TopicIdPartition, Optional<KafkaException>> result = consumer.commitSync(COMMIT_TIMEOUT);
            for (Map.Entry<TopicIdPartition, Optional<KafkaException>> e : result.entrySet()) {
                if (e.getKey().partition() == held.partition() && e.getKey().topic().equals(held.topic())
                        && e.getValue().isPresent()) {
                    KafkaException error = e.getValue().get();
                    log.warn("job record {}-{}@{}: {} not acknowledged: {}", held.topic(), held.partition(),
                            held.offset(), type, error.toString());
                    return error instanceof InvalidRecordStateException ? AckResult.LOST : AckResult.FAILED;
                }
            }
            return AckResult.DONE;
        } catch (IllegalStateException | KafkaException e) {
            log.warn("job record {}-{}@{}: {} failed: {}", held.topic(), held.partition(), held.offset(), type,
                    e.toString());
            return AckResult.FAILED;
        }
    }

    /** Polls while recording: adopts the held record's new object, releases anything else (only after outages). */
    private void pollForHeld(Duration timeout) {
        try {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(timeout);
            boolean extras = false;
            for (ConsumerRecord<byte[], byte[]> r : records) {
                if (r.partition() == held.partition() && r.offset() == held.offset() && r.topic().equals(held.topic())) {
                    held = r;
                } else {
                    releaseExtra(r);
                    extras = true;
                }
            }
            if (extras) {
                consumer.commitSync(COMMIT_TIMEOUT);
            }
        } catch (IllegalStateException | KafkaException e) {
            log.debug("slot {} poll while recording: {}", index, e.toString());
            LockSupport.parkNanos(RETURN_POLL.toNanos()); // back off while the broker is away
        }
    }

    private void releaseExtra(ConsumerRecord<byte[], byte[]> r) {
        log.warn("slot {} busy: releasing {}-{}@{}", index, r.topic(), r.partition(), r.offset());
        consumer.acknowledge(r, AcknowledgeType.RELEASE);
        engine.metrics().extraReleased.increment();
    }

    private void commit() {
        try {
            consumer.commitSync(COMMIT_TIMEOUT);
        } catch (KafkaException e) {
            log.warn("slot {} commit failed: {}", index, e.toString());
        }
    }

    /** Well inside the broker's lock duration, whatever the configuration says. */
    private Duration renewInterval() {
        Duration configured = engine.config().renewInterval();
        return consumer.acquisitionLockTimeoutMs()
                .map(lock -> Duration.ofMillis(lock / 3))
                .filter(third -> third.compareTo(configured) < 0)
                .orElse(configured);
    }
}
