package dev.mintrecorder.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code fleet} scenario's projection to {@value #TARGET} recordings: what was measured per recording and per
 * worker, scaled linearly; where a cost was measured at two fleet sizes (the baseline and the fleet), the line through
 * both points is extended, so a cost that grows with the fleet keeps growing in the projection.
 */
record FleetProjection(int workers, double shareMembers, double shareSessions, double recordLocks,
                       double viewBytesPerWorkerPerS, double viewBytesAllWorkersPerS, double brokerCores,
                       double fleetCores, List<String> lines) {
    static final int TARGET = 10_000;
    /** Stock broker limits (Kafka 4.x defaults) that the share group meets. */
    static final int GROUP_SHARE_MAX_SIZE = 200;
    static final int GROUP_SHARE_MAX_SHARE_SESSIONS = 2000;
    static final int PARTITION_MAX_RECORD_LOCKS = 2000;

    static FleetProjection of(FleetResult base, FleetResult fleet) {
        FleetPlan plan = fleet.plan();
        double perWorker = plan.jobs() / (double) (plan.workers() + (plan.victimJobs() > 0 ? 1 : 0));
        int workers = (int) Math.ceil(TARGET / perWorker);
        double members = Math.max(perWorker(base, base.shareMembers()), perWorker(fleet, fleet.shareMembers()));
        double shareConsumers = Math.max(base.window().mean(FleetWindow.Worker::shareConsumers),
                fleet.window().mean(FleetWindow.Worker::shareConsumers));
        double locks = Math.max(locksPerRecording(base), locksPerRecording(fleet));
        int recordings = fleet.activeAtWindow();
        double view = extend(base.activeAtWindow(), base.window().mean(FleetWindow.Worker::viewBytesPerS), recordings,
                fleet.window().mean(FleetWindow.Worker::viewBytesPerS));
        double broker = recordings > 0 ? fleet.brokerCores() / recordings * TARGET : Double.NaN;
        double brokerLine = extend(base.activeAtWindow(), base.brokerCores(), recordings, fleet.brokerCores());
        double fleetCores = fleet.fleetCores() / Math.max(1, fleet.window().workers()) * workers;
        List<String> lines = new ArrayList<>();
        lines.add(f("Workers: %d, at the planned %.1f recordings per worker (%d slots each).", workers, perWorker,
                plan.rooms()));
        lines.add(f("Share-group members: %.0f (%.2f per worker, the larger of the two runs: a capped group "
                        + "understates it); stock `group.share.max.size` is %d: %s.", members * workers, members,
                GROUP_SHARE_MAX_SIZE, verdict(members * workers, GROUP_SHARE_MAX_SIZE)));
        lines.add(f("Share sessions on the broker leading `recording.jobs`' one partition: %.0f (%.2f share consumers "
                        + "per worker, the larger of the two runs); stock `group.share.max.share.sessions` is %d per "
                        + "broker: %s.", shareConsumers * workers, shareConsumers, GROUP_SHARE_MAX_SHARE_SESSIONS,
                verdict(shareConsumers * workers, GROUP_SHARE_MAX_SHARE_SESSIONS)));
        lines.add(f("Records held under an acquisition lock on that partition: %.0f (%.3f per running recording, the "
                        + "larger of the two runs: share-group lag less the jobs never started); stock "
                        + "`group.share.partition.max.record.locks` is %d: %s.", locks * TARGET, locks,
                PARTITION_MAX_RECORD_LOCKS, verdict(locks * TARGET, PARTITION_MAX_RECORD_LOCKS)));
        lines.add(f("View bytes read per worker: %.0f B/s (the line through the two runs' per-worker rate against "
                        + "running recordings, extended: flat if a worker's reads do not grow with the fleet); all "
                        + "workers together %.1f MB/s of broker egress.", view, view * workers / 1e6));
        lines.add(f("Broker CPU: %.2f cores (the fleet's per-recording CPU times %d; the line through both runs says "
                + "%.2f); fleet job-layer CPU %.1f cores (per worker, times the workers).", broker, TARGET,
                brokerLine, fleetCores));
        lines.add("Assumptions: one broker as here (a cluster spreads connections, but `recording.jobs` has one "
                + "partition, so one broker leads it and holds every share session and lock of the group); the "
                + "heartbeat interval of this run; costs linear in what they were measured against; no media (a real "
                + "recording costs far more worker CPU, not more job-layer traffic).");
        return new FleetProjection(workers, members * workers, shareConsumers * workers, locks * TARGET, view,
                view * workers, broker, fleetCores, List.copyOf(lines));
    }

    private static double perWorker(FleetResult r, double v) {
        return v / Math.max(1, r.window().workers());
    }

    /** Held locks per running recording: the lag less the jobs never started (those wait unlocked). */
    private static double locksPerRecording(FleetResult r) {
        if (r.activeAtWindow() == 0 || r.jobsLag() < 0) {
            return 0;
        }
        return Math.max(0, r.jobsLag() - r.jobsNeverStarted()) / (double) r.activeAtWindow();
    }

    /** The value at {@value #TARGET} on the line through (x0, y0) and (x1, y1); proportional with one point. */
    static double extend(double x0, double y0, double x1, double y1) {
        if (x1 <= 0) {
            return Double.NaN;
        }
        if (x1 == x0 || !Double.isFinite(y0)) {
            return y1 / x1 * TARGET;
        }
        return y1 + (y1 - y0) / (x1 - x0) * (TARGET - x1);
    }

    private static String verdict(double value, int limit) {
        return value <= limit ? "within it" : f("over it (%.1f×)", value / limit);
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
