package dev.mintrecorder.worker.ops;

import dev.mintrecorder.worker.media.BoundedFrameQueue;
import dev.mintrecorder.worker.memory.Admission;
import dev.mintrecorder.worker.memory.MemoryConfig;
import dev.mintrecorder.worker.memory.MemoryGovernor;
import dev.mintrecorder.worker.memory.RoomMemoryRegistry;
import dev.mintrecorder.worker.room.QueueMeters;
import dev.mintrecorder.worker.room.StallDetector;
import dev.mintrecorder.worker.memory.ProcessMemory;
import dev.mintrecorder.worker.memory.WorkerGovernorActions;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/metrics.md lists every meter as {@link Metric} declares it, and the declarations are the only way the worker
 * registers meters. Run with {@code -Dmetrics.update=true} to rewrite the table.
 */
class MetricsDocTest {
    private static final String START = "<!-- metrics-table:start (generated from ops.Metric; see MetricsDocTest) -->\n";
    private static final String END = "<!-- metrics-table:end -->";
    private static final Pattern TYPE_LINE = Pattern.compile("(?m)^# TYPE (\\S+) (\\S+)$");

    @Test
    void docsListEveryMetricAsDeclared() throws IOException {
        Path doc = Path.of("..", "docs", "metrics.md");
        String text = Files.readString(doc);
        int from = text.indexOf(START);
        int to = text.indexOf(END);
        if (from < 0 || to < from) {
            throw new AssertionError("docs/metrics.md lacks the metrics-table markers");
        }
        String current = text.substring(from + START.length(), to);
        String expected = MetricsDoc.markdownTable();
        if (Boolean.getBoolean("metrics.update") && !current.equals(expected)) {
            Files.writeString(doc, text.substring(0, from + START.length()) + expected + text.substring(to));
            return;
        }
        assertEquals(expected, current, "docs/metrics.md's table is stale: run "
                + "./mvnw -pl worker test -Dtest=MetricsDocTest -Dmetrics.update=true");
    }

    @Test
    void namesFollowPrometheusConventionsUnderOnePrefix() {
        Set<String> seen = new HashSet<>();
        for (Metric m : Metric.values()) {
            String name = m.prometheusName();
            assertTrue(seen.add(name), "declared twice: " + name);
            assertTrue(m.meterName().startsWith("recorder."), m.meterName());
            assertTrue(name.matches("recorder_[a-z0-9_]+"), name);
            assertTrue(!name.contains("_total_") && !name.endsWith("_total_total"), name);
            assertEquals(m.type() == io.micrometer.core.instrument.Meter.Type.COUNTER, name.endsWith("_total"), name);
            if (m.unit() != null) {
                assertTrue(name.endsWith("_" + m.unit()) || name.endsWith("_" + m.unit() + "_total"), name);
            }
            assertTrue(!name.endsWith("_count") && !name.endsWith("_sum") && !name.endsWith("_bucket"),
                    "a histogram's series suffix: " + name);
            assertTrue(!m.description().isBlank() && !m.description().contains("|"), m + ": " + m.description());
        }
    }

