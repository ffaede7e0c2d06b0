package dev.mintrecorder.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a worker child's {@code /metrics} (Prometheus text) on its ops port, which the worker logs at start
 * ({@code OPS_PORT=0} gives each worker a free one).
 */
final class OpsScrape {
    private static final Pattern PORT = Pattern.compile("operations endpoint on port (\\d+)");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final URI metrics;

    private OpsScrape(int port) {
        this.metrics = URI.create("http://127.0.0.1:" + port + "/metrics");
    }

    /** The scrape of the worker whose log lines these are; fails if it has not logged its port yet. */
    static OpsScrape of(List<String> workerLog) {
        for (String line : workerLog) {
            Matcher m = PORT.matcher(line);
            if (m.find()) {
                return new OpsScrape(Integer.parseInt(m.group(1)));
            }
        }
        throw new IllegalStateException("the worker has not logged its ops port");
    }

    /** The whole exposition text. */
    String text() throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /**
     * The sum of every sample of {@code name} whose labels contain each of {@code labels} ({@code key="value"}),
     * or empty when there is none.
     */
    static OptionalDouble value(String text, String name, String... labels) {
        double sum = 0;
        boolean any = false;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !(line.startsWith(name + " ") || line.startsWith(name + "{"))) {
                continue;
            }
            String head = line.substring(0, line.lastIndexOf(' '));
            boolean all = true;
            for (String label : labels) {
                all &= head.contains(label);
            }
            if (all) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                any = true;
            }
        }
        return any ? OptionalDouble.of(sum) : OptionalDouble.empty();
    }
}
