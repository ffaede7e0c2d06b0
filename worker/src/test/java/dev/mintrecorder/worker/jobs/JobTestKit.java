package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.DlqRecord;
import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.RecordingJobs;
import dev.mintrecorder.contracts.StartOptions;
import dev.mintrecorder.contracts.StatusFeed;
import dev.mintrecorder.contracts.TopicFollower;
import dev.mintrecorder.contracts.Topics;
import dev.mintrecorder.devstack.ChildJvm;
import dev.mintrecorder.devstack.Devstack;
import dev.mintrecorder.devstack.DevstackOptions;
import dev.mintrecorder.devstack.Mints;
import dev.mintrecorder.devstack.junit.DevstackExtension;
import dev.mintrecorder.worker.WorkerMain;
import dev.mintrecorder.worker.memory.Admission;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

/**
 * TEST ONLY: what the job-engine integration tests share on one devstack: a job producer, the status log, in-process
 * engines running the {@link TickSessionFactory}, and a cleanup that stops every mint a test used so no job leaks
 * into the next test. An extension: a test class registers it with
 * {@code @RegisterExtension static final JobTestKit kit = new JobTestKit();} and gets the class's devstack (Kafka with
 * short broker timings and a warmed-up share group, and S3) started before its tests, the clients connected, every
 * test cleaned up after, and everything closed after the class.
 */
