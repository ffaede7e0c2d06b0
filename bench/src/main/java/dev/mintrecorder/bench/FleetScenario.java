package dev.mintrecorder.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code fleet}: the job layer at scale, media left out. Simulated workers (production {@code JobEngine}s on
 * {@link HeartbeatOnlySession}s, several per child JVM) against the devstack's real broker at Kafka's stock
 * share-group settings. A small baseline fleet runs first on its own broker, then the fleet; per-worker costs are
 * reported as ratios of the two (machines are noisy, ratios less so). The fleet's victim, a worker holding 16
 * recordings, is SIGKILLed after the steady window, and each of its jobs is timed to its RESUMED event.
 *
 * <p>Sizes from the environment: {@code FLEET_WORKERS} (100), {@code FLEET_ROOMS} (24), {@code FLEET_JOBS} (2000,
 * the victim's included), {@code FLEET_JVMS} (5), {@code FLEET_VICTIM_JOBS} (16), {@code FLEET_BASE_WORKERS} (10),
 * {@code FLEET_BASE_ROOMS} (20), {@code FLEET_BASE_JOBS} (160), {@code FLEET_BASE_JVMS} (2), {@code FLEET_RATE}
 * (jobs/s, 100), {@code FLEET_STEADY_S} (30), {@code FLEET_CHILD_HEAP} (400m), {@code FLEET_REPORT} (fleet: the
 * report's name).
 */
final class FleetScenario implements BenchMain.Scenario {
    static final int GOAL_RECORDINGS = 2000;
    static final int GOAL_WORKERS = 100;
    /** The job layer's own settings for fast failover, as any worker may set them. */
    static final Map<String, String> JOBS_ENV = Map.of("JOBS_HEARTBEAT_INTERVAL", "2s", "JOBS_LIVENESS_WINDOW", "6s");

    @Override
    public Report run() throws Exception {
        FleetPlan base = plan("base", "FLEET_BASE_", 10, 20, 160, 2, 0);
        FleetPlan big = plan("fleet", "FLEET_", 100, 24, 2000, 5, FleetPlan.env("FLEET_VICTIM_JOBS", 16));
        String name = System.getenv().getOrDefault("FLEET_REPORT", "fleet");
        Report report = new Report(name, String.format(Locale.ROOT, "The job layer at scale, media left out: %d "
                        + "simulated workers x %d slots (%d JVMs) plus a victim worker holding %d recordings, %d jobs, "
                        + "against the devstack's Kafka broker at stock share-group settings (Kafka's defaults: 30 s record "
                        + "lock, 5 s member heartbeat, 45 s session, at most 200 members); baseline %d workers x "
                        + "%d slots, %d jobs, on a broker of its own. Each worker is a production JobEngine whose "
                        + "sessions only hold their job (the engine heartbeats them). Worker settings %s.",
                big.workers(), big.rooms(), big.jvms(), big.victimJobs(), big.jobs(), base.workers(), base.rooms(),
                base.jobs(), JOBS_ENV));
        FleetResult a = FleetRun.run(base);
        FleetResult b = FleetRun.run(big);
        FleetProjection p = FleetProjection.of(a, b);
        figures(report, "base_", a);
        figures(report, "fleet_", b);
        report.goal(new Report.Goal("concurrent recordings", false, GOAL_RECORDINGS, b.activeAtWindow(), "recordings"))
                .goal(new Report.Goal("simulated workers", false, GOAL_WORKERS, b.window().workers(), "workers"));
        if (b.failover() != null) {
            report.goal(new Report.Goal("victim's recordings RESUMED elsewhere", false, b.failover().held(),
                    b.failover().resumedS().size(), "recordings"));
        }
        headlines(report, b);
        report.table(List.of("per worker (steady window)", "baseline", "fleet", "fleet / baseline"), List.of(
                row("running recordings, fleet", a.activeAtWindow(), b.activeAtWindow()),
                row("workers", a.window().workers(), b.window().workers()),
                row("share-group members per worker", perWorker(a, a.shareMembers()), perWorker(b, b.shareMembers())),
                row("Kafka consumers (share + plain)", a.window().mean(FleetWindow.Worker::consumers),
                        b.window().mean(FleetWindow.Worker::consumers)),
                row("view bytes read /s (status, control, lease)", a.window().mean(FleetWindow.Worker::viewBytesPerS),
                        b.window().mean(FleetWindow.Worker::viewBytesPerS)),
                row("jobs bytes read /s (share consumers)", a.window().mean(FleetWindow.Worker::shareBytesPerS),
                        b.window().mean(FleetWindow.Worker::shareBytesPerS)),
                row("network bytes received /s, all clients", a.window().mean(FleetWindow.Worker::incomingBytesPerS),
                        b.window().mean(FleetWindow.Worker::incomingBytesPerS)),
                row("fleet JVM CPU, millicores", 1000 * a.fleetCores() / a.window().workers(),
                        1000 * b.fleetCores() / b.window().workers()),
                row("broker CPU, millicores per recording", perRecording(a), perRecording(b)),
                row("acquisition p50, s", Stats.percentile(a.acquisitionS(), 50), Stats.percentile(b.acquisitionS(), 50)),
                row("acquisition p95, s", Stats.percentile(a.acquisitionS(), 95), Stats.percentile(b.acquisitionS(), 95))));
        report.figure("projection_10k_workers", p.workers())
                .figure("projection_10k_share_members", p.shareMembers())
                .figure("projection_10k_share_sessions", p.shareSessions())
                .figure("projection_10k_record_locks", p.recordLocks())
                .figure("projection_10k_view_bytes_per_worker_per_s", p.viewBytesPerWorkerPerS())
                .figure("projection_10k_broker_cores", p.brokerCores());
        report.note("Projection to " + FleetProjection.TARGET + " recordings:");
        p.lines().forEach(l -> report.note("  " + l));
        roles(report, b);
        a.notes().forEach(n -> report.note("Baseline: " + n));
        b.notes().forEach(n -> report.note("Fleet: " + n));
        report.note("Acquisition latency: the job's requested_at (taken as the START is sent) to its first ACCEPTED "
                + "(or RESUMED, where the first delivery started nothing and the record came back after its lock ran "
                + "out) event's `at`, over the jobs that started; the jobs are sent " + FleetRun.SETTLE.toSeconds()
                + " s after the last engine is ready. Failover: the victim's SIGKILL to each of its jobs' RESUMED `at`.");
        report.note("Client figures come from each child JVM's Kafka client metrics in JMX (bytes-consumed-total / "
                + "incoming-byte-total per client id), attributed to a worker by its client-id prefix; CPU from "
                + "/proc/<pid>/stat over the " + (int) b.windowS() + " s steady window.");
        plot(report, a, b);
        return report;
    }

    private static FleetPlan plan(String name, String prefix, int workers, int rooms, int jobs, int jvms, int victim) {
        return new FleetPlan(name, FleetPlan.env(prefix + "WORKERS", workers), FleetPlan.env(prefix + "ROOMS", rooms),
                FleetPlan.env(prefix + "JOBS", jobs), FleetPlan.env(prefix + "JVMS", jvms), victim,
                FleetPlan.env("FLEET_RATE", 100), Duration.ofSeconds(FleetPlan.env("FLEET_STEADY_S", 30)),
                System.getenv().getOrDefault("FLEET_CHILD_HEAP", "400m"), JOBS_ENV);
    }

    private static void headlines(Report report, FleetResult b) {
        report.headline("acquisition latency p50", Stats.percentile(b.acquisitionS(), 50), "s")
                .headline("acquisition latency p95", Stats.percentile(b.acquisitionS(), 95), "s");
        if (b.failover() != null && !b.failover().resumedS().isEmpty()) {
            report.headline("failover, SIGKILL → RESUMED, p50 of " + b.failover().resumedS().size(),
                    Stats.percentile(b.failover().resumedS(), 50), "s")
                    .headline("failover, SIGKILL → RESUMED, max", Stats.max(b.failover().resumedS()), "s");
        }
        report.headline("share-group members per worker", perWorker(b, b.shareMembers()), "members")
                .headline("Kafka consumers per worker", b.window().mean(FleetWindow.Worker::consumers), "consumers")
                .headline("view bytes read per worker", b.window().mean(FleetWindow.Worker::viewBytesPerS), "B/s")
                .headline("broker CPU", b.brokerCores(), "cores");
    }

    private static void figures(Report r, String p, FleetResult x) {
        r.figure(p + "workers", x.window().workers()).figure(p + "slots", x.plan().slots())
                .figure(p + "engines_ready_at_enqueue", x.enginesReady() + " of " + x.engines())
                .figure(p + "engines_not_ready_at_enqueue", x.notReady().toString())
                .figure(p + "engines_not_ready_at_steady_window", x.notReadyAtWindow().toString())
                .figure(p + "jobs_enqueued", x.jobsEnqueued()).figure(p + "jobs_started", x.jobsStarted())
                .figure(p + "jobs_never_started", x.jobsNeverStarted())
                .figure(p + "jobs_first_started_as_resumed", x.startedAsResumed())
                .figure(p + "running_at_steady_window", x.activeAtWindow())
                .figure(p + "acquisition_p50_s", Stats.percentile(x.acquisitionS(), 50))
                .figure(p + "acquisition_p95_s", Stats.percentile(x.acquisitionS(), 95))
                .figure(p + "acquisition_max_s", Stats.max(x.acquisitionS()))
                .figure(p + "share_group_members", x.shareMembers())
                .figure(p + "share_group_members_max_one_worker", x.membersPerWorkerMax())
                .figure(p + "jobs_partition_unacknowledged", x.jobsLag())
                .figure(p + "groups", String.join(", ", x.groups()))
                .figure(p + "consumers_per_worker_mean", x.window().mean(FleetWindow.Worker::consumers))
                .figure(p + "consumers_per_worker_max", x.window().max(FleetWindow.Worker::consumers))
                .figure(p + "share_consumers_per_worker_mean", x.window().mean(FleetWindow.Worker::shareConsumers))
                .figure(p + "clients_per_worker_mean", x.window().mean(FleetWindow.Worker::clients))
                .figure(p + "unattributed_clients", x.window().unattributedClients())
                .figure(p + "view_bytes_per_worker_per_s_mean", x.window().mean(FleetWindow.Worker::viewBytesPerS))
                .figure(p + "view_bytes_per_worker_per_s_max", x.window().max(FleetWindow.Worker::viewBytesPerS))
                .figure(p + "jobs_bytes_per_worker_per_s_mean", x.window().mean(FleetWindow.Worker::shareBytesPerS))
                .figure(p + "incoming_bytes_per_worker_per_s_mean",
                        x.window().mean(FleetWindow.Worker::incomingBytesPerS))
                .figure(p + "steady_window_s", x.windowS())
                .figure(p + "broker_cores", x.brokerCores())
                .figure(p + "fleet_jvm_cores", x.fleetCores())
                .figure(p + "status_events_read", x.events().toString());
        if (x.failover() != null) {
            r.figure(p + "victim_held", x.failover().held())
                    .figure(p + "victim_jobs_resumed", x.failover().resumedS().size())
                    .figure(p + "failover_p50_s", Stats.percentile(x.failover().resumedS(), 50))
                    .figure(p + "failover_max_s", Stats.max(x.failover().resumedS()));
        }
    }

    private static void roles(Report report, FleetResult b) {
        b.window().roles().forEach((role, r) -> report.note(String.format(Locale.ROOT, "Fleet client role `<worker>-%s`"
                        + " (%s): %.2f per worker, %.0f record B/s and %.0f network B/s per worker.", role, r.kind(),
                r.clientsPerWorker(), r.recordBytesPerS(), r.incomingBytesPerS())));
    }

    private static double perWorker(FleetResult x, double v) {
        return v / Math.max(1, x.window().workers());
    }

    private static double perRecording(FleetResult x) {
        return x.activeAtWindow() == 0 ? Double.NaN : 1000 * x.brokerCores() / x.activeAtWindow();
    }

    private static List<String> row(String what, double base, double fleet) {
        return List.of(what, Report.num(Report.round(base)), Report.num(Report.round(fleet)),
                base == 0 || !Double.isFinite(base) || !Double.isFinite(fleet) ? "—" : Report.num(fleet / base));
    }

    /** The acquisition-latency CDFs of both runs, next to the report. */
    private static void plot(Report report, FleetResult a, FleetResult b) throws IOException {
        List<SvgPlot.Series> series = new ArrayList<>();
        series.add(cdf("baseline (" + a.acquisitionS().size() + " jobs)", a.acquisitionS()));
        series.add(cdf("fleet (" + b.acquisitionS().size() + " jobs)", b.acquisitionS()));
        String file = report.scenario() + "-acquisition.svg";
        Files.createDirectories(BenchMain.RESULTS);
        Files.writeString(BenchMain.RESULTS.resolve(file), SvgPlot.render(report.scenario()
                + ": acquisition latency (requested_at → ACCEPTED)", "seconds", "% of started jobs", series));
        report.note("![acquisition latency CDF](" + file + ")");
    }

    private static SvgPlot.Series cdf(String name, List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        double[] x = new double[sorted.size()];
        double[] y = new double[sorted.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = sorted.get(i);
            y[i] = 100.0 * (i + 1) / x.length;
        }
        return new SvgPlot.Series(name, x, y);
    }
}
