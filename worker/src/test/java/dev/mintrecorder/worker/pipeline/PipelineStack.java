package dev.mintrecorder.worker.pipeline;

import static org.awaitility.Awaitility.await;

import dev.mintrecorder.contracts.RecordingJobs;
import dev.mintrecorder.contracts.StatusFeed;
import dev.mintrecorder.devstack.ChildJvm;
import dev.mintrecorder.devstack.Devstack;
import dev.mintrecorder.devstack.DevstackOptions;
import dev.mintrecorder.devstack.junit.DevstackExtension;
import dev.mintrecorder.devstack.media.VideoSent;
import dev.mintrecorder.devstack.room.SyntheticPublisherSpec;
import dev.mintrecorder.worker.jobs.JobEngine;
import dev.mintrecorder.worker.memory.Admission;
import dev.mintrecorder.worker.memory.RoomMemoryRegistry;
import dev.mintrecorder.worker.ops.WorkerConfig;
import dev.mintrecorder.worker.room.LayerCap;
import dev.mintrecorder.worker.room.RoomClient;
import dev.mintrecorder.worker.room.RoomRequest;
import dev.mintrecorder.worker.room.WebRtcRuntime;
import dev.mintrecorder.worker.storage.S3Clients;
import dev.mintrecorder.worker.storage.SegmentSpool;
import dev.mintrecorder.worker.storage.UploadConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;


/**
 * TEST ONLY: the devstack (Kafka, S3Proxy, the room server) plus one worker's pipeline and job engine in this JVM, a
 * job producer, the status feed and an S3 client. Rooms publish 320×240 at 15 fps to keep 2 cores free. An
 * extension: {@code @RegisterExtension static final PipelineStack stack = new PipelineStack(Map.of());} gives the
 * test class its devstack and clients before its {@code @BeforeAll} methods, and closes them after its {@code @AfterAll}
 * methods.
 */
final class PipelineStack implements BeforeAllCallback, AfterAllCallback {
    private final Map<String, String> overrides;
    Devstack devstack;
    WorkerConfig config;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final RoomMemoryRegistry roomMemories = new RoomMemoryRegistry();
    private PipelineSessionFactory factory;
    private PipelineSessionFactory.Shared shared;
    S3Client s3;
    RecordingJobs jobs;
    StatusFeed status;
    private JobEngine engine;

    /** @param overrides worker settings over the test defaults below */
    PipelineStack(Map<String, String> overrides) {
        this.overrides = Map.copyOf(overrides);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        devstack = DevstackExtension.devstack(context, DevstackOptions.forTests(), true);
        Map<String, String> env = new HashMap<>(devstack.env());
        env.put("WORKER_ID", "pipeline-it");
        env.put("JOBS_MAX_ROOMS", "2");
        env.put("JOBS_HEARTBEAT_INTERVAL", "1s");
        env.put("JOBS_LIVENESS_WINDOW", "5s");
        env.put("JOBS_GUARDIAN_SESSION_TIMEOUT", "3s");
        env.put("VIDEO_BITRATE_KBPS", "400");
        env.put("AUDIO_BITRATE_KBPS", "64");
        env.putAll(overrides);
        config = WorkerConfig.load(env);
        s3 = S3Clients.create(config.storage());
        jobs = RecordingJobs.connect(devstack.kafkaBootstrap());
        status = StatusFeed.start(devstack.kafkaBootstrap());
    }

    /**
     * This JVM's pipeline, wired here from its parts as {@code WorkerMain} wires the real one (its WebRTC factory
     * starts on first use: tests with worker processes do not need it). The factory owns and closes the parts.
     */
    PipelineSessionFactory factory() {
        if (factory == null) {
            WebRtcRuntime runtime = WebRtcRuntime.start();
            shared = PipelineSessionFactory.Shared.of(config, new RoomClient(config.room(), runtime, registry),
                    S3Clients.create(config.storage()), registry, roomMemories);
            factory = new PipelineSessionFactory(runtime, shared);
        }
        return factory;
    }

    /** What this JVM's recordings share, but with other upload settings: a recording with its own retry policy. */
    PipelineSessionFactory.Shared shared(UploadConfig upload) {
        factory();
        PipelineSessionFactory.Shared s = shared;
        return new PipelineSessionFactory.Shared(s.rooms(), s.s3(), s.bucket(), upload, s.media(), s.videoQueue(),
                s.audioQueue(), s.registry(), s.roomMemories(), s.janitor(), s.spool(), s.fallback(),
                s.handoverUploads());
    }