    /** Every declaration, registered through its own method, scrapes as the family and type the doc lists. */
    @Test
    void everyDeclarationScrapesUnderItsDocumentedName() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        for (Metric m : Metric.values()) {
            Tags tags = Tags.of(m.tagKeys().stream().flatMap(k -> Stream.of(k, "x")).toArray(String[]::new));
            switch (m.type()) {
                case COUNTER -> m.counter(registry, tags).increment();
                case GAUGE -> m.gauge(registry, tags, () -> 1);
                case TIMER -> m.timer(registry).record(Duration.ofMillis(5));
                default -> throw new AssertionError(m.type());
            }
        }
        Map<String, String> expected = new TreeMap<>();
        for (Metric m : Metric.values()) {
            expected.put(m.prometheusName(), MetricsDoc.typeOf(m));
            if (m.type() == io.micrometer.core.instrument.Meter.Type.TIMER) {
                expected.put(m.prometheusName() + "_max", "gauge");
            }
        }
        assertEquals(expected, families(registry.scrape()));
    }

    /** The memory governor, a frame queue and a stall detector, exercised: every meter they leave is declared. */
    @Test
    void exercisedComponentsRegisterOnlyDeclaredMeters() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        long mb = 1024 * 1024;
        RoomMemoryRegistry rooms = new RoomMemoryRegistry();
        MemoryConfig memory = MemoryConfig.from(Map.of());
        Admission admission = new Admission(1000 * mb, memory.roomCostBytes(), memory.headroomBytes(), () -> 0L);
        try (MemoryGovernor governor = new MemoryGovernor("metrics-doc", 1000 * mb, memory,
                () -> new ProcessMemory(990 * mb, 7 * mb, 3 * mb, 5 * mb), rooms,
                new WorkerGovernorActions(alarm -> { }, admission, rooms, memory.queueShrink()), Clock.systemUTC(),
                registry);
             BoundedFrameQueue<String> queue = new BoundedFrameQueue<>("q", BoundedFrameQueue.Limits.of(2, 100),
                     String::length, s -> { })) {
            governor.tick();
            QueueMeters queueMeters = new QueueMeters(queue, registry, Tags.of("room", "r1", "track", "video"));
            for (String frame : List.of("a", "bb", "ccc")) {
                queue.offer(frame);
            }
            StallDetector stall = new StallDetector("video", Duration.ofSeconds(1), System::nanoTime,
                    new StallDetector.Listener() {
                        @Override
                        public void stalled(String track, Duration gap) { }

                        @Override
                        public void resumed(String track, Duration gap) { }
                    }, registry, Tags.of("room", "r1"));
            stall.check();

            assertEquals(List.of(), DeclaredMeters.undeclared(registry));
            Set<String> documented = Arrays.stream(Metric.values()).map(Metric::prometheusName)
                    .collect(Collectors.toSet());
            Set<String> scraped = families(registry.scrape()).keySet();
            assertTrue(documented.containsAll(scraped), "undocumented: " + scraped.stream()
                    .filter(s -> !documented.contains(s)).toList());
            assertTrue(scraped.containsAll(List.of("recorder_memory_alarms_total", "recorder_queue_dropped_total",
                    "recorder_track_gap_seconds")), scraped.toString());
            queueMeters.close();
            stall.close();
        }
    }

    /** Worker code registers meters only through {@link Metric}: no other Micrometer builder or registry shortcut. */
    @Test
    void noMeterIsRegisteredOutsideTheDeclarations() throws IOException {
        Pattern direct = Pattern.compile("\\b(?:Counter|Gauge|Timer|DistributionSummary|LongTaskTimer|FunctionCounter"
                + "|FunctionTimer|TimeGauge)\\.builder\\(|\\b(?:registry|Metrics|globalRegistry)\\s*\\.\\s*"
                + "(?:counter|gauge|gaugeCollectionSize|gaugeMapSize|timer|summary|more)\\(|\\bMeterBinder\\b");
        Path sources = Path.of("src", "main", "java");
        Path declarations = sources.resolve(Path.of("dev", "mintrecorder", "worker", "ops", "Metric.java"));
        List<String> offenders;
        try (Stream<Path> files = Files.walk(sources)) {
            offenders = files.filter(p -> p.toString().endsWith(".java") && !p.equals(declarations))
                    .flatMap(p -> {
                        try {
                            Matcher m = direct.matcher(Files.readString(p));
                            return m.find() ? Stream.of(p + ": " + m.group()) : Stream.empty();
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }).toList();
        }
        assertEquals(List.of(), offenders, "register meters through ops.Metric");
    }

    private static Map<String, String> families(String scrape) {
        Map<String, String> families = new TreeMap<>();
        Matcher m = TYPE_LINE.matcher(scrape);
        while (m.find()) {
            families.put(m.group(1), m.group(2));
        }
        return families;
    }
}
