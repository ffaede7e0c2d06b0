package dev.mintrecorder.worker;

import dev.mintrecorder.worker.events.EventPublisher;
import dev.mintrecorder.worker.jobs.JobEngine;
import dev.mintrecorder.worker.jobs.RecordingSessionFactory;
import dev.mintrecorder.worker.memory.RoomMemoryRegistry;
import dev.mintrecorder.worker.memory.WorkerMemory;
import dev.mintrecorder.worker.ops.ConfigException;
import dev.mintrecorder.worker.ops.LogContext;
import dev.mintrecorder.worker.ops.OpsServer;
import dev.mintrecorder.worker.ops.WorkerConfig;
import dev.mintrecorder.worker.pipeline.PipelineSessionFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Entry point of the recording worker: loads {@link WorkerConfig} from the environment, starts the job engine, the
 * memory governor and the operations endpoint ({@code /metrics}, {@code /health/live}, {@code /health/ready}), and on
 * SIGTERM (or SIGINT) drains: every recording is handed over to another worker, then the process exits 0 within
 * {@code JOBS_DRAIN_GRACE_PERIOD}. A configuration error exits 2 with a message naming the variable.
 *
 * <p>This is where the worker is wired: the recording pipeline ({@link PipelineSessionFactory}) is built here with
 * its dependencies, the meter registry that {@code /metrics} serves and the room registry the memory governor
 * watches. Nothing is found on the class path and nothing is process-global.
 */
public final class WorkerMain {
    private static final Logger log = LoggerFactory.getLogger(WorkerMain.class);

    private WorkerMain() {}

    /**
     * How the worker makes its recording pipeline, from its configuration and the two registries it shares with the
     * rest of the worker. If the result is {@link AutoCloseable} it is closed after the job engine.
     */
    @FunctionalInterface
    public interface Pipeline {
        RecordingSessionFactory create(WorkerConfig config, MeterRegistry registry, RoomMemoryRegistry roomMemories);
    }

    public static void main(String[] args) throws InterruptedException {
        run(PipelineSessionFactory::new);
    }

    /**
     * Runs the worker with {@code pipeline} until SIGTERM or SIGINT, then exits. {@link #main} runs it with the real
     * recording pipeline; tests run the same worker around a test double (see the test {@code TickWorkerMain}).
     */
    public static void run(Pipeline pipeline) throws InterruptedException {
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
        // The pipeline registers each running room here; the memory governor watches them.
        RoomMemoryRegistry roomMemories = new RoomMemoryRegistry();
        RecordingSessionFactory sessions = pipeline.create(config, registry, roomMemories);
        log.info("recording pipeline: {}", sessions.getClass().getName());
        // Memory alarms get a producer of their own: the engine's is private to it.
        EventPublisher alarms = new EventPublisher(config.kafka(), config.workerId() + "-alarms",
                config.jobs().deliveryTimeout());
        WorkerMemory memory = WorkerMemory.start(config.workerId(), config.memory(), alarms::alarm, registry,
                roomMemories);
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
}