    /** As {@link #shared(UploadConfig)}, with {@code spool} (the caller closes it) instead of the worker's. */
    PipelineSessionFactory.Shared shared(UploadConfig upload, SegmentSpool spool) {
        PipelineSessionFactory.Shared s = shared(upload);
        return new PipelineSessionFactory.Shared(s.rooms(), s.s3(), s.bucket(), upload, s.media(), s.videoQueue(),
                s.audioQueue(), s.registry(), s.roomMemories(), s.janitor(), spool, s.fallback(),
                s.handoverUploads());
    }

    /** Starts this JVM's job engine on the pipeline. */
    JobEngine engine() {
        if (engine == null) {
            engine = new JobEngine(devstack.kafkaBootstrap(), config.workerId(), config.jobs(), factory(), registry,
                    Clock.systemUTC(), Admission.unlimited());
            engine.start();
        }
        return engine;
    }

    /**
     * What the devstack's video senders did with the frames for {@code job}'s recorder in {@code room}, one entry per
     * subscriber connection, awaited until the recorder has left (its connections report when they close). The
     * devstack re-encodes per subscriber, so frames it never encoded are gaps it made, not the worker.
     */
    List<VideoSent> videoSentToRecorder(String room, UUID job) {
        // The identity the worker joins with; of the request only the job id matters.
        String recorder = new RoomRequest(room, null, new LayerCap(720, 30), "-", job.toString()).recorderIdentity();
        Callable<List<VideoSent>> closed = () -> {
            boolean left = !devstack.rooms().hasRoom(room) || !devstack.rooms().participants(room).contains(recorder);
            return left ? devstack.rooms().videoSent(room, recorder) : List.of();
        };
        // The room may go (it empties) between the two looks.
        return await().atMost(Duration.ofSeconds(15)).ignoreExceptionsInstanceOf(IllegalArgumentException.class)
                .until(closed, sent -> !sent.isEmpty());
    }

    /** A room with the small synthetic publisher {@code identity}. */
    void room(String name, String identity) {
        room(name, SyntheticPublisherSpec.small(identity));
    }

    /** A room with the synthetic publisher {@code publisher}. */
    void room(String name, SyntheticPublisherSpec publisher) {
        devstack.rooms().createRoom(name, publisher);
    }

    /** Every object under {@code prefix} in the worker's bucket, by file name, into {@code dir}; the object count. */
    int download(String prefix, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<S3Object> objects = s3.listObjectsV2Paginator(r -> r.bucket(config.storage().bucket()).prefix(prefix))
                .contents().stream().toList();
        for (S3Object o : objects) {
            Files.write(dir.resolve(o.key().substring(o.key().lastIndexOf('/') + 1)),
                    s3.getObjectAsBytes(r -> r.bucket(config.storage().bucket()).key(o.key())).asByteArray());
        }
        return objects.size();
    }

    /**
     * The real worker jar ({@code target/mint-recorder-worker.jar}, built by {@code package} before failsafe runs) in a
     * child process with the devstack env and fast job timings, logging to {@code dir/id.log}.
     *
     * @param more settings over those of {@link #workerProcess}
     */
    ChildJvm workerJar(String id, Path dir, Map<String, String> more) throws IOException {
        Path jar = Path.of("target/mint-recorder-worker.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is built by `package` before the integration tests");
        }
        return workerProcess(ChildJvm.workerJar(jar), id, dir, more);
    }

    /**
     * A worker in a child process from {@code launch} (with the production flags: {@link ChildJvm#workerJar} or
     * {@link ChildJvm.Launch#workerFlags}), with the devstack env and fast job timings.
     */
    ChildJvm workerProcess(ChildJvm.Launch launch, String id, Path dir, Map<String, String> more) throws IOException {
        Map<String, String> env = new HashMap<>(devstack.env());
        env.put("WORKER_ID", id);
        // Several workers share this machine: each takes a free ops port.
        env.put("OPS_PORT", "0");
        env.put("JOBS_MAX_ROOMS", "1");
        env.put("JOBS_HEARTBEAT_INTERVAL", "500ms");
        env.put("JOBS_LIVENESS_WINDOW", "3s");
        env.put("JOBS_GUARDIAN_SESSION_TIMEOUT", "3s");
        env.put("JOBS_BACKLOG_INTERVAL", "1s");
        env.put("VIDEO_BITRATE_KBPS", "400");
        env.put("AUDIO_BITRATE_KBPS", "64");
        env.putAll(more);
        return launch.env(env).start(id, dir.resolve(id + ".log"));
    }

    /** Engine first (ends its recordings), then the pipeline's shared resources, then the clients; the devstack last. */
    @Override
    public void afterAll(ExtensionContext context) {
        if (engine != null) {
            engine.close();
        }
        if (factory != null) {
            factory.close();
        }
        if (s3 != null) {
            s3.close();
        }
        if (jobs != null) {
            jobs.close();
        }
        if (status != null) {
            status.close();
        }
    }
}
