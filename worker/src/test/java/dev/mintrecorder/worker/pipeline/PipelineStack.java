package dev.mintrecorder.worker.pipeline;

import dev.mintrecorder.contracts.RecordingJobs;
import dev.mintrecorder.devstack.Devstack;
import dev.mintrecorder.devstack.kafka.ShareGroupWarmUp;
import dev.mintrecorder.devstack.DevstackOptions;
import dev.mintrecorder.devstack.room.SyntheticPublisherSpec;
import dev.mintrecorder.worker.jobs.JobEngine;
import dev.mintrecorder.worker.memory.Admission;
import dev.mintrecorder.worker.memory.MemoryRooms;
import dev.mintrecorder.worker.ops.WorkerConfig;
import dev.mintrecorder.worker.room.RoomClient;
import dev.mintrecorder.worker.room.WebRtcRuntime;
import dev.mintrecorder.worker.storage.S3Clients;
import dev.mintrecorder.worker.storage.UploadConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import software.amazon.awssdk.services.s3.S3Client;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;


/**
 * TEST ONLY: the devstack (Kafka, S3Proxy, the room server) plus one worker's pipeline and job engine in this JVM, a
 * job producer, the status feed and an S3 client. Rooms publish 320×240 at 15 fps to keep 2 cores free.
 */
final class PipelineStack implements AutoCloseable {
    private static final String BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private static final SecureRandom RANDOM = new SecureRandom();

    final Devstack devstack;
    final WorkerConfig config;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final MemoryRooms memoryRooms = new MemoryRooms();
    private PipelineSessionFactory factory;
    private PipelineSessionFactory.Shared shared;
    final S3Client s3;
    final RecordingJobs jobs;
    final StatusFeed status;
    private JobEngine engine;

    PipelineStack(Map<String, String> overrides) {
        devstack = Devstack.start(DevstackOptions.forTests());
        try {
            ShareGroupWarmUp.run(devstack.kafkaBootstrap());
            Map<String, String> env = new HashMap<>(devstack.env());
            env.put("WORKER_ID", "pipeline-it");
            env.put("MAX_ROOMS", "2");
            env.put("HEARTBEAT_INTERVAL", "1s");
            env.put("LIVENESS_WINDOW", "5s");
            env.put("VIDEO_BITRATE_KBPS", "400");
            env.put("AUDIO_BITRATE_KBPS", "64");
            env.putAll(overrides);
            config = WorkerConfig.load(env);
            s3 = S3Clients.create(config.storage());
            jobs = RecordingJobs.connect(devstack.kafkaBootstrap());
            status = new StatusFeed(devstack.kafkaBootstrap());
        } catch (RuntimeException e) {
            devstack.close();
            throw e;
        }
    }

    /**
     * This JVM's pipeline, wired here from its parts as {@code WorkerMain} wires the real one (its WebRTC factory
     * starts on first use: tests with worker processes do not need it). The factory owns and closes the parts.
     */
    PipelineSessionFactory factory() {
        if (factory == null) {
            WebRtcRuntime runtime = WebRtcRuntime.start();
            shared = PipelineSessionFactory.Shared.of(config, new RoomClient(config.room(), runtime, registry),
                    S3Clients.create(config.storage()), registry, memoryRooms);
            factory = new PipelineSessionFactory(runtime, shared);
        }
        return factory;
    }

    /** What this JVM's recordings share, but with other upload settings: a recording with its own retry policy. */
    PipelineSessionFactory.Shared shared(UploadConfig upload) {
        factory();
        PipelineSessionFactory.Shared s = shared;
        return new PipelineSessionFactory.Shared(s.rooms(), s.s3(), s.bucket(), upload, s.media(), s.videoQueue(),
                s.audioQueue(), s.registry(), s.memoryRooms());
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

    /** A room with the small synthetic publisher {@code identity}. */
    void room(String name, String identity) {
        devstack.rooms().createRoom(name, SyntheticPublisherSpec.small(identity));
    }

    static String mint() {
        StringBuilder b = new StringBuilder(44);
        for (int i = 0; i < 44; i++) {
            b.append(BASE58.charAt(RANDOM.nextInt(BASE58.length())));
        }
        return b.toString();
    }

    /** Engine first (ends its recordings), then the pipeline's shared resources, then the clients and the stack. */
    @Override
    public void close() throws Exception {
        try {
            if (engine != null) {
                engine.close();
            }
            if (factory != null) {
                factory.close();
            }
            s3.close();
            jobs.close();
            status.close();
        } finally {
            devstack.close();
        }
    }
}
