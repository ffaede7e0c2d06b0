package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.StopCommand;
import dev.mintrecorder.contracts.Topics;
import dev.mintrecorder.worker.events.EventPublisher;
import dev.mintrecorder.worker.memory.Admission;
import dev.mintrecorder.worker.ops.KafkaClientConfig;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The worker's job intake: share-group slots behind a bulkhead, the control and status views, heartbeats, metrics and
 * the graceful drain. One per worker.
 *
 * <pre>{@code
 * JobEngine engine = new JobEngine(bootstrap, workerId, config.jobs(), sessionFactory, registry, Clock.systemUTC(),
 *         memory.admission());
 * engine.start();
 * ...
 * engine.drain(config.jobs().drainGrace());   // on SIGTERM: hand every recording over
 * engine.close();
 * }</pre>
 */
public final class JobEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobEngine.class);
    private static final Duration VIEW_SYNC_TIMEOUT = Duration.ofSeconds(5);

    private final String workerId;
    private final JobsConfig config;
    private final RecordingSessionFactory sessionFactory;
    private final Clock clock;
    private final Admission admission;
    private final Bulkhead bulkhead;
    private final EventPublisher publisher;
    private final ControlView control;
    private final StatusView status;
    private final BacklogProbe backlog;
    private final JobMetrics metrics;
    private final List<JobSlot> slots = new ArrayList<>();
    private final ScheduledExecutorService timers;
    private final ScheduledExecutorService backlogTimer;
    private final Intake.Views views;
    private final AtomicReference<String> systemError = new AtomicReference<>();
    private final AtomicReference<String> slotFailure = new AtomicReference<>();
    private volatile boolean viewsLoaded;
    private volatile boolean draining;
    private volatile boolean started;

    /** An engine on plain connections to {@code bootstrapServers} (the devstack, tests). */
    public JobEngine(String bootstrapServers, String workerId, JobsConfig config, RecordingSessionFactory sessionFactory,
                     MeterRegistry registry, Clock clock, Admission admission) {
        this(KafkaClientConfig.plaintext(bootstrapServers), workerId, config, sessionFactory, registry, clock, admission);
    }

    /** @param kafka where Kafka is and how to connect: every client the engine makes starts from it */
    public JobEngine(KafkaClientConfig kafka, String workerId, JobsConfig config, RecordingSessionFactory sessionFactory,
                     MeterRegistry registry, Clock clock, Admission admission) {
        this.workerId = workerId;
        this.config = config;
        this.sessionFactory = sessionFactory;
        this.clock = clock;
        this.admission = admission;
        this.bulkhead = Bulkhead.of(workerId + "-rooms", BulkheadConfig.custom()
                .maxConcurrentCalls(config.maxRooms())
                .maxWaitDuration(Duration.ZERO)
                .build());
        this.publisher = new EventPublisher(kafka, workerId + "-events", config.deliveryTimeout());
        this.control = new ControlView(kafka, workerId, clock, this::onStop);
        this.status = new StatusView(kafka, workerId, clock, config.livenessWindow(),
                config.statusLookback());
        this.backlog = new BacklogProbe(kafka, workerId + "-backlog", Topics.WORKER_SHARE_GROUP, Topics.JOBS);
        this.metrics = new JobMetrics(registry, config.maxRooms(), backlog::backlog);
        this.views = new Intake.Views() {
            @Override
            public Optional<StopCommand> stopFor(MintId mint) {
                return control.stopFor(mint);
            }

            @Override
            public Optional<Intake.LiveHolder> liveHolder(MintId mint) {
                Optional<Intake.LiveHolder> here = slots.stream().flatMap(s -> s.active().stream())
                        .filter(a -> a.job.mintId().equals(mint))
                        .map(a -> new Intake.LiveHolder(a.job.jobId(), workerId, a.attempt)).findFirst();
                return here.isPresent() ? here : status.liveHolder(mint);
            }

            @Override
            public boolean ended(UUID jobId) {
                return status.ended(jobId);
            }
        };
        this.timers = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name(workerId + "-job-timers").daemon().factory());
        this.backlogTimer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name(workerId + "-backlog").daemon().factory());
        for (int i = 0; i < config.maxRooms(); i++) {
            slots.add(new JobSlot(i, this, new KafkaShareConsumer<>(shareConsumerConfig(kafka, workerId, i),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())));
        }
    }

    /**
     * The share consumer of one slot: explicit acknowledgement, and at most one record per poll. In 4.4
     * {@code max.poll.records} is a hard cap only with {@code share.acquire.mode=record_limit}; the default
     * ({@code batch_optimized}) may acquire a whole batch.
     */
    static Map<String, Object> shareConsumerConfig(KafkaClientConfig kafka, String workerId, int slot) {
        Map<String, Object> c = new HashMap<>(kafka.clientProperties());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, Topics.WORKER_SHARE_GROUP);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, workerId + "-slot-" + slot);
        c.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
        c.put(ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        c.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
        return c;
    }

    /** Starts reading the views and, once they have caught up, acquiring jobs. Returns at once. */
    public synchronized void start() {
        if (started) {
            return;
        }
        started = true;
        control.start();
        status.start();
        CompletableFuture.allOf(control.sync(), status.sync()).whenComplete((ok, error) -> {
            if (error == null) {
                viewsLoaded = true;
                log.info("worker {}: control and status views loaded; taking up to {} jobs", workerId,
                        config.maxRooms());
            }
        });
        slots.forEach(JobSlot::start);
        long hb = config.heartbeatInterval().toMillis();
        timers.scheduleAtFixedRate(this::heartbeats, hb, hb, TimeUnit.MILLISECONDS);
        long bl = config.backlogInterval().toMillis();
        backlogTimer.scheduleWithFixedDelay(backlog::refresh, 0, bl, TimeUnit.MILLISECONDS);
    }

    /** Whether the fleet should send this worker work: views loaded, not draining, no SYSTEM error. */
    public boolean ready() {
        return notReadyReason().isEmpty();
    }

    public Optional<String> notReadyReason() {
        String error = systemError.get();
        if (error != null) {
            return Optional.of("system error: " + error);
        }
        String slot = slotFailure.get();
        if (slot != null) {
            return Optional.of(slot);
        }
        if (draining) {
            return Optional.of("draining");
        }
        if (!viewsLoaded) {
            return Optional.of("loading the control and status topics");
        }
        return Optional.empty();
    }

    /** Recordings running now. */
    public int activeRooms() {
        return metrics.roomsActive.get();
    }

    /**
     * SIGTERM: stop acquiring, hand every recording over (close the current segment, re-produce the job as the next
     * attempt, ACCEPT the original), and wait for the slots to finish, at most {@code grace}.
     *
     * @return true if everything was handed over within the grace period
     */
    public boolean drain(Duration grace) {
        draining = true;
        log.info("worker {}: draining {} recording(s)", workerId, activeRooms());
        slots.forEach(s -> s.command(new JobSlot.Command.Drain()));
        CompletableFuture<?>[] done = slots.stream().map(JobSlot::finished).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(done).get(grace.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            log.warn("worker {}: drain did not finish within {}", workerId, grace);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return false;
        }
    }

    /** Drains (if not yet done) within the configured grace period, then closes every client. */
    @Override
    public void close() {
        if (started && !draining) {
            drain(config.drainGrace());
        }
        slots.forEach(JobSlot::closeUnstarted);
        timers.shutdownNow();
        backlogTimer.shutdownNow();
        control.close();
        status.close();
        backlog.close();
        publisher.close();
    }

    // ---- used by the slots ----

    String workerId() {
        return workerId;
    }

    JobsConfig config() {
        return config;
    }

    Clock clock() {
        return clock;
    }

    /** Asked before every poll: a slot polls only with one room's memory reserved. */
    Admission admission() {
        return admission;
    }

    Bulkhead bulkhead() {
        return bulkhead;
    }

    EventPublisher publisher() {
        return publisher;
    }

    JobMetrics metrics() {
        return metrics;
    }

    RecordingSessionFactory sessionFactory() {
        return sessionFactory;
    }

    ScheduledExecutorService timers() {
        return timers;
    }

    Intake.Views views() {
        return views;
    }

    boolean draining() {
        return draining;
    }

    boolean mayAcquire() {
        return ready();
    }

    /** Waits (bounded) until the views hold everything written before now, so a fresh STOP or heartbeat counts. */
    void syncViews() {
        try {
            CompletableFuture.allOf(control.sync(), status.sync())
                    .get(VIEW_SYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("views not synced within {} ({}); deciding on what they hold", VIEW_SYNC_TIMEOUT, e.toString());
        }
    }

    /**
     * A slot stopped for good: the worker reports not ready (it no longer has the capacity it was started with), stops
     * taking jobs and counts the slot out of {@code recorder.rooms.max}. Running recordings go on.
     */
    void slotFailed(int index, String error) {
        metrics.slotsFailed.incrementAndGet();
        slotFailure.compareAndSet(null, "job slot " + index + " failed: " + error);
        log.error("worker {} not ready: job slot {} failed: {}", workerId, index, error);
    }

    /** A SYSTEM-scope failure: the worker stops taking jobs and reports not ready; running recordings go on. */
    void systemFailure(String error) {
        if (systemError.compareAndSet(null, error)) {
            log.error("worker {} not ready: system error: {}", workerId, error);
        }
    }

    /**
     * A slot acquired a job another slot of this worker still records (its lock lapsed, e.g. across a broker restart,
     * and the share group handed the record back here): the recording moves to the new slot, session untouched.
     *
     * @return the recording to continue, or null if no other slot here holds the job
     */
    HeldJob takeOverLocal(UUID jobId, JobSlot taker, Duration wait) {
        for (JobSlot s : slots) {
            if (s == taker || s.active().filter(a -> a.job.jobId().equals(jobId)).isEmpty()) {
                continue;
            }
            CompletableFuture<HeldJob> handoff = new CompletableFuture<>();
            s.command(new JobSlot.Command.Transfer(jobId, handoff));
            try {
                return handoff.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                log.warn("job {}: the old slot did not hand the recording over within {}", jobId, wait);
                return null;
            }
        }
        return null;
    }

    /** Delivers a session's command to whichever slot holds the session now (it may have moved). */
    void routeToHolder(RecordingSession session, JobSlot.Command command) {
        for (JobSlot s : slots) {
            if (s.active().filter(a -> a.session == session).isPresent()) {
                s.command(command);
                return;
            }
        }
    }

    private void onStop(StopCommand stop) {
        for (JobSlot s : slots) {
            s.active().filter(a -> Intake.stops(stop, a.job)).ifPresent(a -> s.command(new JobSlot.Command.Stop(
                    a.session, new SessionEnd.Finished(SessionEnd.Reason.STOPPED, stop.reason()))));
        }
    }

    private void heartbeats() {
        for (JobSlot s : slots) {
            s.active().ifPresent(HeldJob::heartbeat);
        }
    }
}
