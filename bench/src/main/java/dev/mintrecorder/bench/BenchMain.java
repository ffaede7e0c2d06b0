package dev.mintrecorder.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code ./scripts/bench <scenario>}: runs one benchmark and writes {@code bench/results/<scenario>.{json,md}} (and
 * an RSS plot for the memory scenarios). Run it from the repository root, inside the network namespace that
 * {@code scripts/netns/bin/java} makes; the worker (or the bench main standing in for it) is a child JVM.
 */
public final class BenchMain {
    static final Path RESULTS = Path.of("bench/results");
    static final Path LOGS = Path.of("bench/target/logs");
    static final Path WORKER_JAR = Path.of("worker/target/mint-recorder-worker.jar");
    /** glibc keeps freed frame memory in per-thread arenas otherwise, and RSS would overstate. */
    static final String MALLOC_ARENA_MAX = "2";

    /** One benchmark scenario. */
    interface Scenario {
        Report run() throws Exception;
    }

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "dev/mintrecorder/devstack/devstack-logback.xml");
        }
        List<String> names = List.of("stall", "capacity", "latency", "failover", "fleet", "memory", "quality", "soak",
                "outage");
        if (args.length != 1 || !names.contains(args[0])) {
            System.err.println("usage: scripts/bench <" + String.join("|", names) + ">");
            System.exit(2);
        }
        Scenario scenario = switch (args[0]) {
            case "stall" -> new StallScenario();
            // BENCH_VIDEO_PRESET tries another x264 preset (report capacity-<preset>); the worker's default is the default.
            case "capacity" -> new CapacityScenario(System.getenv().getOrDefault("BENCH_VIDEO_PRESET",
                    CapacityScenario.DEFAULT_PRESET));
            case "latency" -> new LatencyScenario();
            case "failover" -> new FailoverScenario();
            case "fleet" -> new FleetScenario();
            case "memory" -> new MemoryScenario();
            case "quality" -> new QualityScenario();
            case "soak" -> new SoakScenario();
            case "outage" -> new OutageScenario();
            default -> throw new IllegalArgumentException(args[0]);
        };
        Files.createDirectories(LOGS);
        Report report = scenario.run();
        Path md = report.write(RESULTS);
        System.out.println(Files.readString(md));
        System.out.println("bench: wrote " + md + ", " + RESULTS.resolve(report.scenario() + ".json") + " and "
                + Summary.write(RESULTS));
        System.exit(0);
    }

    static void say(String format, Object... args) {
        System.out.println("bench: " + String.format(java.util.Locale.ROOT, format, args));
        System.out.flush();
    }
}