final class JobTestKit implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    Devstack stack;
    RecordingJobs jobs;
    StatusFeed log;
    private final List<DlqRecord> deadLetters = new java.util.concurrent.CopyOnWriteArrayList<>();
    private TopicFollower dlq;
    final SessionTracker tracker = new SessionTracker();
    S3Client s3;
    private KafkaProducer<byte[], byte[]> raw;
    private final List<JobEngine> engines = new ArrayList<>();
    private final List<String> mints = new ArrayList<>();
    final Map<String, MeterRegistry> registries = new java.util.concurrent.ConcurrentHashMap<>();

    private final DevstackOptions options;

    /** Kafka and S3 with short broker timings. */
    JobTestKit() {
        this(DevstackOptions.forTests());
    }

    /** Kafka and S3 of {@code options} (e.g. a broker with other limits). */
    JobTestKit(DevstackOptions options) {
        this.options = options.only(Devstack.Component.KAFKA, Devstack.Component.S3);
    }

    /** The devstack, one record taken through the share group; then the clients. */
    @Override
    public void beforeAll(ExtensionContext context) {
        stack = DevstackExtension.devstack(context, options, true);
        jobs = RecordingJobs.connect(stack.kafkaBootstrap());
        log = StatusFeed.start(stack.kafkaBootstrap());
        dlq = new TopicFollower(stack.kafkaBootstrap(), "job-test-kit-dlq", Topics.JOBS_DLQ, null,
                Clock.systemUTC(), r -> deadLetters.add(Messages.decodeDlq(r.value())));
        dlq.start();
        s3 = stack.s3().client();
        raw = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap()),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        cleanUp();
    }

    /** Short timings for tests: heartbeats every 500 ms, a 3 s liveness window. */
    static JobsConfig config(int rooms) {
        return new JobsConfig(rooms, Duration.ofMillis(500), Duration.ofSeconds(3), Duration.ofSeconds(3), 10, Duration.ofSeconds(20),
                Duration.ofMinutes(10), Duration.ofSeconds(15), Duration.ofSeconds(1), Duration.ofMinutes(2));
    }

    /**
     * The real {@link dev.mintrecorder.worker.WorkerMain} in a child JVM on the test class path, so its recording
     * pipeline is the {@link TickSessionFactory} (found as a service), with the same timings. Killed with SIGKILL or
     * stopped with SIGTERM like a pod. Its log stays under target/worker-processes: the first thing to read when a
     * test fails.
     */
    ChildJvm workerProcess(String workerId, int rooms) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "worker-processes"));
            Path log = Files.createTempFile(dir, "worker-" + workerId + "-", ".log");
            return ChildJvm.main(TickWorkerMain.class.getName(), List.of()).workerFlags()
                    .env(workerEnv(workerId, rooms)).start(workerId, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The env of a child-process worker with the same timings. */
    private Map<String, String> workerEnv(String workerId, int rooms) {
        Map<String, String> env = new java.util.HashMap<>(stack.env());
        env.put("WORKER_ID", workerId);
        // Several workers share this machine: each takes a free ops port.
        env.put("OPS_PORT", "0");
        env.put("JOBS_MAX_ROOMS", Integer.toString(rooms));
        env.put("JOBS_HEARTBEAT_INTERVAL", "500ms");
        env.put("JOBS_LIVENESS_WINDOW", "3s");
        env.put("JOBS_GUARDIAN_SESSION_TIMEOUT", "3s");
        env.put("JOBS_DRAIN_GRACE_PERIOD", "15s");
        env.put("JOBS_BACKLOG_INTERVAL", "1s");
        return env;
    }

    JobEngine engine(String workerId, int rooms) {
        return engine(workerId, rooms, new TickSessionFactory(s3, stack.s3Bucket(), tracker));
    }

    /** The tick sessions this kit's engines run by default. */
    TickSessionFactory ticks() {
        return new TickSessionFactory(s3, stack.s3Bucket(), tracker);
    }

    JobEngine engine(String workerId, int rooms, Admission admission) {
        return engine(workerId, rooms, new TickSessionFactory(s3, stack.s3Bucket(), tracker), admission);
    }

    JobEngine engine(String workerId, int rooms, RecordingSessionFactory factory) {
        return engine(workerId, rooms, factory, Admission.unlimited());
    }

    JobEngine engine(String workerId, int rooms, RecordingSessionFactory factory, Admission admission) {
        MeterRegistry registry = new SimpleMeterRegistry();
        registries.put(workerId, registry);
        JobEngine engine = new JobEngine(stack.kafkaBootstrap(), workerId, config(rooms), factory, registry,
                Clock.systemUTC(), admission);
        engines.add(engine);
        engine.start();
        return engine;
    }

    double counter(String workerId, String name) {
        var c = registries.get(workerId).find(name).counter();
        return c == null ? 0 : c.count();
    }

    double gauge(String workerId, String name) {
        var g = registries.get(workerId).find(name).gauge();
        return g == null ? Double.NaN : g.value();
    }

    /** Everything on the DLQ topic so far, from its beginning. */
    List<DlqRecord> deadLetters() {
        return List.copyOf(deadLetters);
    }

    /** A fresh random mint id, remembered for the cleanup. */
    String mint() {
        String mint = Mints.random();
        mints.add(mint);
        return mint;
    }

    UUID start(String mint, String target) {
        return jobs.start(mint, StartOptions.DEFAULTS.withTarget(target).withMaxDurationS(600).withSegmentS(2));
    }

    /** A record the worker cannot use; returns where it landed. */
    RecordMetadata startRaw(String key, byte[] value) {
        try {
            return raw.send(new ProducerRecord<>(Topics.JOBS, key.getBytes(StandardCharsets.UTF_8), value)).get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops every mint this test used (so nothing leaks into the next test), then closes the engines. */
    void cleanUp() {
        mints.forEach(m -> jobs.stop(m, "test cleanup"));
        mints.clear();
        engines.forEach(JobEngine::close);
        engines.clear();
    }

    /** Closes the clients; the devstack closes after them, with the test class. */
    @Override
    public void afterAll(ExtensionContext context) {
        cleanUp();
        for (AutoCloseable client : new AutoCloseable[] {raw, jobs, log, dlq, s3}) {
            if (client != null) {
                try {
                    client.close();
                } catch (Exception e) {
                    throw new IllegalStateException("closing " + client, e);
                }
            }
        }
    }
}
