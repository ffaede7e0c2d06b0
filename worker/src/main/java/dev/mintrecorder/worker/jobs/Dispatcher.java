package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.DlqRecord;
import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.contracts.Topics;
import dev.mintrecorder.contracts.Validation;
import dev.mintrecorder.worker.events.EventPublisher;
import dev.mintrecorder.worker.events.JobEvents;
import dev.mintrecorder.worker.memory.Admission;
import dev.mintrecorder.worker.ops.LogContext;
import io.github.resilience4j.bulkhead.Bulkhead;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.ShareConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupMaxSizeReachedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The worker's one share consumer: it acquires a job only while a bulkhead permit and a room's memory are free,
 * settles it through {@link RecordIntake}, <b>claims</b> a job to record in the lease table, and only then ACCEPTs
 * the record. A record is therefore held for the length of a claim (milliseconds), never for the length of a
 * recording: the share group has one member per worker, not one per room, and a crash before the ACCEPT only brings
 * the record back (the next worker finds the claim and leaves the job to the guardians).
 *
 * <p>A consumer that stops working (the group is full at {@code group.share.max.size}, access denied, ten errors in a
 * row) is closed and made again after a backoff that doubles up to a minute. While it is down the worker offers no
 * capacity ({@link #up()} false: not ready, {@code recorder_rooms_max} = the rooms it runs), and every failure is
 * counted and logged at ERROR with the setting that fixes it.
 */
final class Dispatcher {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(500);
    private static final Duration IDLE_WAIT = Duration.ofMillis(100);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration VIEW_SYNC_TIMEOUT = Duration.ofSeconds(5);
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(1);
    /** Unexpected errors in a row after which the consumer is made anew. */
    static final int MAX_CONSECUTIVE_ERRORS = 10;

    /** What the dispatcher needs from the engine, and nothing more. */
    record Deps(String workerId, Clock clock, Supplier<ShareConsumer<byte[], byte[]>> consumers, Bulkhead bulkhead,
                Admission admission, EventPublisher publisher, LeaseView leases, LeaseWriter leaseWriter,
                Intake.Views views, Supplier<Boolean> mayAcquire, Runnable syncViews, Recordings recordings,
                JobMetrics metrics) {}

    private final Deps deps;
    private final RecordIntake intake;
    private final Thread thread;
    private final AtomicReference<String> down = new AtomicReference<>("not started");
    private volatile boolean stopping;
    private ShareConsumer<byte[], byte[]> consumer; // the dispatcher thread's
    private int consecutiveErrors;

    Dispatcher(Deps deps) {
        this.deps = deps;
        this.intake = new RecordIntake(new RecordIntake.Port() {
            @Override
            public Intake.Views views() {
                deps.syncViews().run();
                return deps.views();
            }

            @Override
            public void acknowledge(ConsumerRecord<byte[], byte[]> record, AcknowledgeType type) {
                consumer.acknowledge(record, type);
            }

            @Override
            public void deadLetter(byte[] key, DlqRecord record) throws Exception {
                deps.publisher().deadLetter(key, record).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }

            @Override
            public void endLease(RecordingJob job, int attempt) {
                try {
                    long order = deps.leases().table().row(job.jobId()).map(LeaseTable.Row::order)
                            .orElse(Lease.FIRST_CLAIM);
                    deps.leaseWriter().write(Lease.State.ENDED, job, attempt, order);
                } catch (Exception e) {
                    throw new IllegalStateException("lease of job " + job.jobId() + " not ended: " + e, e);
                }
            }
        }, deps.publisher(), deps.clock(), deps.workerId(), deps.metrics());
        // A platform thread: the share consumer's poll is synchronized and would pin a virtual thread's carrier.
        this.thread = Thread.ofPlatform().name(deps.workerId() + "-dispatcher").unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /** Why the dispatcher cannot take jobs now, if it cannot. */
    Optional<String> down() {
        return Optional.ofNullable(down.get());
    }

    boolean up() {
        return down.get() == null;
    }

    /** Stops acquiring and closes the consumer; returns once the thread has ended (at most {@code wait}). */
    void stop(Duration wait) {
        stopping = true;
        try {
            thread.join(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        Duration backoff = FIRST_BACKOFF;
        while (!stopping) {
            try {
                consumer = deps.consumers().get();
                consumer.subscribe(List.of(Topics.JOBS));
                down.set(null);
                consecutiveErrors = 0;
                loop();
                backoff = FIRST_BACKOFF;
            } catch (RuntimeException e) {
                String why = Validation.safeText(e.toString());
                deps.metrics().dispatchErrors.increment();
                down.set("the job dispatcher cannot take jobs: " + why + "; retrying in " + backoff.toSeconds() + " s");
                log.error("worker {} not ready: the job dispatcher stopped: {}.{} Retrying in {} s.", deps.workerId(),
                        why, remedy(e), backoff.toSeconds());
                log.debug("dispatcher failure", e);
            } finally {
                closeConsumer();
            }
            if (!stopping) {
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
        down.set("stopped");
    }

    /** Acquires while allowed; returns when stopping; throws when the consumer is beyond use. */
    private void loop() {
        while (!stopping) {
            try {
                step();
                consecutiveErrors = 0;
            } catch (RuntimeException e) {
                deps.metrics().dispatchErrors.increment();
                if (isFatal(e) || ++consecutiveErrors >= MAX_CONSECUTIVE_ERRORS) {
                    throw e;
                }
                log.error("dispatcher: unexpected error ({} in a row); carrying on: {}", consecutiveErrors,
                        Validation.safeText(e.toString()));
                sleep(IDLE_WAIT);
            }
        }
    }

    private void step() {
        if (!deps.mayAcquire().get() || !deps.bulkhead().tryAcquirePermission()) {
            sleep(IDLE_WAIT);
            return;
        }
        // Reserve the room's memory before polling: a job acquired without headroom would only be handed back.
        Optional<Admission.Reservation> admitted = deps.admission().tryReserve();
        if (admitted.isEmpty()) {
            deps.bulkhead().onComplete();
            sleep(IDLE_WAIT);
            return;
        }
        Admission.Reservation reservation = admitted.get();
        boolean kept = false;
        try {
            ConsumerRecords<byte[], byte[]> records;
            try {
                records = consumer.poll(POLL_TIMEOUT);
            } catch (KafkaException e) {
                if (isFatal(e)) {
                    throw e;
                }
                log.warn("dispatcher poll failed: {}", e.toString());
                sleep(IDLE_WAIT);
                return;
            }
            for (ConsumerRecord<byte[], byte[]> r : records) {
                deps.metrics().acquired.increment();
                if (kept) {
                    // Cannot happen with max.poll.records=1 and record_limit; guarded all the same.
                    consumer.acknowledge(r, AcknowledgeType.RELEASE);
                } else if (intake.handle(r) instanceof RecordIntake.Outcome.Take take) {
                    kept = claimAndStart(r, take.decision(), reservation);
                }
            }
            if (!records.isEmpty()) {
                commit();
            }
        } finally {
            if (!kept) {
                deps.bulkhead().onComplete();
                reservation.close();
            }
        }
    }

    /**
     * Claims the job in the lease table, waits until this worker's table holds the claim, and ACCEPTs the record:
     * started when the claim holds the mint, DUPLICATE when an earlier claim does. A claim that cannot be written
     * RELEASEs the record (the delivery limit bounds the retries). True when the job now records here.
     */
    private boolean claimAndStart(ConsumerRecord<byte[], byte[]> r, Intake.Record decision,
                                  Admission.Reservation reservation) {
        RecordingJob job = decision.job();
        try (LogContext.Scope ignored = LogContext.recording(job.mintId().value(), job.jobId().toString())) {
            long known = deps.leases().table().row(job.jobId()).map(LeaseTable.Row::order).orElse(Lease.FIRST_CLAIM);
            RecordMetadata claim;
            try {
                claim = deps.leaseWriter().write(Lease.State.CLAIMED, job, decision.attempt(), known);
                deps.leases().sync().get(VIEW_SYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                log.error("job {}: claim not written or not seen ({}); releasing its record", job.jobId(),
                        Validation.safeText(e.toString()));
                deps.metrics().intakeErrors.increment();
                consumer.acknowledge(r, AcknowledgeType.RELEASE);
                return false;
            }
            LeaseTable table = deps.leases().table();
            Optional<LeaseTable.Row> mine = table.row(job.jobId());
            Optional<LeaseTable.Row> holder = table.holder(job.mintId());
            consumer.acknowledge(r, AcknowledgeType.ACCEPT);
            if (mine.isEmpty() || mine.get().offset() != claim.offset()) {
                log.info("job {}: claimed again after this claim (attempt {}); leaving it to that claim",
                        job.jobId(), decision.attempt());
                return false;
            }
            if (holder.isEmpty() || !holder.get().lease().jobId().equals(job.jobId())) {
                lostMint(job, decision.attempt(), mine.get().order(), holder);
                return false;
            }
            deps.recordings().start(decision, mine.get().order(), reservation);
            return true;
        }
    }

    /** Two STARTs for one mint claimed at once: the earlier claim records, this one is a DUPLICATE and ENDS. */
    private void lostMint(RecordingJob job, int attempt, long order, Optional<LeaseTable.Row> holder) {
        String by = holder.map(h -> h.lease().jobId() + " on " + h.lease().workerId()).orElse("an earlier claim");
        log.info("job {}: mint {} is held by job {}: DUPLICATE", job.jobId(), job.mintId(), by);
        try {
            deps.leaseWriter().write(Lease.State.ENDED, job, attempt, order);
        } catch (Exception e) {
            log.warn("job {}: losing claim not ended ({})", job.jobId(), Validation.safeText(e.toString()));
        }
        new JobEvents(deps.publisher(), deps.clock(), job.jobId(), job.mintId(), deps.workerId(), attempt)
                .duplicate();
        deps.metrics().duplicate.increment();
    }

    private void commit() {
        try {
            consumer.commitSync(COMMIT_TIMEOUT);
        } catch (KafkaException e) {
            // The claim is written: a record whose ACCEPT is lost comes back and is settled as already claimed.
            log.warn("dispatcher commit failed: {}", e.toString());
        }
    }

    private void closeConsumer() {
        if (consumer == null) {
            return;
        }
        try {
            consumer.close(COMMIT_TIMEOUT);
        } catch (RuntimeException e) {
            log.debug("dispatcher consumer close: {}", e.toString());
        }
        consumer = null;
    }

    /** Errors no retry of the same consumer cures: the group is full, or the consumer is not allowed in. */
    static boolean isFatal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof GroupMaxSizeReachedException || t instanceof AuthorizationException
                    || t instanceof AuthenticationException) {
                return true;
            }
        }
        return false;
    }

    /** The operator's fix, for the log line. */
    private static String remedy(Throwable e) {
        return GroupRemedy.of(e, Topics.WORKER_SHARE_GROUP, "raise the broker's group.share.max.size (default 200, at "
                + "most 1000; one member per worker) or run fewer, larger workers (JOBS_MAX_ROOMS).", "the topic "
                + Topics.JOBS);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
