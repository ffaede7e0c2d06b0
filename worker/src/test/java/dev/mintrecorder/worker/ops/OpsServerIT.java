package dev.mintrecorder.worker.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mintrecorder.contracts.RecordingJobs;
import dev.mintrecorder.contracts.StartOptions;
import dev.mintrecorder.devstack.Devstack;
import dev.mintrecorder.devstack.junit.WithDevstack;
import dev.mintrecorder.worker.jobs.JobEngine;
import dev.mintrecorder.worker.jobs.JobsConfig;
import dev.mintrecorder.worker.jobs.UnavailableRecordingSessionFactory;
import dev.mintrecorder.worker.memory.Admission;
import dev.mintrecorder.worker.memory.MemoryConfig;
import dev.mintrecorder.worker.memory.MemoryGovernor;
import dev.mintrecorder.worker.memory.RoomMemoryRegistry;
import dev.mintrecorder.worker.memory.ProcessMemory;
import dev.mintrecorder.worker.memory.WorkerGovernorActions;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operations endpoint over a real job engine (devstack Kafka) and a running memory governor, sharing one Prometheus
 * registry: /metrics shows the governor's and the engine's meters; /health/ready turns 503 with the reason at
 * EMERGENCY and on a SYSTEM error, while /health/live stays 200.
 */
@WithDevstack(Devstack.Component.KAFKA)
class OpsServerIT {
    private static final long MB = 1024 * 1024;
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void metricsAndHealthFollowTheGovernorAndSystemErrors(Devstack stack) throws Exception {
        String workerId = "ops-it-" + UUID.randomUUID().toString().substring(0, 8);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        AtomicLong rss = new AtomicLong(100 * MB);
        RoomMemoryRegistry rooms = new RoomMemoryRegistry();
        MemoryConfig memory = MemoryConfig.from(Map.of("MEMORY_SAMPLE_INTERVAL", "50ms"));
        Admission admission = new Admission(1000 * MB, memory.roomCostBytes(), memory.headroomBytes(), rss::get);
        JobsConfig jobs = JobsConfig.from(Map.of("JOBS_MAX_ROOMS", "1", "JOBS_BACKLOG_INTERVAL", "1s"));
        try (JobEngine engine = new JobEngine(stack.kafkaBootstrap(), workerId, jobs,
                new UnavailableRecordingSessionFactory(), registry, Clock.systemUTC(), Admission.unlimited());
             MemoryGovernor governor = new MemoryGovernor(workerId, 1000 * MB, memory,
                     () -> new ProcessMemory(rss.get(), 7 * MB, 3 * MB, 5 * MB), rooms,
                     new WorkerGovernorActions(alarm -> { }, admission, rooms, memory.queueShrink()),
                     Clock.systemUTC(), registry);
             OpsServer ops = new OpsServer(0, registry, List.of(governor::notLiveReason),
                     List.of(engine::notReadyReason, governor::notReadyReason));
             RecordingJobs producer = RecordingJobs.connect(stack.kafkaBootstrap())) {
            engine.start();
            governor.start();
            String base = "http://127.0.0.1:" + ops.port();

            await().atMost(Duration.ofSeconds(60)).until(() -> get(base + "/health/ready").statusCode() == 200);
            assertEquals("{\"status\":\"UP\"}", get(base + "/health/ready").body());

            String metrics = get(base + "/metrics").body();
            for (String line : List.of("recorder_memory_rss_bytes " + (double) (100 * MB),
                    "recorder_memory_heap_bytes " + (double) (7 * MB),
                    "recorder_memory_direct_bytes " + (double) (3 * MB),
                    "recorder_memory_native_bytes " + (double) (5 * MB),
                    "recorder_memory_budget_bytes " + (double) (1000 * MB),
                    "recorder_memory_level 0.0", "recorder_rooms_max 1.0")) {
                assertTrue(metrics.contains(line), "missing '" + line + "' in\n" + metrics);
            }

            rss.set(960 * MB);
            await().atMost(Duration.ofSeconds(10)).until(() -> get(base + "/health/ready").statusCode() == 503);
            JsonNode down = new ObjectMapper().readTree(get(base + "/health/ready").body());
            assertEquals("DOWN", down.path("status").asText());
            assertTrue(down.path("reasons").get(0).asText().startsWith("memory EMERGENCY"), down.toString());
            assertTrue(get(base + "/metrics").body().contains("recorder_memory_level 3.0"));
            assertEquals(200, get(base + "/health/live").statusCode());

            rss.set(100 * MB);
            await().atMost(Duration.ofSeconds(10)).until(() -> get(base + "/health/ready").statusCode() == 200);

            // A job this build cannot record: the session fails with a SYSTEM error and the worker is no longer ready.
            producer.start("9psServer1TSystemError1111111111111111111",
                    StartOptions.DEFAULTS.withTarget("target").withMaxDurationS(60));
            await().atMost(Duration.ofSeconds(60)).until(() -> get(base + "/health/ready").statusCode() == 503);
            String reason = get(base + "/health/ready").body();
            assertTrue(reason.contains("system error: " + UnavailableRecordingSessionFactory.ERROR), reason);
            assertEquals(200, get(base + "/health/live").statusCode());
        }
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
