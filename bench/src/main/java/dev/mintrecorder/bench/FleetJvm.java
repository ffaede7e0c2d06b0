package dev.mintrecorder.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mintrecorder.devstack.ChildJvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A {@link FleetChild} JVM the scenario started: its process, its stats file and the worker ids it hosts. */
record FleetJvm(ChildJvm child, Path stats, List<String> ids) implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    static FleetJvm start(FleetPlan plan, String name, List<String> ids, int rooms, String bootstrap)
            throws IOException {
        Path stats = BenchMain.LOGS.resolve("fleet").resolve(name + ".json").toAbsolutePath();
        Files.createDirectories(stats.getParent());
        Files.deleteIfExists(stats);
        List<String> args = new ArrayList<>(List.of(bootstrap, stats.toString()));
        args.addAll(ids);
        Map<String, String> env = new HashMap<>(plan.jobsEnv());
        env.put("JOBS_MAX_ROOMS", Integer.toString(rooms));
        ChildJvm child = ChildJvm.main(FleetChild.class.getName(), args)
                .flags("-Xmx" + plan.childHeap(), "-XX:+UseSerialGC",
                        "-Dlogback.configurationFile=dev/mintrecorder/devstack/devstack-logback.xml")
                .env(env).envUnlessSet("MALLOC_ARENA_MAX", BenchMain.MALLOC_ARENA_MAX)
                .start(name, BenchMain.LOGS.resolve("fleet").resolve(name + ".log"));
        return new FleetJvm(child, stats, List.copyOf(ids));
    }

    /** The latest snapshot the child wrote, if any yet. */
    Optional<FleetSnapshot> snapshot() {
        try {
            return Files.exists(stats) ? Optional.of(JSON.readValue(stats.toFile(), FleetSnapshot.class))
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The first snapshot taken at or after {@code epochMillis}, waiting at most {@code deadline}. */
    FleetSnapshot snapshotAfter(long epochMillis, Duration deadline) {
        Timing.until(deadline, child.name() + " stats after " + epochMillis,
                () -> !child.alive() || snapshot().filter(s -> s.atMillis() >= epochMillis).isPresent());
        return snapshot().orElseThrow(() -> new IllegalStateException(child.name() + " wrote no stats"));
    }

    @Override
    public void close() throws InterruptedException {
        child.close();
    }
}
