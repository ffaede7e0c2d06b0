package dev.mintrecorder.worker.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mintrecorder.contracts.RecordingJobs;
import dev.mintrecorder.contracts.StartOptions;
import dev.mintrecorder.devstack.Devstack;
import dev.mintrecorder.devstack.DevstackOptions;
import dev.mintrecorder.devstack.Ports;
import dev.mintrecorder.worker.jobs.HeldSession;
import dev.mintrecorder.worker.jobs.JobEngine;
import dev.mintrecorder.worker.jobs.JobsConfig;
import dev.mintrecorder.worker.memory.Admission;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The KEDA ScaledObject's queries ({@code infra/k8s/scaledobject.yaml}), run by a real Prometheus (Debian's
 * {@code prometheus}, which {@code scripts/setup} installs) that scrapes a real worker's {@code /metrics}: a job engine
 * on the devstack's Kafka with two slots, two jobs recording and two waiting in the share group.
 *
 * <p>Each query must return a value, and so must each series it reads on its own: the demand query's
 * {@code or vector(0)} would otherwise hide a metric Prometheus never saw (the failure the PodMonitor fixes: KEDA
 * reads an empty answer as 0 and the fleet sits at its minimum). The values must be what the worker's own
 * {@code /metrics} says. Prometheus adds the {@code namespace} label from its scrape config here, as the Prometheus
 * Operator does from the PodMonitor.
 */
class MetricsQueriesIT {
    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    private static final String NAMESPACE = "mint-recorder";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Devstack stack;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startKafka() {
        Assumptions.assumeTrue(Files.isExecutable(PROMETHEUS), "Debian's prometheus is not installed: run scripts/setup");
        stack = Devstack.start(DevstackOptions.forTests().only(Devstack.Component.KAFKA));
    }

    @AfterAll
    static void stopKafka() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void scaledObjectQueriesReturnTheWorkersFigures(@TempDir Path dir) throws Exception {
        List<String> queries = scaledObjectQueries(repositoryRoot().resolve("infra/k8s/scaledobject.yaml"));
        assertEquals(2, queries.size(), "the ScaledObject's prometheus triggers: " + queries);

        String workerId = "queries-it-" + UUID.randomUUID().toString().substring(0, 8);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        JobsConfig jobs = JobsConfig.from(Map.of("JOBS_MAX_ROOMS", "2", "JOBS_BACKLOG_INTERVAL", "1s"));
        try (JobEngine engine = new JobEngine(stack.kafkaBootstrap(), workerId, jobs, context -> new HeldSession(),
                registry, Clock.systemUTC(), Admission.unlimited());
             OpsServer ops = new OpsServer(0, registry, List.of(), List.of(engine::notReadyReason));
             RecordingJobs producer = RecordingJobs.connect(stack.kafkaBootstrap())) {
            engine.start();
            for (int i = 1; i <= 4; i++) {
                producer.start("MetricsQueries111111111111111111111111" + i, StartOptions.DEFAULTS.withMaxDurationS(600));
            }
            String metrics = "http://127.0.0.1:" + ops.port() + "/metrics";
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                Map<String, Double> w = workerFigures(get(metrics).body());
                return w.getOrDefault("recorder_rooms_active", 0.0) == 2.0
                        && w.getOrDefault("recorder_jobs_backlog", Double.NaN) >= 2.0;
            });

            int port = Ports.freeLoopbackPort();
            Process prometheus = startPrometheus(dir, ops.port(), port);
            try {
                String api = "http://127.0.0.1:" + port;
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                        .until(() -> get(api + "/-/ready").statusCode() == 200);
                for (String query : queries) {
                    for (String series : seriesOf(query)) {
                        await("Prometheus has scraped " + series).atMost(Duration.ofSeconds(30))
                                .until(() -> !result(api, series).isEmpty());
                    }
                }
                // Each query's answer is what the worker's own /metrics says (read again on each try: the backlog is
                // re-read every second).
                await("the queries' answers match the worker's /metrics").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    Map<String, Double> w = workerFigures(get(metrics).body());
                    double active = w.get("recorder_rooms_active");
                    double max = w.get("recorder_rooms_max");
                    double backlog = w.get("recorder_jobs_backlog");
                    assertEquals(2.0, active);
                    assertEquals(2.0, max);
                    assertTrue(backlog >= 2.0, "two jobs wait: " + backlog);
                    assertEquals(active + backlog, value(api, queries.get(0)), 1e-9, queries.get(0));
                    assertEquals(active / max, value(api, queries.get(1)), 1e-9, queries.get(1));
                });
            } finally {
                prometheus.destroy();
                if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly();
                }
            }
        }
    }

    /** The {@code query:} of every trigger, as YAML's folded block scalar ({@code >-}) reads: lines joined by spaces. */
    static List<String> scaledObjectQueries(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        List<String> queries = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = Pattern.compile("^(\\s*)query:\\s*>-\\s*$").matcher(lines.get(i));
            if (!m.matches()) {
                continue;
            }
            int indent = m.group(1).length();
            StringBuilder q = new StringBuilder();
            while (i + 1 < lines.size() && (lines.get(i + 1).isBlank()
                    || lines.get(i + 1).length() - lines.get(i + 1).stripLeading().length() > indent)) {
                q.append(q.isEmpty() ? "" : " ").append(lines.get(++i).strip());
            }
            queries.add(q.toString().strip());
        }
        return queries;
    }

    /** Every plain series selector in a query, such as {@code recorder_rooms_active{namespace="mint-recorder"}}. */
    static Set<String> seriesOf(String query) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = Pattern.compile("\\b(recorder_[a-z0-9_]+\\{[^}]*})").matcher(query);
        while (m.find()) {
            out.add(m.group(1));
        }
        assertFalse(out.isEmpty(), "no worker series in " + query);
        out.forEach(s -> assertTrue(s.contains("namespace=\"" + NAMESPACE + "\""), s));
        return out;
    }

    private Process startPrometheus(Path dir, int workerPort, int port) throws IOException {
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: mint-recorder-worker
                    metrics_path: /metrics
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                        labels:
                          namespace: %s
                          pod: %s
                """.formatted(workerPort, NAMESPACE, "mint-recorder-worker-0"));
        return new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile())
                .start();
    }

    private JsonNode result(String api, String query) throws IOException, InterruptedException {
        HttpResponse<String> r = get(api + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
        JsonNode body = JSON.readTree(r.body());
        assertEquals("success", body.path("status").asText(), query + ": " + r.body());
        assertEquals("vector", body.path("data").path("resultType").asText(), query + ": " + r.body());
        return body.path("data").path("result");
    }

    private double value(String api, String query) throws IOException, InterruptedException {
        JsonNode result = result(api, query);
        assertEquals(1, result.size(), query + " returned " + result);
        return Double.parseDouble(result.get(0).path("value").get(1).asText());
    }

    private static Map<String, Double> workerFigures(String exposition) {
        Map<String, Double> out = new java.util.HashMap<>();
        for (String line : exposition.split("\n")) {
            Matcher m = Pattern.compile("^(recorder_(?:rooms_active|rooms_max|jobs_backlog)) (\\S+)$").matcher(line);
            if (m.matches()) {
                out.put(m.group(1), Double.parseDouble(m.group(2)));
            }
        }
        return out;
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("infra/k8s"))) {
                return p;
            }
        }
        throw new IllegalStateException("no infra/k8s above " + Path.of("").toAbsolutePath());
    }

}
