package dev.mintrecorder.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mintrecorder.worker.jobs.JobEngine;
import dev.mintrecorder.worker.jobs.JobsConfig;
import dev.mintrecorder.worker.memory.Admission;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A JVM of simulated workers for the {@code fleet} scenario: one production {@link JobEngine} per worker id, each
 * with its own worker id, clients and settings ({@code JOBS_*} from the environment, as the worker reads them), on
 * {@link HeartbeatOnlySession}s instead of media. Writes a {@link FleetSnapshot} to the stats file every
 * {@code FLEET_STATS_PERIOD_S} seconds (default 3), and prints {@code STARTED} once every engine is started. Exits
 * when its stdin closes (the scenario's JVM is gone) or when it is killed.
 *
 * <p>Args: bootstrap servers, stats file, worker ids.
 */
public final class FleetChild {
    private FleetChild() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        Path stats = Path.of(args[1]);
        List<String> ids = Arrays.asList(args).subList(2, args.length);
        Thread.ofPlatform().daemon().name("stdin-watch").start(FleetChild::exitWhenOrphaned);
        JobsConfig config = JobsConfig.from(System.getenv());
        ObjectMapper json = new ObjectMapper();
        List<JobEngine> engines = new ArrayList<>();
        for (String id : ids) {
            JobEngine engine = new JobEngine(bootstrap, id, config, context -> new HeartbeatOnlySession(),
                    new SimpleMeterRegistry(), Clock.systemUTC(), Admission.unlimited());
            engine.start();
            engines.add(engine);
            // The engines so far, without client metrics: the scenario sees a slow start as it goes.
            write(json, stats, snapshot(ids, engines, List.of()));
        }
        System.out.println("STARTED " + engines.size() + " engines of " + config.maxRooms() + " rooms");
        System.out.flush();
        KafkaClientMetrics metrics = new KafkaClientMetrics();
        if (System.getenv("FLEET_DUMP_MBEANS") != null) {
            metrics.dump(stats.resolveSibling(stats.getFileName() + ".mbeans"));
        }
        Duration period = Duration.ofSeconds(Long.parseLong(System.getenv().getOrDefault("FLEET_STATS_PERIOD_S", "3")));
        while (true) {
            long next = System.nanoTime() + period.toNanos();
            write(json, stats, snapshot(ids, engines, metrics.read()));
            Timing.pause(Duration.ofNanos(next - System.nanoTime()));
        }
    }

    private static FleetSnapshot snapshot(List<String> ids, List<JobEngine> engines,
                                          List<FleetSnapshot.ClientStat> clients) {
        List<FleetSnapshot.Engine> states = new ArrayList<>();
        for (int i = 0; i < engines.size(); i++) {
            JobEngine e = engines.get(i);
            states.add(new FleetSnapshot.Engine(ids.get(i), e.ready(), e.notReadyReason().orElse(""),
                    e.activeRooms()));
        }
        return new FleetSnapshot(System.currentTimeMillis(), states, clients);
    }

    private static void write(ObjectMapper json, Path stats, FleetSnapshot snapshot) throws IOException {
        Path tmp = stats.resolveSibling(stats.getFileName() + ".tmp");
        json.writeValue(tmp.toFile(), snapshot);
        Files.move(tmp, stats, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void exitWhenOrphaned() {
        try {
            while (System.in.read() >= 0) {
                // nothing is sent; EOF means the scenario's JVM is gone
            }
        } catch (IOException e) {
            // the same: the pipe is gone
        }
        Runtime.getRuntime().halt(0);
    }
}
