package dev.mintrecorder.worker;

import dev.mintrecorder.worker.events.EventPublisher;
import dev.mintrecorder.worker.jobs.JobEngine;
import dev.mintrecorder.worker.jobs.RecordingSessionFactory;
import dev.mintrecorder.worker.jobs.UnavailableRecordingSessionFactory;
import dev.mintrecorder.worker.memory.WorkerMemory;
import dev.mintrecorder.worker.ops.ConfigException;
import dev.mintrecorder.worker.ops.LogContext;
import dev.mintrecorder.worker.ops.OpsServer;
import dev.mintrecorder.worker.ops.WorkerConfig;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;

/**
 * Entry point of the recording worker: loads {@link WorkerConfig} from the environment, starts the job engine, the
 * memory governor and the operations endpoint ({@code /metrics}, {@code /health/live}, {@code /health/ready}), and on
 * SIGTERM (or SIGINT) drains: every recording is handed over to another worker, then the process exits 0 within
 * {@code DRAIN_GRACE_PERIOD}. A configuration error exits 2 with a message naming the variable.
 */
public final class WorkerMain {
    private static final Logger log = LoggerFactory.getLogger(WorkerMain.class);

    private WorkerMain() {}

    public static void main(String[] args) throws InterruptedException {
        WorkerConfig config;
        try {
            config = WorkerConfig.load(System.getenv());
        } catch (ConfigException e) {
            System.err.println("mint-recorder worker: configuration error: " + e.getMessage());
            System.exit(2);
            return;
        }
        LogContext.workerId(config.workerId());
        // The signal is handled, not left to the JVM's shutdown (which would exit 143): the drain decides the exit.
        CountDownLatch terminate = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> terminate.countDown());
        Signal.handle(new Signal("INT"), s -> terminate.countDown());

        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // Components built by a service provider (the recording pipeline) register their meters globally.
        Metrics.globalRegistry.add(registry);
        RecordingSessionFactory sessions = sessionFactory(config);
        // Memory alarms get a producer of their own: the engine's is private to it.
        EventPublisher alarms = new EventPublisher(config.kafka(), config.workerId() + "-alarms",
                config.jobs().deliveryTimeout());
        WorkerMemory memory = WorkerMemory.start(config.workerId(), config.memory(), alarms::alarm, registry);
        // The engine polls for a job only with one room's memory reserved in the governor's admission.
        JobEngine engine = new JobEngine(config.kafka(), config.workerId(), config.jobs(),
                sessions, registry, Clock.systemUTC(), memory.admission());
        OpsServer ops;
        try {
            ops = new OpsServer(config.ops().port(), registry, List.of(memory.governor()::notLiveReason),
                    List.of(engine::notReadyReason, memory.governor()::notReadyReason));
        } catch (IOException e) {
            System.err.println("mint-recorder worker: OPS_PORT " + config.ops().port() + " cannot be served: " + e);
            System.exit(2);
            return;
        }
        engine.start();
        log.info("worker {} started: {} room(s), Kafka {} ({})", config.workerId(), config.jobs().maxRooms(),
                config.kafkaBootstrapServers(), config.kafka().securityProtocol());

        terminate.await();
        log.info("worker {}: termination requested; draining within {}", config.workerId(), config.jobs().drainGrace());
        boolean handedOver = engine.drain(config.jobs().drainGrace());
        engine.close();
        // The pipeline's shared resources (the WebRTC factory, whose native threads keep the JVM alive) go last.
        if (sessions instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                log.warn("worker {}: closing the recording pipeline failed", config.workerId(), e);
            }
        }
        memory.close();
        alarms.close();
        // The probes answer (not ready: draining) until the very end.
        ops.close();
        log.info("worker {}: {}", config.workerId(), handedOver ? "drained" : "grace period over; exiting");
        System.exit(0);
    }

    /**
     * The recording pipeline, found as a {@link RecordingSessionFactory.Provider} service. Without one this build
     * cannot record: it runs with {@link UnavailableRecordingSessionFactory}, which fails each job it takes and marks
     * the worker not ready.
     */
    static RecordingSessionFactory sessionFactory(WorkerConfig config) {
        List<RecordingSessionFactory.Provider> providers = ServiceLoader.load(RecordingSessionFactory.Provider.class)
                .stream().map(ServiceLoader.Provider::get).toList();
        if (providers.size() > 1) {
            // A test class path lists test classes first, so a test double there replaces the real pipeline.
            log.warn("more than one recording pipeline on the class path; using the first: {}", providers);
        }
        if (providers.isEmpty()) {
            log.warn("no recording pipeline in this build: jobs taken will fail with \"{}\"",
                    UnavailableRecordingSessionFactory.ERROR);
            return new UnavailableRecordingSessionFactory();
        }
        log.info("recording pipeline: {}", providers.getFirst().getClass().getName());
        return providers.getFirst().create(config);
    }
}
