package dev.mintrecorder.bench;

import dev.mintrecorder.contracts.RecordingJobs;
import dev.mintrecorder.contracts.StartOptions;
import dev.mintrecorder.contracts.StatusFeed;
import dev.mintrecorder.devstack.ChildJvm;
import dev.mintrecorder.devstack.Devstack;
import dev.mintrecorder.devstack.DevstackOptions;
import dev.mintrecorder.devstack.Mints;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The devstack plus what the recording scenarios drive it with: the job producer, the status feed, an S3 client,
 * and worker child processes started from the worker jar.
 */
final class Stack implements AutoCloseable {
    final Devstack devstack;
    final RecordingJobs jobs;
    final StatusFeed status;
    final S3Client s3;

    private Stack(Devstack devstack) {
        this.devstack = devstack;
        this.jobs = RecordingJobs.connect(devstack.kafkaBootstrap());
        this.status = StatusFeed.start(devstack.kafkaBootstrap());
        this.s3 = devstack.s3().client();
    }

    static Stack start() {
        return new Stack(Devstack.start(DevstackOptions.defaults()));
    }

    /**
     * A worker from its jar. The ops port is ephemeral (several workers may run), and the memory budget is set
     * explicitly so that admission does not cap the room count below what CPU allows (the capacity scenario
     * measures the per-room cost the budget is later derived from).
     */
    ChildJvm worker(String id, int maxRooms, Map<String, String> extra) throws IOException {
        return worker(ChildJvm.workerJar(BenchMain.WORKER_JAR), id, maxRooms, extra);
    }

    /** As {@link #worker(String, int, Map)}, launched as {@code launch} says (other JVM flags). */
    ChildJvm worker(ChildJvm.Launch launch, String id, int maxRooms, Map<String, String> extra) throws IOException {
        Map<String, String> env = new HashMap<>(devstack.env());
        env.put("WORKER_ID", id);
        env.put("JOBS_MAX_ROOMS", Integer.toString(maxRooms));
        env.put("JOBS_HEARTBEAT_INTERVAL", "2s");
        env.put("OPS_PORT", "0");
        env.put("MEMORY_BUDGET_BYTES", Long.toString(8L << 30));
        env.putAll(extra);
        return launch.env(env).start(id, BenchMain.LOGS.resolve(id + ".log"));
    }

    /** Enqueues a START for {@code room}'s publisher {@code target}. */
    Job start(String room, String target, int segmentS) {
        String mint = Mints.random();
        java.time.Instant sent = java.time.Instant.now();
        UUID id = jobs.start(mint, StartOptions.DEFAULTS.withRoom(room).withTarget(target).withSegmentS(segmentS)
                .withMaxDurationS(3600));
        return new Job(mint, id, room, sent);
    }

    /** An enqueued job; {@code enqueuedAt} is just before the START was sent. */
    record Job(String mint, UUID id, String room, java.time.Instant enqueuedAt) {
    }

    static Map<String, String> env(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Override
    public void close() throws Exception {
        s3.close();
        status.close();
        jobs.close();
        devstack.close();
    }
}
