package dev.mintrecorder.worker.ops;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What one {@code /metrics} scrape costs the heap, with a registry the size of a worker's. */
class OpsServerTest {
    private static final int SCRAPES = 5;

    @Test
    void aScrapeAllocatesAboutItsOwnSizeNotTensOfMegabytes() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // About 20 kB of text, past the 8192 chars up to which the writer's buffer grows.
        for (int i = 0; i < 150; i++) {
            Gauge.builder("test_gauge_" + i, () -> 1.0)
                    .description("a gauge with a help text about as long as the worker's own are, number " + i)
                    .register(registry);
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (OpsServer ops = new OpsServer(0, registry, List.of(), List.of());
             HttpClient http = HttpClient.newHttpClient()) {
            String url = "http://127.0.0.1:" + ops.port() + "/metrics";
            int size = get(http, url).body().length();
            assertTrue(size > 16_384, "the scrape is " + size + " chars");
            long before = threads.getTotalThreadAllocatedBytes();
            for (int i = 0; i < SCRAPES; i++) {
                assertEquals(200, get(http, url).statusCode());
            }
            long perScrape = (threads.getTotalThreadAllocatedBytes() - before) / SCRAPES;
            // Rendered on a virtual thread, the JDK's BufferedWriter grew one char at a time: 40.8 MB a scrape here,
            // against 0.55 MB on a platform thread.
            assertTrue(perScrape < 4L << 20, "a scrape of " + size + " chars allocated " + perScrape + " bytes");
        }
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
