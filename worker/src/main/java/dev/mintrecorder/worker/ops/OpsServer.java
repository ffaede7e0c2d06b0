package dev.mintrecorder.worker.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The worker's operations endpoint, on the JDK's HTTP server:
 * <ul>
 *   <li>{@code GET /metrics}: the worker's one Prometheus registry, scraped;</li>
 *   <li>{@code GET /health/live}: 200 while the process and its checked threads are alive, else 503;</li>
 *   <li>{@code GET /health/ready}: 200 only when every readiness check passes, else 503 with the reasons as JSON
 *       ({@code {"status":"DOWN","reasons":[...]}}), so the fleet stops sending this worker work.</li>
 * </ul>
 * Handlers run on virtual threads; the scrape itself on a platform thread (see {@link #scraper}). Checks must be
 * cheap: a probe calls them all.
 */
public final class OpsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OpsServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService handlers;
    /**
     * Where {@code /metrics} is rendered. On a virtual thread the JDK's {@code BufferedWriter} starts at 512 chars and
     * grows by exactly what each write needs (JDK 21-25 {@code growIfNeeded}), and Prometheus's text writer writes
     * HELP text a char at a time: the buffer was copied once per char up to 8192, about 27 MB of garbage per scrape
     * (JFR on a worker: 20 scrapes, 82 young collections). With the small young generation that garbage was promoted,
     * and the old generation grew with every scrape (the outage benchmark scraped every 5 s). On a platform thread the
     * buffer starts at 8192 chars. One thread: scrapes are rare and may queue.
     */
    private final ExecutorService scraper = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("ops-scrape").factory());

    /**
     * Binds {@code port} on all interfaces (0 picks a free one) and starts serving.
     *
     * @param live checks for {@code /health/live}
     * @param ready checks for {@code /health/ready}
     */
    public OpsServer(int port, PrometheusMeterRegistry registry, List<HealthCheck> live, List<HealthCheck> ready)
            throws IOException {
        List<HealthCheck> liveChecks = List.copyOf(live);
        List<HealthCheck> readyChecks = List.copyOf(ready);
        this.server = HttpServer.create(new InetSocketAddress(port), 0);
        this.handlers = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(handlers);
        server.createContext("/metrics", ex -> respond(ex, 200, PROMETHEUS_TEXT, scrape(registry)));
        server.createContext("/health/live", ex -> health(ex, liveChecks));
        server.createContext("/health/ready", ex -> health(ex, readyChecks));
        server.start();
        log.info("operations endpoint on port {}: /metrics, /health/live, /health/ready", port());
    }

    /** The bound port. */
    public int port() {
        return server.getAddress().getPort();
    }

    private String scrape(PrometheusMeterRegistry registry) throws IOException {
        try {
            return scraper.submit(() -> registry.scrape()).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while scraping");
        } catch (ExecutionException e) {
            log.error("/metrics scrape failed", e.getCause());
            throw new IOException("scrape failed", e.getCause());
        }
    }

    private static void health(HttpExchange ex, List<HealthCheck> checks) throws IOException {
        List<String> reasons = new ArrayList<>();
        for (HealthCheck check : checks) {
            Optional<String> reason;
            try {
                reason = check.get();
            } catch (RuntimeException e) {
                reason = Optional.of("health check failed: " + e);
            }
            reason.ifPresent(reasons::add);
        }
        ObjectNode body = JSON.createObjectNode().put("status", reasons.isEmpty() ? "UP" : "DOWN");
        if (!reasons.isEmpty()) {
            reasons.forEach(body.putArray("reasons")::add);
        }
        respond(ex, reasons.isEmpty() ? 200 : 503, "application/json", JSON.writeValueAsString(body));
    }

    private static void respond(HttpExchange ex, int status, String contentType, String body) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", contentType);
            boolean head = ex.getRequestMethod().equals("HEAD");
            ex.sendResponseHeaders(status, head ? -1 : bytes.length);
            if (!head) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    /** Stops accepting, lets exchanges in progress finish for up to a second, then ends the handler threads. */
    @Override
    public void close() {
        server.stop(1);
        handlers.shutdownNow();
        scraper.shutdownNow();
    }
}
