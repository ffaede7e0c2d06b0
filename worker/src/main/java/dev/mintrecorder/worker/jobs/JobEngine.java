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
import java.util.HashMap;
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
 * The worker's job layer: the {@link Dispatcher} (one share consumer) behind a bulkhead, the running
 * {@link Recordings}, the control and lease views, the {@link Guardian} of some status partitions, heartbeats,
 * metrics and the graceful drain. One per worker. docs/design.md ("Jobs") explains the design and its limits.
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
    private final EventPublisher publisher;
    private final ControlView control;
    private final LeaseView leases;
    private final BacklogProbe backlog;
    private final Recordings recordings;
    private final RecordingSessionFactory sessionFactory;
    private final Dispatcher dispatcher;
    private final Guardian guardian;
    private final ScheduledExecutorService timers;
    private final ScheduledExecutorService backlogTimer;
    private final AtomicReference<String> systemError = new AtomicReference<>();
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
        Bulkhead bulkhead = Bulkhead.of(workerId + "-rooms", BulkheadConfig.custom()
                .maxConcurrentCalls(config.maxRooms())
                .maxWaitDuration(Duration.ZERO)
                .build());
        this.publisher = new EventPublisher(kafka, workerId + "-events", config.deliveryTimeout());
        this.backlog = new BacklogProbe(kafka, workerId + "-backlog", Topics.WORKER_SHARE_GROUP, Topics.JOBS);
        AtomicReference<Dispatcher> dispatcherRef = new AtomicReference<>();
        AtomicReference<Guardian> guardianRef = new AtomicReference<>();
        JobMetrics metrics = new JobMetrics(registry, config.maxRooms(), backlog::backlog,
                () -> dispatcherRef.get() != null && guardianRef.get() != null && ready(),
                () -> dispatcherRef.get() != null && dispatcherRef.get().up(),
                () -> guardianRef.get() != null && guardianRef.get().down().isEmpty(),
                () -> guardianRef.get() == null ? 0 : guardianRef.get().guarded());
        this.timers = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name(workerId + "-job-timers").daemon().factory());
        this.backlogTimer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name(workerId + "-backlog").daemon().factory());
        LeaseWriter leaseWriter = new LeaseWriter(publisher, workerId, clock);
        this.recordings = new Recordings(workerId, clock, sessionFactory, publisher, leaseWriter, bulkhead, metrics,
                timers, this::systemFailure);
        this.control = new ControlView(kafka, workerId, clock, recordings::stop);
        this.leases = new LeaseView(kafka, workerId, clock, recordings::leaseChanged);
        LeaseTable table = leases.table();
        Intake.Views views = new Intake.Views() {
            @Override
            public Optional<StopCommand> stopFor(MintId mint) {
                return control.stopFor(mint);
            }

            @Override
            public Optional<Intake.LiveHolder> liveHolder(MintId mint) {
                return table.holder(mint).map(r -> new Intake.LiveHolder(r.lease().jobId(), r.lease().workerId(),
                        r.lease().attempt()));
            }

            @Override
            public Optional<Intake.JobLease> lease(UUID jobId) {
                return table.row(jobId).map(r -> new Intake.JobLease(r.lease().state(), r.lease().workerId(),
                        r.lease().attempt()));
            }
        };
        this.dispatcher = new Dispatcher(new Dispatcher.Deps(workerId, clock,
                () -> new KafkaShareConsumer<>(shareConsumerConfig(kafka, workerId), new ByteArrayDeserializer(),
                        new ByteArrayDeserializer()),
                bulkhead, admission, publisher, leases, leaseWriter, views, this::ready, this::syncViews, recordings,
                metrics));
        dispatcherRef.set(dispatcher);
        this.guardian = new Guardian(kafka, workerId, clock, config.failoverRules(), config.guardianSessionTimeout(), table, leaseWriter, publisher,
                recordings, metrics);
        guardianRef.set(guardian);
    }

    /**
     * The worker's one share consumer: explicit acknowledgement, and at most one record per poll. In 4.4
     * {@code max.poll.records} is a hard cap only with {@code share.acquire.mode=record_limit}; the default
     * ({@code batch_optimized}) may acquire a whole batch.
     */
    static Map<String, Object> shareConsumerConfig(KafkaClientConfig kafka, String workerId) {
        Map<String, Object> c = new HashMap<>(kafka.clientProperties());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, Topics.WORKER_SHARE_GROUP);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, workerId + "-dispatcher");
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
        leases.start();
        CompletableFuture.allOf(control.sync(), leases.sync()).whenComplete((ok, error) -> {
            if (error == null) {
                viewsLoaded = true;
                log.info("worker {}: control and lease tables loaded; taking up to {} jobs", workerId,
                        config.maxRooms());
            }
        });
        dispatcher.start();
        guardian.start();
        long hb = config.heartbeatInterval().toMillis();
        timers.scheduleAtFixedRate(recordings::heartbeats, hb, hb, TimeUnit.MILLISECONDS);
        long bl = config.backlogInterval().toMillis();
        backlogTimer.scheduleWithFixedDelay(backlog::refresh, 0, bl, TimeUnit.MILLISECONDS);
    }

    /**
     * Whether the fleet should send this worker work: views loaded, dispatcher and guardian up, not draining, no SYSTEM
     * error, and the session factory not refusing (a nearly full spool). Not ready, the worker takes no job and
     * offers no capacity beyond the rooms it runs; it is ready again once the reason clears.
     */
    public boolean ready() {
        return notReadyReason().isEmpty();
    }

    public Optional<String> notReadyReason() {
        String error = systemError.get();
        if (error != null) {
            return Optional.of("system error: " + error);
        }
        if (draining) {
            return Optional.of("draining");
        }
        if (!viewsLoaded) {
            return Optional.of("loading the control and lease tables");
        }
        return dispatcher.down().or(guardian::down).or(sessionFactory::refusal);
    }

    /** Recordings running now. */
    public int activeRooms() {
        return recordings.count();
    }

    /**
     * SIGTERM: stop acquiring, hand every recording over (close the current segment, REQUEUE its lease as the next
     * attempt, re-enqueue the job), at most {@code grace}.
     *
     * @return true if everything was handed over within the grace period
     */
    public boolean drain(Duration grace) {
        draining = true;
        log.info("worker {}: draining {} recording(s)", workerId, activeRooms());
        long deadline = System.nanoTime() + grace.toNanos();
        dispatcher.stop(grace);
        return recordings.drain(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    /** Drains (if not yet done) within the configured grace period, then closes every client. */
    @Override
    public void close() {
        if (started && !draining) {
            drain(config.drainGrace());
        }
        dispatcher.stop(Duration.ofSeconds(10));
        guardian.close();
        timers.shutdownNow();
        backlogTimer.shutdownNow();
        control.close();
        leases.close();
        backlog.close();
        recordings.close();
        publisher.close();
    }

    /** Waits (bounded) until the views hold everything written before now, so a fresh STOP or claim counts. */
    private void syncViews() {
        try {
            CompletableFuture.allOf(control.sync(), leases.sync())
                    .get(VIEW_SYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("views not synced within {} ({}); deciding on what they hold", VIEW_SYNC_TIMEOUT, e.toString());
        }
    }

    /** A SYSTEM-scope failure: the worker stops taking jobs and reports not ready; running recordings go on. */
    private void systemFailure(String error) {
        if (systemError.compareAndSet(null, error)) {
            log.error("worker {} not ready: system error: {}", workerId, error);
        }
    }
}
